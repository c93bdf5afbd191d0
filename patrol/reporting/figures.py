"""One site's figures over a period, each from one grouped query: a fixed number of queries for a
day or a month, for ten tasks or a million.

Definitions (the report's page and the 日报 say them in words):
- coverage: patrol.rounds.coverage over the period's local days — the grid's and every export's figure;
- a finding: an answer a submitted round marked as failing, at this site, in a round done in the
  period (the phone's checked time, `Inspection.scanned_at`);
- tasks raised: created in the period (findings and 随手拍); still open / overdue: of those, as of now;
- first response: a task acknowledged or assigned (`acknowledged_at`, the moment the board and the
  worker's sweep stop calling it 反馈超时), measured from when it was raised; in time when by its
  `respond_by` (the site's promise, an hour by default);
- time to close: raised → closed, for tasks closed in the period; on time when closed by `due_at`;
- reopen rate: of the tasks closed in the period, the share whose fix was sent back at least once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, select, union

from patrol.extensions import db
from patrol.models import Answer, ChecklistItem, ExpectedVisit, Inspection, Location, Site, Task, User
from patrol.models.task import CLOSED_WHERE, OPEN_STATUSES, OPEN_WHERE
from patrol.reporting.periods import Period
from patrol.reporting.spreads import Spread, seconds_between, spreads
from patrol.rounds.coverage import Coverage, coverage, total

# How many checklist items the findings chart names; the rest are added up as "other items".
TOP_ITEMS = 10


@dataclass(frozen=True)
class TaskFigures:
    raised: int = 0
    still_open: int = 0
    overdue: int = 0
    responded: int = 0
    responded_in_time: int = 0
    unanswered_late: int = 0  # raised in the period and feedback overdue now: still open, unanswered, past respond_by
    closed: int = 0
    closed_on_time: int = 0
    closed_reopened: int = 0
    open_now: int = 0  # every open task of the site, whenever raised
    overdue_now: int = 0

    @property
    def reopen_rate(self) -> float | None:
        return self.closed_reopened / self.closed if self.closed else None


@dataclass
class PersonFigures:
    """One person's period; `role` set (user_id None) for rounds given to a role, not a person."""

    user_id: int | None
    role: str | None = None
    name: str = ""
    done: int = 0
    late: int = 0
    missed: int = 0
    findings: int = 0
    closed: int = 0
    closed_on_time: int = 0


@dataclass
class SiteReport:
    site: Site
    period: Period
    now: datetime
    coverage: Coverage
    coverage_by_day: list[Coverage]
    findings_by_item: list[tuple[str, int]]
    other_items: int
    findings_by_kind: list[tuple[str, int]]
    tasks: TaskFigures
    response: Spread
    close: Spread
    people: list[PersonFigures] = field(default_factory=list)

    @property
    def findings(self) -> int:
        return sum(count for _kind, count in self.findings_by_kind)


def site_report(site: Site, period: Period, now: datetime) -> SiteReport:
    start, end = period.bounds(site.zone)
    by_day = coverage({site.id}, period.first, period.last, now, by=("day",))
    by_item, other, by_kind = _findings(site.id, start, end)
    times = spreads(
        {
            "response": select(seconds_between(Task.acknowledged_at, Task.created_at)).where(
                _raised(site.id, start, end), Task.acknowledged_at.is_not(None)
            ),
            "close": select(seconds_between(Task.closed_at, Task.created_at)).where(_closed(site.id, start, end)),
        }
    )
    return SiteReport(
        site=site,
        period=period,
        now=now,
        coverage=total(by_day),
        coverage_by_day=by_day,
        findings_by_item=by_item,
        other_items=other,
        findings_by_kind=by_kind,
        tasks=_task_figures(site.id, start, end, now),
        response=times["response"],
        close=times["close"],
        people=_people(site.id, period, start, end, now),
    )


def _raised(site_id: int, start: datetime, end: datetime):
    return and_(Task.site_id == site_id, Task.created_at >= start, Task.created_at < end)


def _closed(site_id: int, start: datetime, end: datetime):
    """Closed in the period: the partial index of closed tasks by closing time (its condition written out)."""
    return and_(CLOSED_WHERE, Task.site_id == site_id, Task.closed_at >= start, Task.closed_at < end)


def _in_period(site_id: int, start: datetime, end: datetime):
    """The site's tasks raised or closed in the period, each read through an index of its own time."""
    return union(
        select(Task.id).where(_raised(site_id, start, end)), select(Task.id).where(_closed(site_id, start, end))
    ).subquery()


def _findings_base(site_id: int, start: datetime, end: datetime):
    return (
        select()
        .select_from(Answer)
        .join(Inspection, Answer.inspection_id == Inspection.id)
        .join(Location, Inspection.location_id == Location.id)
        .where(
            Location.site_id == site_id,
            Inspection.status == "submitted",
            Inspection.scanned_at >= start,
            Inspection.scanned_at < end,
            Answer.is_finding.is_(True),
        )
    )


