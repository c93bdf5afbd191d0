"""How a loss case reads: its item as the register listed it when it was found short, its interval, its
sightings and custodians, what the reader may do; a room's cases open first; the loss record's facts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case as sql_case
from sqlalchemy import select, tuple_
from sqlalchemy.orm import joinedload

from patrol.access import can
from patrol.extensions import db
from patrol.modelrooms.custody import Custodian, custodians
from patrol.models import Inspection, LossCase, LossSighting, RegisterLine, User
from patrol.paging import Page, offset_page

PAGE_SIZE = 20


@dataclass
class CaseView:
    case: LossCase
    line: RegisterLine | None  # the item as the register listed it in the first short count's version

    @property
    def name(self) -> str:
        return self.line.name if self.line else ""

    @property
    def zone(self) -> str:
        return self.line.zone if self.line else ""

    @property
    def unit(self) -> str:
        return self.line.unit if self.line else ""

    @property
    def value(self) -> Decimal | None:
        """What the lost or damaged quantity is worth, when the register says what one is."""
        if self.line is None or self.line.unit_value is None:
            return None
        return self.line.unit_value * self.case.quantity


@dataclass
class CasePage(CaseView):
    custodians: list[Custodian] = field(default_factory=list)
    sightings: list[LossSighting] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # found | confirm_found | damaged | written_off
    may_record: bool = False
    client_ids: dict[str, str] = field(default_factory=dict)


def _case_query():
    return select(LossCase).options(
        joinedload(LossCase.location),
        joinedload(LossCase.task),
        joinedload(LossCase.first_short).joinedload(Inspection.inspector),
        joinedload(LossCase.last_complete).joinedload(Inspection.inspector),
        joinedload(LossCase.found_by).joinedload(Inspection.inspector),
    )


def load_case(case_id: int) -> LossCase | None:
    return db.session.scalar(_case_query().where(LossCase.id == case_id))


def lines_for(cases: list[LossCase]) -> dict[int, RegisterLine]:
    """Each case's register line, as it stood in the version its first short count was pinned to; one query."""
    pairs = {(case.first_short.register_version_id, case.asset_id) for case in cases}
    pairs = {pair for pair in pairs if pair[0] is not None}
    if not pairs:
        return {}
    rows = db.session.scalars(
        select(RegisterLine).where(tuple_(RegisterLine.version_id, RegisterLine.asset_id).in_(list(pairs)))
    )
    by_pair = {(line.version_id, line.asset_id): line for line in rows}
    return {case.id: by_pair.get((case.first_short.register_version_id, case.asset_id)) for case in cases}


def room_cases(location_id: int, number: int) -> Page[CaseView]:
    """A room's cases, the open ones first, newest first."""
    query = _case_query().where(LossCase.location_id == location_id)
    query = query.order_by(
        sql_case((LossCase.status == "open", 0), else_=1), LossCase.opened_at.desc(), LossCase.id.desc()
    )
    page = offset_page(query, number=number, size=PAGE_SIZE, fetch=lambda q: db.session.scalars(q).unique().all())
    lines = lines_for(page.rows)
    return Page(
        [CaseView(case, lines.get(case.id)) for case in page.rows],
        page.number,
        page.size,
        page.total,
        page.has_prev,
        page.has_next,
    )


def case_actions(case: LossCase, user: User) -> list[str]:
    """What this person may do to the case now, in the order the page offers them."""
    if not case.is_open:
        return []
    actions = []
    if can(user, "cases.reconcile"):
        if case.found_inspection_id is not None:
            actions.append("confirm_found")
        actions.append("found")
        if case.kind == "missing":
            actions.append("damaged")
    if can(user, "cases.write_off"):
        actions.append("written_off")
    return actions


def case_page(case: LossCase, user: User) -> CasePage:
    sightings = list(
        db.session.scalars(
            select(LossSighting)
            .options(joinedload(LossSighting.inspection).joinedload(Inspection.inspector))
            .where(LossSighting.case_id == case.id)
            .order_by(LossSighting.seen_at, LossSighting.id)
        )
    )
    actions = case_actions(case, user)
    return CasePage(
        case,
        lines_for([case]).get(case.id),
        custodians=custodians(case),
        sightings=sightings,
        actions=actions,
        may_record=can(user, "cases.record"),
        client_ids={action: str(uuid.uuid4()) for action in actions},
    )
