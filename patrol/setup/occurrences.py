"""When a schedule's rounds fall due, and where: pure computations over a Schedule, in its site's time.

A schedule's times are wall-clock times on its site ("daily at 09:00" on an Asia/Shanghai
site is 01:00 UTC), so each occurrence is built in the site's zone and handed back in UTC.
These functions do not look at `schedule.active` or `schedule.created_at`: whether a
stopped or new schedule's past rounds count is the caller's decision (patrol.rounds.planning
decides it from the schedule's versions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Location, Schedule
from patrol.setup.locations import reading_order

# No valid schedule goes this long without a round; it bounds the search for the next ones.
_LONGEST_GAP = timedelta(days=8)


@dataclass(frozen=True)
class Occurrence:
    """One round: due at `due_at`, on time until `window_end`, late (not missed) until `grace_end`."""

    schedule_id: int | None
    due_at: datetime
    window_end: datetime
    grace_end: datetime

    def state_at(self, moment: datetime) -> str:
        """ "upcoming", "open" (on time), "late" or "missed" at this instant, if nothing was done."""
        if moment < self.due_at:
            return "upcoming"
        if moment < self.window_end:
            return "open"
        return "late" if moment < self.grace_end else "missed"


class Timing(Protocol):
    """What the times of the rounds are computed from: a Schedule, or one of its versions."""

    recurrence: str
    every_hours: int | None
    start_time: time
    end_time: time | None
    weekdays: list
    window_minutes: int
    grace_minutes: int


def _starts_on(timing: Timing, day: date) -> list[datetime]:
    """The wall-clock starts (naive, the site's time) of the rounds of the run that begins on this local day.

    An hourly run whose end time is earlier than its start runs through the night: 22:00 to 06:00
    is 22:00, 23:00 … 06:00 the next morning, all of them the run of the evening it began.
    """
    midnight = datetime.combine(day, time())
    if timing.recurrence == "hourly":
        if not timing.every_hours or timing.end_time is None:
            return []
        start = timing.start_time.hour * 60 + timing.start_time.minute
        end = timing.end_time.hour * 60 + timing.end_time.minute
        if end < start:
            end += 24 * 60
        # The end time is included: every 2 h from 08:00 to 20:00 is 7 rounds.
        return [midnight + timedelta(minutes=minutes) for minutes in range(start, end + 1, timing.every_hours * 60)]
    if timing.recurrence == "weekly" and day.weekday() not in set(timing.weekdays or ()):
        return []
    return [datetime.combine(day, timing.start_time)]


def occurrences(schedule: Schedule, start_utc: datetime, end_utc: datetime) -> list[Occurrence]:
    """The occurrences due in [start_utc, end_utc), oldest first (both bounds aware datetimes)."""
    return occurrences_of(schedule, schedule.site.zone, start_utc, end_utc, schedule_id=schedule.id)


def occurrences_of(
    timing: Timing, zone: ZoneInfo, start_utc: datetime, end_utc: datetime, *, schedule_id: int | None = None
) -> list[Occurrence]:
    """The occurrences of this timing on a site in `zone`, due in [start_utc, end_utc), oldest first."""
    window = timedelta(minutes=timing.window_minutes)
    grace = timedelta(minutes=timing.grace_minutes)
    # Local days can begin up to 14 h before or after the UTC day, and a night's run ends the next
    # morning: look one day wider each side.
    day = start_utc.astimezone(zone).date() - timedelta(days=1)
    last_day = end_utc.astimezone(zone).date() + timedelta(days=1)
    found: list[Occurrence] = []
    while day <= last_day:
        for wall in _starts_on(timing, day):
            due = wall.replace(tzinfo=zone).astimezone(UTC)
            # A time skipped by a daylight-saving change lands on the next real instant: count it once.
            if start_utc <= due < end_utc and (not found or due > found[-1].due_at):
                found.append(Occurrence(schedule_id, due, due + window, due + window + grace))
        day += timedelta(days=1)
    return found


def next_occurrences(schedule: Schedule, now: datetime, count: int = 5) -> list[Occurrence]:
    """The next `count` occurrences due at or after `now`."""
    found = occurrences(schedule, now, now + _LONGEST_GAP * count)
    return found[:count]


def schedule_locations(schedule: Schedule) -> list[Location]:
    """The active locations a schedule covers: every one of its kind on its site, or those hand-picked."""
    if schedule.location_kind:
        query = select(Location).where(
            Location.site_id == schedule.site_id, Location.kind == schedule.location_kind, Location.active.is_(True)
        )
        chosen = list(db.session.scalars(query))
    else:
        chosen = [loc for loc in schedule.locations if loc.active and loc.site_id == schedule.site_id]
    return sorted(chosen, key=reading_order)
