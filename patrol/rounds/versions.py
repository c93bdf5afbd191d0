"""A schedule's versions: what it asked for, and from when.

A version governs the rounds due after its `effective_from`, up to and including the next version's:
a round due at the very moment of an edit was already due, so it stays the earlier version's. A
schedule's name is not part of its terms (renaming it changes no round); everything that decides
which rounds fall due, where, for how long and for whom is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from patrol.extensions import db
from patrol.models import Schedule, ScheduleVersion, User

# The schedule's columns a version copies; with the hand-picked locations, they are its terms.
TERMS = (
    "active",
    "checklist_id",
    "location_kind",
    "recurrence",
    "every_hours",
    "start_time",
    "end_time",
    "weekdays",
    "window_minutes",
    "grace_minutes",
    "makeup_hours",
    "responsible_user_id",
    "responsible_role",
)
# Stored times have microseconds: the first instant after a moment.
INSTANT = timedelta(microseconds=1)


def terms_of(schedule: Schedule) -> dict:
    """The schedule's terms as a version keeps them."""
    terms = {name: getattr(schedule, name) for name in TERMS}
    terms["weekdays"] = sorted(terms["weekdays"] or [])
    terms["location_ids"] = [] if schedule.location_kind else [location.id for location in schedule.locations]
    return terms


def _terms_of_version(version: ScheduleVersion) -> dict:
    return {name: getattr(version, name) for name in (*TERMS, "location_ids")}


def latest_version(schedule_id: int) -> ScheduleVersion | None:
    query = (
        select(ScheduleVersion)
        .where(ScheduleVersion.schedule_id == schedule_id)
        .order_by(ScheduleVersion.effective_from.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def record_version(schedule: Schedule, actor: User | None, now: datetime) -> ScheduleVersion | None:
    """A version with the schedule's terms from `now`; None when they are those of its latest version.

    Two changes at the same instant make one version (the later terms).
    """
    terms = terms_of(schedule)
    latest = latest_version(schedule.id)
    if latest is not None and _terms_of_version(latest) == terms:
        return None
    if latest is not None and latest.effective_from >= now:
        version = latest
    else:
        version = ScheduleVersion(schedule_id=schedule.id, effective_from=now, created_at=now)
        db.session.add(version)
    for name, value in terms.items():
        setattr(version, name, value)
    version.created_by_id = actor.id if actor is not None else None
    db.session.flush()
    return version


def version_unversioned() -> int:
    """Give every schedule written without a version (by the demo, or code that skipped setup) its first,
    in force since it was created, as the migration did for the schedules that existed then; how many."""
    unversioned = list(
        db.session.scalars(
            select(Schedule).where(~exists().where(ScheduleVersion.schedule_id == Schedule.id)).order_by(Schedule.id)
        )
    )
    for schedule in unversioned:
        db.session.add(ScheduleVersion(schedule_id=schedule.id, created_at=schedule.created_at, **_first(schedule)))
    if unversioned:
        db.session.flush()
    return len(unversioned)


def _first(schedule: Schedule) -> dict:
    return terms_of(schedule) | {"effective_from": schedule.created_at}


@dataclass(frozen=True)
class Span:
    """A version and the rounds it governs: those due in (after, until]; `until` None: no later version yet."""

    version: ScheduleVersion
    after: datetime
    until: datetime | None

    def clip(self, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
        """The [lo, hi) of due times inside both this span and [start, end), or None if they do not meet."""
        lo = max(start, self.after + INSTANT)
        hi = end if self.until is None else min(end, self.until + INSTANT)
        return (lo, hi) if lo < hi else None


def spans_between(start: datetime, end: datetime, schedule_ids: set[int] | None = None) -> list[Span]:
    """Each version governing some round due in [start, end), with its span; by schedule, oldest first."""
    if schedule_ids is not None and not schedule_ids:
        return []
    later = aliased(ScheduleVersion)
    superseded = exists().where(
        later.schedule_id == ScheduleVersion.schedule_id,
        later.effective_from > ScheduleVersion.effective_from,
        later.effective_from < start,
    )
    query = select(ScheduleVersion).where(ScheduleVersion.effective_from < end, ~superseded)
    if schedule_ids is not None:
        query = query.where(ScheduleVersion.schedule_id.in_(schedule_ids))
    versions = list(db.session.scalars(query.order_by(ScheduleVersion.schedule_id, ScheduleVersion.effective_from)))
    spans = []
    for position, version in enumerate(versions):
        following = versions[position + 1] if position + 1 < len(versions) else None
        until = following.effective_from if following and following.schedule_id == version.schedule_id else None
        spans.append(Span(version, version.effective_from, until))
    return spans