def _findings(site_id: int, start: datetime, end: datetime):
    """Findings by checklist item (its wording: the same item across versions), the most first, and by location kind."""
    count = func.count(Answer.id)
    items = (
        _findings_base(site_id, start, end)
        .join(ChecklistItem, Answer.item_id == ChecklistItem.id)
        .add_columns(ChecklistItem.prompt, count)
        .group_by(ChecklistItem.prompt)
        .order_by(count.desc(), ChecklistItem.prompt)
    )
    by_item = [(prompt, n) for prompt, n in db.session.execute(items)]
    kinds = _findings_base(site_id, start, end).add_columns(Location.kind, count).group_by(Location.kind)
    by_kind = sorted(((kind, n) for kind, n in db.session.execute(kinds)), key=lambda row: (-row[1], row[0]))
    return by_item[:TOP_ITEMS], sum(n for _prompt, n in by_item[TOP_ITEMS:]), by_kind


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _task_figures(site_id: int, start: datetime, end: datetime, now: datetime) -> TaskFigures:
    raised = and_(Task.created_at >= start, Task.created_at < end)
    closed = and_(Task.status == "closed", Task.closed_at >= start, Task.closed_at < end)
    is_open = Task.status.in_(OPEN_STATUSES)
    period = select(
        _sum(raised),
        _sum(and_(raised, is_open)),
        _sum(and_(raised, is_open, Task.due_at < now)),
        _sum(and_(raised, Task.acknowledged_at.is_not(None))),
        _sum(and_(raised, Task.acknowledged_at <= Task.respond_by)),
        # 反馈超时 as the board and the worker's sweep say it (Task.is_feedback_overdue), as of now.
        _sum(and_(raised, Task.status == "open", Task.acknowledged_at.is_(None), Task.respond_by < now)),
        _sum(closed),
        _sum(and_(closed, Task.closed_at <= Task.due_at)),
        _sum(and_(closed, Task.reopen_count > 0)),
    ).where(Task.id.in_(select(_in_period(site_id, start, end).c.id)))
    # The site's standing today: its open tasks (the partial index of open tasks by site, named literally).
    standing = select(func.count(Task.id), _sum(Task.due_at < now)).where(OPEN_WHERE, Task.site_id == site_id)
    return TaskFigures(*db.session.execute(period).one(), *db.session.execute(standing).one())


def _people(site_id: int, period: Period, start: datetime, end: datetime, now: datetime) -> list[PersonFigures]:
    people: dict[tuple, PersonFigures] = {}

    def person(user_id, role=None) -> PersonFigures:
        key = (user_id, None) if user_id is not None else (None, role)
        return people.setdefault(key, PersonFigures(user_id, None if user_id is not None else role))

    for group in coverage({site_id}, period.first, period.last, now, by=("person",)):
        if group.missed:
            person(*group.key).missed = group.missed
    for user_id, done, late, findings in db.session.execute(_visits_by_inspector(site_id, start, end)):
        figures = person(user_id)
        figures.done, figures.late, figures.findings = done, int(late), int(findings)
    closes = select(Task.assignee_id, func.count(Task.id), _sum(Task.closed_at <= Task.due_at)).where(
        _closed(site_id, start, end), Task.assignee_id.is_not(None)
    )
    for user_id, closed, on_time in db.session.execute(closes.group_by(Task.assignee_id)):
        figures = person(user_id)
        figures.closed, figures.closed_on_time = closed, int(on_time)
    ids = {figures.user_id for figures in people.values() if figures.user_id is not None}
    # Asked even for nobody: the same queries for an empty period as for a full one.
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
    for figures in people.values():
        figures.name = names.get(figures.user_id, "")
    return sorted(people.values(), key=lambda figures: (figures.user_id is None, figures.name, figures.role or ""))


def _visits_by_inspector(site_id: int, start: datetime, end: datetime):
    """Each inspector's submitted rounds here in the period: how many, how many counted late, their
    findings (counted per round from the answers' index on their inspection)."""
    findings = (
        select(func.count(Answer.id))
        .where(Answer.inspection_id == Inspection.id, Answer.is_finding.is_(True))
        .correlate(Inspection)
        .scalar_subquery()
    )
    rounds = (
        select(
            Inspection.inspector_id.label("inspector_id"),
            case((ExpectedVisit.status == "late", 1), else_=0).label("late"),
            findings.label("findings"),
        )
        .join(Location, Inspection.location_id == Location.id)
        .outerjoin(ExpectedVisit, ExpectedVisit.inspection_id == Inspection.id)
        .where(
            Location.site_id == site_id,
            Inspection.status == "submitted",
            Inspection.scanned_at >= start,
            Inspection.scanned_at < end,
        )
        .subquery()
    )
    return select(rounds.c.inspector_id, func.count(), func.sum(rounds.c.late), func.sum(rounds.c.findings)).group_by(
        rounds.c.inspector_id
    )
