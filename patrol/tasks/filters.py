"""Which tasks a list shows: one filter, read from a link's arguments and written back into links.

The board, the home counters and the pager build their links with `to_args()` and the board reads
them back with `from_args()`: a counter's number and the list its link opens answer the same question.
Anything a link carries that is not a value the board offers (or names a site, a location or a person
the reader cannot see) is left out, never an error: the list shows without that filter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from patrol.access import PERMISSIONS, location_among, person_among, site_among
from patrol.extensions import db
from patrol.models import Site, User, user_sites
from patrol.tasks.rules import visible_site_ids
from patrol.validation import iso_day, whole_number
from patrol.vocabulary import LOCATION_KINDS, SEVERITIES

# "open" is every open state; the single statuses are named as the board offers them ("to_assign"
# is the status open: 待分派). "feedback_overdue": nobody has acknowledged or assigned it in time.
STATES = (
    "open",
    "overdue",
    "feedback_overdue",
    "to_assign",
    "assigned",
    "in_progress",
    "fixed",
    "closed",
    "cancelled",
    "all",
)
SINGLE_STATUS = {
    "to_assign": "open",
    "assigned": "assigned",
    "in_progress": "in_progress",
    "fixed": "fixed",
    "closed": "closed",
    "cancelled": "cancelled",
}
ENDED_STATES = ("closed", "cancelled")
# Soonest due first; newest or oldest raised first; latest ended first. Ended tasks have no due time
# to chase, open ones no closing time to page by: each state offers three, its default first.
SORTS = ("due", "newest", "oldest", "closed")
OPEN_SORTS = ("due", "newest", "oldest")
ENDED_SORTS = ("closed", "newest", "oldest")
KINDS = tuple(LOCATION_KINDS)
SEVERITY_CODES = tuple(SEVERITIES)


@dataclass(frozen=True)
class TaskFilter:
    state: str = "open"
    site_id: int | None = None
    location_id: int | None = None
    kind: str | None = None  # the location's kind (vocab.LOCATION_KINDS)
    assignee: str | None = None  # "me" | "none" (not assigned) | a person's id, as the link says it
    severity: str | None = None
    raised_from: date | None = None  # days in `zone`, both included
    raised_to: date | None = None
    sort: str | None = None  # None: the state's own order (see `order`)
    me: int | None = None  # who "me" is: the reader, not part of the link
    zone: str | None = None  # the zone the raised dates are days in (None: the app's)

    @property
    def order(self) -> str:
        return self.sort if self.sort in sorts_for(self.state) else sorts_for(self.state)[0]

    @property
    def assignee_id(self) -> int | None:
        if self.assignee == "me":
            return self.me
        return whole_number(self.assignee) if self.assignee else None

    def to_args(self) -> dict[str, str]:
        """The link's query arguments, as a link carries them: only what differs from "everything open, soonest due"."""
        args = {
            "state": self.state if self.state != "open" else None,
            "site": self.site_id,
            "location": self.location_id,
            "kind": self.kind,
            "assignee": self.assignee,
            "severity": self.severity,
            "from": self.raised_from.isoformat() if self.raised_from else None,
            "to": self.raised_to.isoformat() if self.raised_to else None,
            "sort": self.sort,
        }
        return {name: str(value) for name, value in args.items() if value is not None}

    def but(self, **changes) -> TaskFilter:
        """The same filter with these fields changed (a link that changes one thing keeps the rest)."""
        return replace(self, **changes)

    def cleared(self) -> TaskFilter:
        """The same state and order, without the narrowing filters."""
        return TaskFilter(state=self.state, sort=self.sort, me=self.me)

    @classmethod
    def from_args(cls, args: Mapping, user: User) -> TaskFilter:
        """The filter a link asks for, as far as this reader may ask it."""
        site_ids = visible_site_ids(user)
        state = _one_of(args.get("state"), STATES) or "open"
        location = location_among(args.get("location"), site_ids)
        site_id = location.site_id if location else site_among(args.get("site"), site_ids)
        sort = _one_of(args.get("sort"), SORTS)
        return cls(
            state=state,
            site_id=site_id,
            location_id=location.id if location else None,
            kind=_one_of(args.get("kind"), KINDS),
            assignee=_assignee(args.get("assignee"), site_ids),
            severity=_one_of(args.get("severity"), SEVERITY_CODES),
            raised_from=iso_day(args.get("from")),
            raised_to=iso_day(args.get("to")),
            sort=sort if sort in sorts_for(state)[1:] else None,  # the state's own order goes unsaid
            me=user.id,
            zone=db.session.get(Site, site_id).timezone if site_id else None,
        )

    def raised_between(self) -> tuple[datetime | None, datetime | None]:
        """The raised dates as UTC bounds: from the start of the first day to the end of the last."""
        zone = ZoneInfo(self.zone or current_app.config["PATROL_TIMEZONE"])

        def start_of(day: date) -> datetime:
            return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)

        after = start_of(self.raised_from) if self.raised_from else None
        before = start_of(self.raised_to + timedelta(days=1)) if self.raised_to else None
        return after, before


def sorts_for(state: str) -> tuple[str, ...]:
    return ENDED_SORTS if state in ENDED_STATES else OPEN_SORTS


def mine(user: User, state: str = "open") -> TaskFilter:
    """The tasks assigned to this person."""
    return TaskFilter(state=state, assignee="me", me=user.id)


def _one_of(raw, allowed: tuple[str, ...]) -> str | None:
    return raw if isinstance(raw, str) and raw in allowed else None


def _assignee(raw, site_ids: set[int]) -> str | None:
    """ "me", "none", or the id of someone on one of the reader's sites."""
    if raw in ("me", "none"):
        return raw
    person_id = person_among(raw, site_ids)
    return str(person_id) if person_id is not None else None


def people_on(site_ids: set[int], limit: int = 500) -> list[User]:
    """The active people of these sites by name: whom the board's assignee filter offers."""
    if not site_ids:
        return []
    on_sites = select(user_sites.c.user_id).where(user_sites.c.site_id.in_(site_ids))
    return list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(on_sites), User.active.is_(True), User.role.in_(PERMISSIONS["inspect"]))
            .order_by(User.display_name, User.id)
            .limit(limit)
        )
    )
