"""What a change to a schedule, a location or a site does to the rounds already written.

A change never rewrites the past. The pending rounds due after the change are re-planned: a round
the schedule still expects at that place and time follows the version now in force (its window,
checklist and responsible person); any other is cancelled — when, by whom, why — and kept, never
deleted. Rounds due at or before the change, done or not, stay as they were. Then the rounds the
change brings are written (patrol.rounds.planning). Setup calls these in its own transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from patrol.extensions import db
from patrol.models import ExpectedVisit, Location, Schedule, ScheduleVersion, Site, User
from patrol.rounds.planning import covers, locations_in_use, plan_visits, terms
from patrol.rounds.versions import INSTANT, latest_version, record_version
from patrol.setup.occurrences import Occurrence, occurrences_of

# Why a round was cancelled (words: patrol.vocabulary.CANCEL_REASONS).
SCHEDULE_CHANGED = "schedule_changed"
SCHEDULE_STOPPED = "schedule_stopped"
LOCATION_DEACTIVATED = "location_deactivated"
LOCATION_CHANGED = "location_changed"
SITE_ARCHIVED = "site_archived"
SITE_CHANGED = "site_changed"


def schedule_changed(schedule: Schedule, actor: User | None, now: datetime) -> None:
    """After a schedule is saved, stopped or restarted: a version from `now` if its terms changed, its
    rounds due after `now` re-planned, and its new ones written. No commit."""
    version = record_version(schedule, actor, now)
    if version is None:
        return
    replan_schedule(schedule, actor, now, SCHEDULE_CHANGED if version.active else SCHEDULE_STOPPED)


def replan_schedule(schedule: Schedule, actor: User | None, now: datetime, reason: str) -> None:
    """The schedule's pending rounds due after `now` follow its latest version, or are cancelled for `reason`."""
    rows = list(
        db.session.scalars(
            select(ExpectedVisit)
            .where(
                ExpectedVisit.schedule_id == schedule.id, ExpectedVisit.due_at > now, ExpectedVisit.status == "pending"
            )
            .order_by(ExpectedVisit.due_at, ExpectedVisit.id)
            .with_for_update()
        )
    )
    version = latest_version(schedule.id)
    still = _still_expected(schedule, version, now, rows[-1].due_at if rows else now)
    taken = _slots_of(version, rows)
    for row in rows:
        occurrence = still.get((row.due_at, row.location_id))
        slot = (row.location_id, row.due_at)
        if occurrence is not None and (row.schedule_version_id == version.id or slot not in taken):
            for name, value in terms(version, occurrence).items():
                setattr(row, name, value)
            taken.add(slot)
        else:
            cancel(row, actor, now, reason)
    db.session.flush()
    plan_visits(now, schedule_ids={schedule.id})


def _still_expected(
    schedule: Schedule, version: ScheduleVersion | None, now: datetime, last_due: datetime
) -> dict[tuple[datetime, int], Occurrence]:
    """The rounds the version now in force expects after `now`, up to `last_due`, by (due time, location)."""
    if version is None or not version.active or schedule.site.archived:
        return {}
    covered = [
        location
        for location in locations_in_use({schedule.site_id})[schedule.site_id]
        if covers(version, schedule.site_id, location)
    ]
    occurrences = occurrences_of(
        version, schedule.site.zone, now + INSTANT, last_due + INSTANT, schedule_id=schedule.id
    )
    return {
        (occurrence.due_at, location.id): occurrence
        for occurrence in occurrences
        for location in covered
        if location.active_since < occurrence.due_at
    }


def _slots_of(version: ScheduleVersion | None, rows: list[ExpectedVisit]) -> set[tuple[int, datetime]]:
    """The (location, due time) slots the version already has a row in (a cancelled one keeps its slot)."""
    if version is None or not rows:
        return set()
    query = select(ExpectedVisit.location_id, ExpectedVisit.due_at).where(
        ExpectedVisit.schedule_version_id == version.id,
        ExpectedVisit.due_at >= rows[0].due_at,
        ExpectedVisit.due_at <= rows[-1].due_at,
    )
    return set(db.session.execute(query))


def cancel(row: ExpectedVisit, actor: User | None, now: datetime, reason: str) -> None:
    row.status = "cancelled"
    row.cancelled_at = now
    row.cancelled_by_id = actor.id if actor is not None else None
    row.cancel_reason = reason


def location_changed(location: Location, actor: User | None, now: datetime) -> int:
    """After a location is edited, moved, deactivated or reactivated: its pending rounds due after `now`
    that no schedule expects of it any more are cancelled, and what its schedules now expect is written;
    how many were cancelled. No commit."""
    rows = list(
        db.session.scalars(
            select(ExpectedVisit)
            .where(
                ExpectedVisit.location_id == location.id, ExpectedVisit.due_at > now, ExpectedVisit.status == "pending"
            )
            .options(selectinload(ExpectedVisit.version), selectinload(ExpectedVisit.schedule))
            .with_for_update()
        )
    )
    cancelled = 0
    for row in rows:
        if not location.active:
            cancel(row, actor, now, LOCATION_DEACTIVATED)
        elif not covers(row.version, row.schedule.site_id, location):
            cancel(row, actor, now, LOCATION_CHANGED)
        else:
            continue
        cancelled += 1
    db.session.flush()
    if location.active:
        _revive(location, now)
        plan_visits(now, site_ids={location.site_id})
    return cancelled


def _revive(location: Location, now: datetime) -> None:
    """Rounds due after `now` cancelled because the location left use (or its schedules) are expected
    again once it is back, when the version that planned them is still the one in force."""
    rows = list(
        db.session.scalars(
            select(ExpectedVisit)
            .where(
                ExpectedVisit.location_id == location.id,
                ExpectedVisit.due_at > now,
                ExpectedVisit.status == "cancelled",
                ExpectedVisit.cancel_reason.in_((LOCATION_DEACTIVATED, LOCATION_CHANGED)),
            )
            .options(selectinload(ExpectedVisit.version), selectinload(ExpectedVisit.schedule))
        )
    )
    in_force = {schedule_id: latest_version(schedule_id) for schedule_id in {row.schedule_id for row in rows}}
    for row in rows:
        current = in_force[row.schedule_id]
        if (
            current is not None
            and current.id == row.schedule_version_id
            and current.active
            and covers(current, row.schedule.site_id, location)
            and location.active_since < row.due_at
        ):
            row.status = "pending"
            row.cancelled_at = row.cancelled_by_id = row.cancel_reason = None
    db.session.flush()


def site_archived(site: Site, actor: User | None, now: datetime) -> int:
    """An archived site expects no more rounds: its pending ones due after `now` are cancelled; how many."""
    return _cancel_site_rounds(site, actor, now, SITE_ARCHIVED)


def site_clock_changed(site: Site, actor: User | None, now: datetime) -> None:
    """After a site's time zone changes, its schedules' rounds to come fall due at new instants."""
    for schedule in db.session.scalars(select(Schedule).where(Schedule.site_id == site.id).order_by(Schedule.id)):
        replan_schedule(schedule, actor, now, SITE_CHANGED)


def _cancel_site_rounds(site: Site, actor: User | None, now: datetime, reason: str) -> int:
    rows = list(
        db.session.scalars(
            select(ExpectedVisit)
            .where(ExpectedVisit.site_id == site.id, ExpectedVisit.due_at > now, ExpectedVisit.status == "pending")
            .with_for_update()
        )
    )
    for row in rows:
        cancel(row, actor, now, reason)
    db.session.flush()
    return len(rows)
