"""The rectification notice (整改通知单): the open tasks of a unit or a site, with what a printed sheet shows.

A sheet is a page of at most SHEET_SIZE notices; a site with more open tasks gets further sheets.
Everything a notice prints is loaded with the page in a fixed few queries, whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from patrol.extensions import db
from patrol.models import Answer, Location, Photo, Site, Task, TaskEvent, TaskNotice
from patrol.paging import Page, offset_page
from patrol.tasks.board import OPEN

SHEET_SIZE = 200
# Thumbnails a notice prints: the finding's own photos are evidence, a few are enough on paper.
PHOTOS_PER_NOTICE = 4


@dataclass(frozen=True)
class Notice:
    task: Task
    number: str
    addressee: str  # a key of vocabulary.NOTICE_ADDRESSEES
    requirement: str  # what must be done (整改要求), apart from what the finder noted
    photos: list[Photo] = field(default_factory=list)


def default_addressee(task: Task) -> str:
    """A renovation unit's notice goes to its contractor (施工单位); any other to the owner or resident."""
    return "contractor" if task.location is not None and task.location.kind == "renovation" else "owner"


def default_requirement(task: Task) -> str:
    """The item's standard — its wording says how things should be ("消防通道无堵塞"); a report has none."""
    if task.answer is None:
        return ""
    item = task.answer.item
    return f"{item.prompt}\n{item.help_text}" if item.help_text else item.prompt


def notice_number(task: Task) -> str:
    """The number printed on a notice: the site and the task, e.g. "3-000125"."""
    return f"{task.site_id}-{task.id:06d}"


def _with_what_a_notice_prints(query):
    return query.options(
        joinedload(Task.location),
        joinedload(Task.raised_by),
        joinedload(Task.assignee),
        joinedload(Task.answer).joinedload(Answer.item),
        joinedload(Task.answer).selectinload(Answer.photos),
    )


def open_task_sheet(site: Site, location: Location | None, *, number: int = 1) -> Page[Notice]:
    """A sheet of the open tasks of a site, or of one location on it: unit by unit, soonest due first."""
    query = select(Task).where(Task.site_id == site.id, Task.status.in_(OPEN))
    if location is not None:
        query = query.where(Task.location_id == location.id)
    # By location, so that each unit's notices come off the printer together.
    ordered = (
        _with_what_a_notice_prints(query)
        .outerjoin(Location, Location.id == Task.location_id)
        .order_by(Location.id.is_(None), Location.building, Location.name, Location.id, Task.due_at, Task.id)
    )
    page = offset_page(ordered, number=number, size=SHEET_SIZE, count=query)
    return page.map(_notices_for(page.rows))


def task_notice(task: Task) -> Notice:
    loaded = db.session.scalars(_with_what_a_notice_prints(select(Task).where(Task.id == task.id))).unique().one()
    return _notices_for([loaded])(loaded)


def _notices_for(tasks: list[Task]):
    """A converter from each task to its notice; the reports' photos are read for all of them in one go."""
    reports = [task.id for task in tasks if task.source == "report"]
    chosen = _chosen([task.id for task in tasks])
    reported = {}
    if reports:
        reported = {
            event.task_id: event.photos
            for event in db.session.scalars(
                select(TaskEvent)
                .where(TaskEvent.task_id.in_(reports), TaskEvent.kind == "reported")
                .options(selectinload(TaskEvent.photos))
            )
        }

    def notice(task: Task) -> Notice:
        photos = task.answer.photos if task.answer is not None else reported.get(task.id, [])
        issued = chosen.get(task.id)
        return Notice(
            task,
            notice_number(task),
            issued.addressee if issued else default_addressee(task),
            issued.requirement if issued else default_requirement(task),
            list(photos)[:PHOTOS_PER_NOTICE],
        )

    return notice


def _chosen(task_ids: list[int]) -> dict[int, TaskNotice]:
    """What supervisors chose for these tasks' notices, in one query."""
    if not task_ids:
        return {}
    return {row.task_id: row for row in db.session.scalars(select(TaskNotice).where(TaskNotice.task_id.in_(task_ids)))}
