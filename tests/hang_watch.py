"""A hung test fails loudly and the run ends: it never stalls CI.

- Every test (setup, call and teardown, which for the last test of a process includes closing the
  session's Chromium) has HANG_SECONDS. Past them the stacks of every thread go to stderr and the
  process exits; under pytest-xdist the controller reports the test as crashed and starts another
  worker for the tests left.
- The xdist controller gives up when no test has reported for STALL_SECONDS (a worker stuck outside a
  test), with the controller's stacks on stderr.
- `deadline()` bounds one step that may hang (closing Chromium), running a rescue (killing the
  browser) when it runs out.

tests/conftest.py registers this module as a plugin.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

HANG_SECONDS = int(os.environ.get("PATROL_TEST_HANG_SECONDS", "300"))
STALL_SECONDS = HANG_SECONDS + 120

_stderr = None  # the real stderr, kept open: pytest captures fd 2 while a test runs


def _real_stderr(config):
    global _stderr
    if _stderr is None:
        capture = config.pluginmanager.getplugin("capturemanager")
        if capture is not None:
            with capture.global_and_fixture_disabled():
                _stderr = os.fdopen(os.dup(sys.stderr.fileno()), "w", closefd=True)
        else:
            _stderr = os.fdopen(os.dup(2), "w", closefd=True)
    return _stderr


def pytest_unconfigure(config):
    global _stderr
    if _stderr is not None:
        _stderr.close()
        _stderr = None


def _is_xdist_controller(config) -> bool:
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def _give_up(config, what: str) -> None:
    """Report `what`, dump every thread's stack and end the process (not through Python's shutdown:
    that could wait on the very thread that hangs)."""
    out = _real_stderr(config)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    out.write(f"\n!!! {worker}: {what}; the stacks of every thread follow, then the process exits\n")
    out.flush()
    faulthandler.dump_traceback(file=out, all_threads=True)
    out.flush()
    kill_children()
    os._exit(3)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    out = _real_stderr(item.config)
    timer = threading.Timer(HANG_SECONDS, _give_up, (item.config, f"{item.nodeid} still runs after {HANG_SECONDS} s"))
    timer.daemon = True
    timer.start()
    # The same limit kept by the interpreter itself, for a hang that holds the GIL the timer needs.
    faulthandler.dump_traceback_later(HANG_SECONDS + 30, exit=True, file=out)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        timer.cancel()


@pytest.hookimpl(hookwrapper=True)
def pytest_sessionfinish(session):
    """Closing down (after the last test's teardown) has a limit too."""
    out = _real_stderr(session.config)
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True, file=out)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def pytest_sessionstart(session):
    if _is_xdist_controller(session.config):
        _stall_watch(session.config)


def pytest_runtest_logreport(report):
    if _stall_timer is not None:
        _stall_timer.reset()


class _StallTimer:
    """The controller's limit on silence: reset by every report a worker sends."""

    def __init__(self, config):
        self.config, self.out = config, _real_stderr(config)
        self.reset()

    def reset(self) -> None:
        faulthandler.dump_traceback_later(STALL_SECONDS, exit=True, file=self.out)


_stall_timer: _StallTimer | None = None


def _stall_watch(config) -> None:
    global _stall_timer
    _stall_timer = _StallTimer(config)


@contextmanager
def deadline(seconds: float, rescue: Callable[[], None]) -> Iterator[None]:
    """Run the block; if it is still running after `seconds`, call `rescue` (from another thread)."""
    timer = threading.Timer(seconds, rescue)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def kill_children() -> list[int]:
    """SIGKILL every process this one started, and theirs (Playwright's driver, Chromium): the ids killed."""
    killed = []
    for pid in _descendants(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except ProcessLookupError:
            pass
    return killed


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid …: comm may hold spaces and parentheses, the last ")" ends it
            text = stat.read_text()
        except OSError:
            continue
        pid, rest = int(text.split(" ", 1)[0]), text.rsplit(")", 1)[1].split()
        children.setdefault(int(rest[1]), []).append(pid)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
