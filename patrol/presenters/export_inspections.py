"""Exporting past rounds (the /inspections filter): one row per inspection, its answers, and its
proof-of-presence flags — three sheets of an .xlsx, or three .csv kinds ("inspections",
"inspection_answers", "presence_flags"). Rows come in the list's order, newest first, a chunk of
inspections at a time; the answers and flags of a chunk are one query each."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from patrol.access import site_ids_for
from patrol.exports.kinds import Table, in_chunks
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.inspections.filters import InspectionFilter
from patrol.inspections.history import finding_counts
from patrol.inspections.listing import NEWEST_FIRST, inspection_query
from patrol.models import Answer, ChecklistVersion, Inspection, Location, PresenceFlag, User
from patrol.presenters.exports import local, named, stem, yes_no
from patrol.presenters.presence import explanation, title
from patrol.vocabulary import LOCATION_KINDS, PASSFAIL_VALUES, SEVERITIES


def _inspection_header() -> list[str]:
    return [
        gettext("No."),
        gettext("Site"),
        gettext("Location"),
        gettext("Kind of location"),
        gettext("Checklist"),
        gettext("Version"),
        gettext("Done by"),
        gettext("Scanned at"),
        gettext("Completed at"),
        gettext("Minutes"),
        gettext("Findings"),
        gettext("Flags not cleared"),
    ]


def _inspection_row(inspection: Inspection, findings: int, flags: list[PresenceFlag]) -> list:
    site = inspection.location.site
    version = inspection.checklist_version
    minutes = round(inspection.duration_seconds / 60, 1) if inspection.duration_seconds is not None else None
    return [
        inspection.id,
        site.name,
        inspection.location.name,
        str(LOCATION_KINDS.get(inspection.location.kind, "")),
        version.name,
        version.number,
        named(inspection.inspector),
        local(inspection.scanned_at, site),
        local(inspection.submitted_at, site),
        minutes,
        findings,
        "、".join(title(flag) for flag in flags if not flag.cleared),
    ]


def _answer_header() -> list[str]:
    return [
        gettext("Inspection no."),
        gettext("Location"),
        gettext("Completed at"),
        gettext("Item"),
        gettext("Answer"),
        gettext("Finding"),
        gettext("Severity"),
        gettext("Note"),
        gettext("Photos"),
    ]


def answer_value(answer: Answer) -> str | float | None:
    """What was answered, as the inspection page shows it: pass/fail in words, numbers as numbers."""
    item = answer.item
    if item.item_type == "passfail":
        return str(PASSFAIL_VALUES.get(answer.value_text, answer.value_text or ""))
    if item.item_type in ("count", "rating", "number"):
        return answer.value_number
    return answer.value_text or ""


def _answer_row(inspection: Inspection, answer: Answer) -> list:
    site = inspection.location.site
    return [
        inspection.id,
        inspection.location.name,
        local(inspection.submitted_at, site),
        answer.item.prompt,
        answer_value(answer),
        yes_no(answer.is_finding),
        str(SEVERITIES.get(answer.severity, "")) if answer.severity else "",
        answer.note,
        len(answer.photos),
    ]


def _flag_header() -> list[str]:
    return [
        gettext("Inspection no."),
        gettext("Location"),
        gettext("Done by"),
        gettext("Flag"),
        gettext("Why"),
        gettext("Raised at"),
        gettext("Cleared by"),
        gettext("Cleared at"),
        gettext("Comment"),
    ]


def _flag_row(inspection: Inspection, flag: PresenceFlag) -> list:
    site = inspection.location.site
    return [
        inspection.id,
        inspection.location.name,
        named(inspection.inspector),
        title(flag),
        explanation(flag),
        local(flag.raised_at, site),
        named(flag.cleared_by),
        local(flag.cleared_at, site),
        flag.clear_comment or "",
    ]


def _inspections(params: dict, user: User) -> Iterator[list[Inspection]]:
    """The filter's inspections in the list's order, a chunk at a time, with what their rows show."""
    wanted = InspectionFilter.from_args(params, user)
    query = inspection_query(site_ids_for(user), wanted).options(
        joinedload(Inspection.location).joinedload(Location.site),
        joinedload(Inspection.inspector),
        joinedload(Inspection.checklist_version).load_only(ChecklistVersion.name, ChecklistVersion.number),
    )
    return in_chunks(query, NEWEST_FIRST)


def _flags_of(chunk: list[Inspection]) -> dict[int, list[PresenceFlag]]:
    flags = db.session.scalars(
        select(PresenceFlag)
        .where(PresenceFlag.inspection_id.in_([inspection.id for inspection in chunk]))
        .options(joinedload(PresenceFlag.cleared_by))
        .order_by(PresenceFlag.inspection_id, PresenceFlag.id)
    ).all()
    found: dict[int, list[PresenceFlag]] = {}
    for flag in flags:
        found.setdefault(flag.inspection_id, []).append(flag)
    return found


def _finding_counts(chunk: list[Inspection]) -> dict[int, int]:
    return finding_counts([inspection.id for inspection in chunk])


def inspection_rows(params: dict, user: User) -> Iterator[list]:
    for chunk in _inspections(params, user):
        findings, flags = _finding_counts(chunk), _flags_of(chunk)
        for inspection in chunk:
            yield _inspection_row(inspection, findings.get(inspection.id, 0), flags.get(inspection.id, []))


def answer_rows(params: dict, user: User) -> Iterator[list]:
    """Each inspection's answers in the checklist's order: one query per chunk of inspections."""
    for chunk in _inspections(params, user):
        answers = db.session.scalars(
            select(Answer)
            .where(Answer.inspection_id.in_([inspection.id for inspection in chunk]))
            .options(joinedload(Answer.item), joinedload(Answer.photos))
            .order_by(Answer.inspection_id, Answer.id)
        ).unique()
        by_inspection: dict[int, list[Answer]] = {}
        for answer in answers:
            by_inspection.setdefault(answer.inspection_id, []).append(answer)
        for inspection in chunk:
            for answer in sorted(by_inspection.get(inspection.id, []), key=lambda a: a.item.position):
                yield _answer_row(inspection, answer)
        for listed in by_inspection.values():
            for answer in listed:
                db.session.expunge(answer)


def flag_rows(params: dict, user: User) -> Iterator[list]:
    for chunk in _inspections(params, user):
        flags = _flags_of(chunk)
        for inspection in chunk:
            for flag in flags.get(inspection.id, []):
                yield _flag_row(inspection, flag)


@dataclass(frozen=True)
class InspectionExport:
    """Past rounds as filtered: inspections (and, in an .xlsx, their answers and flags on more sheets)."""

    label = _l("Past rounds")
    permission = "inspect"  # a butler exports their own rounds: the filter keeps them to those
    formats = ("xlsx", "csv")

    def read_params(self, args: Mapping, user: User) -> dict:
        return InspectionFilter.from_args(args, user).to_args()

    def file_stem(self, params: dict, user: User, now: datetime) -> str:
        return stem(gettext("Past rounds"), now)

    def tables(self, params: dict, user: User, now: datetime, fmt: str) -> Iterator[Table]:
        yield Table(gettext("Inspection records"), _inspection_header(), inspection_rows(params, user))
        if fmt == "xlsx":
            yield Table(gettext("Answers"), _answer_header(), answer_rows(params, user))
            yield Table(gettext("Flags"), _flag_header(), flag_rows(params, user))


@dataclass(frozen=True)
class AnswerExport(InspectionExport):
    """The answers of the filtered rounds alone: the .csv beside the inspections' .csv."""

    label = _l("Answers of past rounds")
    formats = ("csv",)

    def file_stem(self, params: dict, user: User, now: datetime) -> str:
        return stem(gettext("Answers of past rounds"), now)

    def tables(self, params: dict, user: User, now: datetime, fmt: str) -> Iterator[Table]:
        yield Table(gettext("Answers"), _answer_header(), answer_rows(params, user))


@dataclass(frozen=True)
class FlagExport(InspectionExport):
    """The proof-of-presence flags of the filtered rounds, cleared or not: a .csv of their own."""

    label = _l("Flags of past rounds")
    formats = ("csv",)

    def file_stem(self, params: dict, user: User, now: datetime) -> str:
        return stem(gettext("Flags of past rounds"), now)

    def tables(self, params: dict, user: User, now: datetime, fmt: str) -> Iterator[Table]:
        yield Table(gettext("Flags"), _flag_header(), flag_rows(params, user))


INSPECTIONS = InspectionExport()
ANSWERS = AnswerExport()
FLAGS = FlagExport()
