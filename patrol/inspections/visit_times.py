"""When a visit happened: the phone's own times, checked against the server's clock.

An outbox sends a round late (a basement, no signal): the server's clock says when a request
arrived, not when the butler stood there. So the phone sends its times (milliseconds of its own
clock): when the checklist opened (`scanned_at`), when each answer was given (`answered_at`), when
the checklist was completed (`completed_at`), and when the request left (`sent_at`). The server
compares `sent_at` with when the request arrived: that is how far the phone's clock is off.

- within SKEW: the phone's times are used as they are;
- beyond: they are moved by the offset, kept between the page being served and the arrival, and the
  inspection is marked CLOCK_CORRECTED;
- times that cannot be true whatever the clock (in the future, before the page was served, a
  completion before the scan) are replaced by the nearest possible one and marked CLOCK_IMPLAUSIBLE;
- no times at all (an old page, a phone without the outbox): the server's, marked CLOCK_SERVER.

`visit_of` is the one answer to "when did this visit happen" for an inspection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from patrol.database import utcnow
from patrol.models import Inspection

# How far a phone's clock may be off and still be believed as it is.
SKEW = timedelta(minutes=5)

CLOCK_SERVER = "server"
CLOCK_CORRECTED = "corrected"
CLOCK_IMPLAUSIBLE = "implausible"
# From least to most doubtful: an inspection keeps the worst its requests earned.
_DOUBT = [None, CLOCK_SERVER, CLOCK_CORRECTED, CLOCK_IMPLAUSIBLE]


def server_now() -> datetime:
    """When a request arrived (a function of its own, so a test can move the server's clock)."""
    return utcnow()


@dataclass(frozen=True)
class DeviceTimes:
    """What one request says about time: the phone's clock (None when not sent) and the server's."""

    received_at: datetime
    sent_at: datetime | None = None
    scanned_at: datetime | None = None
    # When the person did what this request carries: the answer given, the checklist completed.
    acted_at: datetime | None = None

    @property
    def offset(self) -> timedelta | None:
        """How far the phone's clock is behind the server's (negative: ahead); None if unknown."""
        return None if self.sent_at is None else self.received_at - self.sent_at

    @property
    def offset_seconds(self) -> int | None:
        offset = self.offset
        return None if offset is None else round(offset.total_seconds())


@dataclass(frozen=True)
class Judged:
    at: datetime
    flag: str | None = None


def worse(first: str | None, second: str | None) -> str | None:
    return max(first, second, key=_DOUBT.index)


def _clamped(at: datetime, earliest: datetime | None, latest: datetime) -> datetime:
    return min(max(at, earliest), latest) if earliest is not None and earliest <= latest else min(at, latest)


def judge(device_time: datetime | None, times: DeviceTimes, earliest: datetime | None) -> Judged | None:
    """The phone's time of something, as the server believes it; None when the phone sent none.

    `earliest` is the first moment it can be true (the page served, the scan): a trusted clock
    giving a time before it by more than SKEW, or after the arrival, is implausible.
    """
    offset = times.offset
    if device_time is None or offset is None:
        return None
    latest = times.received_at
    if abs(offset) > SKEW:
        return Judged(_clamped(device_time + offset, earliest, latest), CLOCK_CORRECTED)
    too_early = earliest is not None and device_time < earliest - SKEW
    if device_time > latest + SKEW or too_early:
        return Judged(_clamped(device_time, earliest, latest), CLOCK_IMPLAUSIBLE)
    return Judged(device_time)


def scan_time(times: DeviceTimes | None, served_at: datetime | None, fallback: datetime) -> Judged:
    """When the checklist was opened: the phone's time, else `fallback` (the stamp the page carried)."""
    judged = judge(times.scanned_at, times, served_at) if times else None
    if judged is None:
        return Judged(min(fallback, times.received_at if times else utcnow()), CLOCK_SERVER)
    return judged


def completion_time(inspection: Inspection, times: DeviceTimes) -> Judged:
    """When the checklist was completed; a completion before the scan is implausible."""
    judged = judge(times.acted_at, times, None)
    if judged is None:
        return Judged(times.received_at, CLOCK_SERVER)
    if judged.at < inspection.scanned_at:
        return Judged(inspection.scanned_at, CLOCK_IMPLAUSIBLE)
    return judged


def answer_time(inspection: Inspection, times: DeviceTimes) -> datetime:
    """When an answer was given: the phone's time, kept between the scan and the arrival."""
    judged = judge(times.acted_at, times, inspection.scanned_at)
    return _clamped(judged.at, inspection.scanned_at, times.received_at) if judged else times.received_at


def note_clock(inspection: Inspection, times: DeviceTimes | None) -> None:
    """Keep the latest offset this inspection's requests showed."""
    if times is not None and times.offset is not None:
        inspection.clock_offset_seconds = times.offset_seconds


@dataclass(frozen=True)
class Visit:
    """When a visit happened, as supervisors and schedules read it."""

    started: datetime
    finished: datetime | None
    duration_seconds: int | None
    # When the server had it: later than `finished` when the phone was offline.
    received: datetime | None
    clock_flag: str | None
    clock_offset_seconds: int | None

    @property
    def sent_late(self) -> bool:
        return self.finished is not None and self.received is not None and self.received - self.finished > SKEW


def visit_of(inspection: Inspection) -> Visit:
    """When this inspection's visit happened: from the scan to the completion, on the phone's clock."""
    return Visit(
        started=inspection.scanned_at,
        finished=inspection.submitted_at,
        duration_seconds=inspection.duration_seconds,
        received=inspection.received_at or inspection.submitted_at,
        clock_flag=inspection.clock_flag,
        clock_offset_seconds=inspection.clock_offset_seconds,
    )
