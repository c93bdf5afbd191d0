"""Which submitted inspections the history list shows: one filter, read from a link and written back into links.

The list, the home page's "inspections today", a location's and a person's recent rounds all build
their links with `to_args()`, and the list reads them back with `from_args()`: a number shown beside
a link is counted with the filter the link opens.

Who sees what: supervisors and administrators see every inspection on their sites; anyone else
(butlers, stewards) sees only their own rounds — `own` is set from the reader, never from a link,
and the person filter is not theirs to use. Anything a link carries that is not a value offered (or
names a site, a location or a person the reader cannot see) is left out, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select

from patrol.access import can, location_among, person_among, site_among, site_ids_for
from patrol.extensions import db
from patrol.models import Checklist, User, user_sites
from patrol.validation import iso_day, whole_number
from patrol.vocabulary import LOCATION_KINDS

KINDS = tuple(LOCATION_KINDS)
# A list whose dates span at most this many days is counted ("12 inspections"); longer ones, or
# the whole history, are not: counting them would read years of rows on every view.
COUNTED_DAYS = 31


def sees_everyones(user: User) -> bool:
    """Supervisors and administrators see everyone's rounds; anyone else sees their own."""
    return can(user, "tasks.supervise")


@dataclass(frozen=True)
class InspectionFilter:
    site_id: int | None = None
    location_id: int | None = None
    kind: str | None = None  # the location's kind (vocab.LOCATION_KINDS)
    person_id: int | None = None  # who did the round
    checklist_id: int | None = None  # any version of this checklist
    day_from: date | None = None  # days in each site's own zone, both included
    day_to: date | None = None
    findings: bool = False  # only rounds with at least one finding
    own: int | None = None  # the reader's id when they may see only their own rounds (not part of the link)

    @property
    def inspector_id(self) -> int | None:
        return self.own if self.own is not None else self.person_id

    @property
    def counted(self) -> bool:
        """Whether the list says how many rows it has (see COUNTED_DAYS)."""
        if self.day_from is None or self.day_to is None:
            return False
        return 0 <= (self.day_to - self.day_from).days < COUNTED_DAYS

    def to_args(self) -> dict[str, str]:
        args = {
            "site": self.site_id,
            "location": self.location_id,
            "kind": self.kind,
            "person": self.person_id if self.own is None else None,
            "checklist": self.checklist_id,
            "from": self.day_from.isoformat() if self.day_from else None,
            "to": self.day_to.isoformat() if self.day_to else None,
            "findings": "1" if self.findings else None,
        }
        return {name: str(value) for name, value in args.items() if value is not None}

    def but(self, **changes) -> InspectionFilter:
        return replace(self, **changes)

    def cleared(self) -> InspectionFilter:
        return InspectionFilter(own=self.own)

    @classmethod
    def for_reader(cls, user: User, **fields) -> InspectionFilter:
        """A filter built in code (a page's short list), limited to what this reader may see."""
        if sees_everyones(user):
            return cls(**fields)
        return cls(**{**fields, "person_id": None}, own=user.id)

    @classmethod
    def from_args(cls, args: Mapping, user: User) -> InspectionFilter:
        """The filter a link asks for, as far as this reader may ask it."""
        site_ids = site_ids_for(user)
        location = location_among(args.get("location"), site_ids)
        return cls.for_reader(
            user,
            site_id=location.site_id if location else site_among(args.get("site"), site_ids),
            location_id=location.id if location else None,
            kind=args.get("kind") if args.get("kind") in KINDS else None,
            person_id=_person(args.get("person"), site_ids, user),
            checklist_id=_checklist(args.get("checklist")),
            day_from=iso_day(args.get("from")),
            day_to=iso_day(args.get("to")),
            findings=args.get("findings") == "1",
        )


def _person(raw, site_ids: set[int], reader: User) -> int | None:
    """The reader, or someone given one of their sites."""
    if whole_number(raw) == reader.id:
        return reader.id
    return person_among(raw, site_ids)


def _checklist(raw) -> int | None:
    checklist_id = whole_number(raw)
    return db.session.scalar(select(Checklist.id).where(Checklist.id == checklist_id)) if checklist_id else None


def inspectors_on(site_ids: set[int], limit: int = 500) -> list[User]:
    """The people of these sites by name, deactivated ones too: whom the person filter offers."""
    if not site_ids:
        return []
    on_sites = select(user_sites.c.user_id).where(user_sites.c.site_id.in_(site_ids))
    query = select(User).where(User.id.in_(on_sites)).order_by(User.display_name, User.id).limit(limit)
    return list(db.session.scalars(query))


def checklist_choices(limit: int = 500) -> list[Checklist]:
    """Every checklist by name: whom the checklist filter offers (past rounds may be on one no longer assigned)."""
    return list(db.session.scalars(select(Checklist).order_by(Checklist.name, Checklist.id).limit(limit)))
