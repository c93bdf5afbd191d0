"""What a page costs on the wire, counted where it leaves: every response the app sent, with its body
as sent (compressed) and its header block.

Counted in the server rather than asked of the browser: the service worker's own fetches are
counted too, and a request the browser answered from its cache is simply not there.

Shared by tests/test_browser_page_weight.py and bench/page_weight.py; a plain module, not a test module.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

KB = 1024
ASSET_PREFIXES = ("/static/",)


@dataclass(frozen=True)
class Sent:
    """One response as the server sent it."""

    method: str
    path: str
    status: int
    mimetype: str
    encoding: str  # br, gzip, or "" when sent as it is
    body: int  # bytes of the body as sent, after compression
    headers: int  # bytes of the status line and headers (HTTP/1.1; HTTP/2 compresses repeated ones)
    received: int = 0  # bytes of the request's body (an upload, a form)

    @property
    def is_asset(self) -> bool:
        return self.path.startswith(ASSET_PREFIXES)


class ServerLog:
    """WSGI middleware keeping a Sent for every request that reaches the app."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.sent: list[Sent] = []
        self._lock = threading.Lock()

    def mark(self) -> int:
        with self._lock:
            return len(self.sent)

    def since(self, mark: int) -> list[Sent]:
        with self._lock:
            return self.sent[mark:]

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING")
        path = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        started: dict = {}

        def noting(status, headers, exc_info=None):
            started.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, noting)
        size = 0
        try:
            for chunk in body:
                size += len(chunk)
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()
            self._note(environ["REQUEST_METHOD"], path, started, size, int(environ.get("CONTENT_LENGTH") or 0))

    def _note(self, method: str, path: str, started: dict, size: int, received: int) -> None:
        headers = dict((name.lower(), value) for name, value in started.get("headers", []))
        header_bytes = len(f"HTTP/1.1 {started.get('status', '')}\r\n\r\n") + sum(
            len(name) + len(value) + 4 for name, value in started.get("headers", [])
        )
        sent = Sent(
            method=method,
            path=path,
            status=int(str(started.get("status", "0"))[:3]),
            mimetype=headers.get("content-type", "").split(";")[0],
            encoding=headers.get("content-encoding", ""),
            body=size,
            headers=header_bytes,
            received=received,
        )
        with self._lock:
            self.sent.append(sent)


def weight(sent: list[Sent]) -> tuple[int, int]:
    """(bodies, headers) in bytes."""
    return sum(s.body for s in sent), sum(s.headers for s in sent)


def table(sent: list[Sent]) -> str:
    """A Markdown table of the responses and their totals, as bench/README.md shows them."""
    lines = ["| request | type | status | encoding | body | headers |", "|---|---|---:|---|---:|---:|"]
    for s in sorted(sent, key=lambda s: -s.body):
        lines.append(
            f"| `{s.method} {s.path}` | {s.mimetype} | {s.status} | {s.encoding or '—'} "
            f"| {s.body:,} B | {s.headers:,} B |"
        )
    body, headers = weight(sent)
    lines.append(f"| **total** ({len(sent)} responses) | | | | **{body:,} B** | **{headers:,} B** |")
    lines.append(f"\nbodies {body / KB:.1f} KB + headers {headers / KB:.1f} KB = {(body + headers) / KB:.1f} KB")
    return "\n".join(lines)


def clear_http_cache(page) -> None:
    """Forget every cached file, as a phone that never opened the app (cookies stay: still signed in)."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.clearBrowserCache")
    session.detach()
