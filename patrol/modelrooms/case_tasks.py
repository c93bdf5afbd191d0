"""A loss case's one rectification task, raised in the tasks area's way; a later sighting is "seen again" on it.

A case's task is raised once, when the case opens: a "created" event on its timeline, the site's
supervisors and robots told of it once (alerts.after_raise), due by the severity's hours as every
finding. Its title is in the site's language, as the robots and printed sheets read it: what is
wrong and where ("样板间A 客厅 抱枕 缺少 1 件"), the item's name as the register spells it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from patrol.alerts import sweep as alerts
from patrol.extensions import db
from patrol.i18n import LANGUAGES
from patrol.models import CountLine, Inspection, LossCase, RegisterLine, Site, Task, TaskEvent
from patrol.tasks.raising import due_hours

# A missing item is someone's loss to pay for: the supervisors hear of it at once.
SEVERITY = {"missing": "high", "damaged": "medium"}


def problem_key(asset_id: int, kind: str) -> str:
    return f"asset:{asset_id}:{kind}"


def _language(site: Site) -> str:
    return site.language if site.language in LANGUAGES else current_app.config["BABEL_DEFAULT_LOCALE"]


def case_title(case: LossCase, line: RegisterLine, room_name: str) -> str:
    """What is wrong and where, in the current language: "样板间A 客厅 抱枕 缺少 1 件"."""
    words = {
        "room": room_name,
        "zone": line.zone,
        "item": line.name,
        "quantity": case.quantity,
        "unit": line.unit or gettext("pcs"),
    }
    if case.kind == "damaged":
        return gettext("%(room)s %(zone)s %(item)s: %(quantity)s %(unit)s damaged", **words)
    return gettext("%(room)s %(zone)s %(item)s: %(quantity)s %(unit)s missing", **words)


def case_detail(case: LossCase, counted: int, damaged: int) -> str:
    """What the count found: "应有 6，实点 5。" (and how many of them damaged)."""
    if damaged:
        return gettext(
            "Expected %(expected)s, counted %(counted)s, %(damaged)s damaged.",
            expected=case.expected,
            counted=counted,
            damaged=damaged,
        )
    return gettext("Expected %(expected)s, counted %(counted)s.", expected=case.expected, counted=counted)


def raise_tasks(
    opened: list[tuple[LossCase, RegisterLine, CountLine]], inspection: Inspection, now: datetime
) -> list[Task]:
    """One task per case just opened (given with its line and what was counted), linked to it. Flushed."""
    if not opened:
        return []
    location = inspection.location
    with force_locale(_language(location.site)):
        tasks = [_task(case, line, count, inspection, now) for case, line, count in opened]
    db.session.add_all(tasks)
    db.session.flush()
    for (case, _line, _count), task in zip(opened, tasks, strict=True):
        case.task_id = task.id
        db.session.add(
            TaskEvent(
                task_id=task.id,
                kind="created",
                actor_id=inspection.inspector_id,
                note=task.detail,
                to_status="open",
                inspection_id=inspection.id,
                created_at=now,
            )
        )
    db.session.flush()
    alerts.after_raise(tasks)
    return tasks


def _task(case: LossCase, line: RegisterLine, count: CountLine, inspection: Inspection, now: datetime) -> Task:
    location = inspection.location
    severity = SEVERITY[case.kind]
    key = problem_key(case.asset_id, case.kind)
    return Task(
        site_id=location.site_id,
        location_id=location.id,
        source="loss",
        inspection_id=inspection.id,
        problem_key=key,
        title=case_title(case, line, location.name)[:200],
        detail=case_detail(case, count.counted, count.damaged),
        severity=severity,
        status="open",
        raised_by_id=inspection.inspector_id,
        due_at=now + timedelta(hours=due_hours(severity)),
        respond_by=now + timedelta(minutes=location.site.first_response_minutes),
        last_seen_at=now,
        created_at=now,
        follows_id=_latest_task_id(location.id, key),
    )


def _latest_task_id(location_id: int, key: str) -> int | None:
    """The item's task of an earlier case of the same kind, which the new one names."""
    return db.session.scalar(select(func.max(Task.id)).where(Task.location_id == location_id, Task.problem_key == key))


def seen_again(case: LossCase, inspection: Inspection, count: CountLine, now: datetime) -> None:
    """A later count found the item still short: its task says so, and nobody is told twice."""
    task = db.session.get(Task, case.task_id) if case.task_id else None
    if task is None or not task.is_open:
        return
    task.seen_count += 1
    task.last_seen_at = max(task.last_seen_at or now, now)
    db.session.add(
        TaskEvent(
            task=task,
            kind="seen_again",
            actor_id=inspection.inspector_id,
            note=_seen_note(case, count),
            from_status=task.status,
            to_status=task.status,
            inspection_id=inspection.id,
            created_at=now,
        )
    )


def _seen_note(case: LossCase, count: CountLine) -> str:
    with force_locale(_language(case.location.site)):
        return case_detail(case, count.counted, count.damaged)
