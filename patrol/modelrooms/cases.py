"""One loss case per missing or damaged item of a model room, settled from each submitted count.

Per line of the register version the count was pinned to (patrol.models.model_room):
- short (counted < expected) opens a "missing" case for the difference, damaged (damaged > 0) a
  "damaged" one, each with its first sighting and one task (patrol.modelrooms.case_tasks); its interval
  runs from the last count that found the line complete (None: never since it was registered) to this one;
- short or damaged again while that case is open: a sighting of it, and "seen again" on its task —
  never a second case, task or announcement;
- complete while a "missing" case is open: "found" is proposed (found_inspection_id); a person confirms;
- skipped (no CountLine): nothing changes, whichever way.
Lines retired from the register since the count started, and count lines of items not in the pinned
version, are left alone. Everything is placed by the phone's time, so a count that reaches the server
late from a phone's outbox still narrows or widens the interval where it was made.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select

from patrol.extensions import db
from patrol.modelrooms import case_tasks
from patrol.modelrooms.custody import first_complete_after, last_complete_before
from patrol.modelrooms.register import current_version, lines_of
from patrol.models import CountLine, Inspection, Location, LossCase, LossSighting, RegisterLine


def shortfalls(line: RegisterLine, count: CountLine) -> list[tuple[str, int]]:
    """What a count line found wrong with its register line: (kind, how many) — empty when complete."""
    found = []
    if count.counted < line.expected:
        found.append(("missing", line.expected - count.counted))
    if count.damaged > 0:
        found.append(("damaged", count.damaged))
    return found


def settle_count(inspection: Inspection, now: datetime) -> list[LossCase]:
    """Open, see again or propose found the cases of a count just submitted; the cases it opened.

    Called once per submit, inside its transaction (the caller commits); called again, it changes nothing.
    """
    if inspection.register_version_id is None:
        return []
    # Two counts of one room submitted at once take turns here (a row lock on PostgreSQL; SQLite's writes
    # take turns already), so the second sees the case the first opened and adds a sighting to it.
    db.session.execute(select(Location.id).where(Location.id == inspection.location_id).with_for_update())
    if _settled(inspection.id):
        return []
    counts = {
        count.asset_id: count
        for count in db.session.scalars(select(CountLine).where(CountLine.inspection_id == inspection.id))
    }
    in_force = _assets_in_force(inspection.location_id)
    lines = [
        line
        for line in lines_of(inspection.register_version_id)
        if line.asset_id in counts and line.asset_id in in_force
    ]
    open_cases = _open_cases(inspection.location_id, [line.asset_id for line in lines])
    opened: list[tuple[LossCase, RegisterLine, CountLine]] = []
    for line in lines:
        count = counts[line.asset_id]
        wrong = shortfalls(line, count)
        for kind, quantity in wrong:
            case = open_cases.get((line.asset_id, kind))
            if case is None:
                opened.append((_open(inspection, line, count, kind, quantity, now), line, count))
            else:
                _sighted(case, inspection, count, now)
        missing = open_cases.get((line.asset_id, "missing"))
        if not wrong and missing is not None:
            _complete_again(missing, inspection)
    case_tasks.raise_tasks(opened, inspection, now)
    return [case for case, _line, _count in opened]


def _settled(inspection_id: int) -> bool:
    """Whether this count was settled already: it left a sighting, or it proposed a case found."""
    sighted = exists().where(LossSighting.inspection_id == inspection_id)
    found = exists().where(LossCase.found_inspection_id == inspection_id)
    return bool(db.session.scalar(select(sighted | found)))


def _assets_in_force(location_id: int) -> set[int]:
    """The items on the room's register as it is now: a line retired meanwhile opens no case."""
    version = current_version(location_id)
    if version is None:
        return set()
    return set(db.session.scalars(select(RegisterLine.asset_id).where(RegisterLine.version_id == version.id)))


def _open_cases(location_id: int, asset_ids: list[int]) -> dict[tuple[int, str], LossCase]:
    if not asset_ids:
        return {}
    rows = db.session.scalars(
        select(LossCase).where(
            LossCase.location_id == location_id, LossCase.asset_id.in_(asset_ids), LossCase.status == "open"
        )
    )
    return {(case.asset_id, case.kind): case for case in rows}


def _open(
    inspection: Inspection, line: RegisterLine, count: CountLine, kind: str, quantity: int, now: datetime
) -> LossCase:
    """A new case, its interval from the last complete count; a complete count already in proposes found."""
    at = inspection.submitted_at
    last = last_complete_before(inspection.location_id, line.asset_id, at)
    later = first_complete_after(inspection.location_id, line.asset_id, at) if kind == "missing" else None
    case = LossCase(
        site_id=inspection.location.site_id,
        location_id=inspection.location_id,
        asset_id=line.asset_id,
        kind=kind,
        expected=line.expected,
        quantity=quantity,
        last_complete_inspection_id=last.id if last else None,
        first_short_inspection_id=inspection.id,
        found_inspection_id=later.id if later else None,
        opened_at=now,
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(_sighting(case, inspection, count))
    return case


def _sighting(case: LossCase, inspection: Inspection, count: CountLine) -> LossSighting:
    return LossSighting(
        case_id=case.id,
        inspection_id=inspection.id,
        counted=count.counted,
        damaged=count.damaged,
        seen_at=inspection.submitted_at,
    )


def _sighted(case: LossCase, inspection: Inspection, count: CountLine, now: datetime) -> None:
    """Still short: a sighting. One made before the first short count (a late phone) moves the start of
    the shortage back, if it is after the last complete count; one made after a proposed found withdraws it."""
    at = inspection.submitted_at
    db.session.add(_sighting(case, inspection, count))
    if at < case.first_short.submitted_at and (case.last_complete is None or at > case.last_complete.submitted_at):
        case.first_short_inspection_id = inspection.id
    if case.found_by is not None and case.found_by.submitted_at < at:
        case.found_inspection_id = None
    case_tasks.seen_again(case, inspection, count, now)


def _complete_again(case: LossCase, inspection: Inspection) -> None:
    """Complete while the item is reported missing: after the last time it was seen short, "found" is
    proposed; before the first short count (a late phone), the interval starts later."""
    at = inspection.submitted_at
    first_short_at = case.first_short.submitted_at
    if at < first_short_at:
        if case.last_complete is None or at > case.last_complete.submitted_at:
            case.last_complete_inspection_id = inspection.id
        return
    last_seen = max((sighting.seen_at for sighting in case.sightings), default=first_short_at)
    if at > last_seen and (case.found_by is None or at < case.found_by.submitted_at):
        case.found_inspection_id = inspection.id
