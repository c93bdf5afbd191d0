"""The numbers on a person's home page, each with the link to the list it counts.

A counter is a TaskFilter: its number is counted with that filter on the sites the person sees
(task_rules.visible_site_ids, as every task list), and its link is that same filter as the board's
arguments. So a counter's number is the number of rows its link opens — for every role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from patrol.access import can, site_ids_for
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.modelrooms.handover import next_kind, waiting_for
from patrol.models import Handover, HandoverRequest, Location, User
from patrol.presenters.my_rounds import VisitRow, hours_of, state_of, visit_row
from patrol.presenters.rooms import holder, last_handovers, open_cases_by_room, waiting_by_room
from patrol.rounds.due import MyRounds
from patrol.tasks.board import count_tasks
from patrol.tasks.filters import TaskFilter, mine
from patrol.tasks.rules import visible_site_ids
from patrol.vocabulary import TASK_FILTERS, TASK_STATUSES


@dataclass(frozen=True)
class Counter:
    key: str
    label: str
    wanted: TaskFilter
    count: int
    alarm: bool  # a number above zero here needs someone's attention now

    @property
    def url(self) -> str:
        return url_for("tasks.task_list", **self.wanted.to_args())


def counter_filters(user: User) -> list[tuple[str, str, TaskFilter, bool]]:
    """What this person's home counts: their own work; a supervisor first the state of everyone's."""
    shown = []
    if can(user, "tasks.supervise"):
        shown += [
            ("overdue", TASK_FILTERS["overdue"], TaskFilter("overdue", me=user.id), True),
            ("feedback_overdue", _l("Feedback overdue"), TaskFilter("feedback_overdue", me=user.id), True),
            ("fixed", TASK_STATUSES["fixed"], TaskFilter("fixed", me=user.id), False),
            ("open", _l("All open"), TaskFilter("open", me=user.id), False),
        ]
    return shown + [
        ("mine", _l("My tasks"), mine(user), False),
        ("mine_overdue", _l("My overdue"), mine(user, "overdue"), True),
    ]


def home_counters(user: User) -> list[Counter]:
    site_ids = visible_site_ids(user)
    return [
        Counter(key, label, wanted, count_tasks(site_ids, wanted), alarm)
        for key, label, wanted, alarm in counter_filters(user)
    ]


# Model rooms on the homes: a steward's room first, night security's rooms and what waits for them. ----------

ROOMS_LIMIT = 12


@dataclass(frozen=True)
class RoomCard:
    """A model room on a steward's home: its next count due, its open cases and the handover to do."""

    room: Location
    url: str
    due: VisitRow | None  # the room's count due now, else its next one (from the person's rounds)
    due_hours: str
    open_cases: int
    holder: str
    todo: str


def rooms_on(site_ids: set[int], limit: int = ROOMS_LIMIT) -> list[Location]:
    """The model rooms in use on these sites, by name."""
    if not site_ids:
        return []
    query = (
        select(Location)
        .where(Location.site_id.in_(site_ids), Location.kind == "model_room", Location.active.is_(True))
        .options(joinedload(Location.site))
        .order_by(Location.name, Location.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def _room_count_due(room: Location, rounds: MyRounds, now: datetime) -> tuple[VisitRow | None, str]:
    """The room's count to do now (not yet done), else its next one: the row that opens it, and its hours."""
    for round_, upcoming in [*((r, False) for r in rounds.now), *((r, True) for r in rounds.next)]:
        for visit in round_.visits:
            state = state_of(visit, now, upcoming=upcoming)
            if visit.location_id == room.id and state in ("todo", "overdue", "next"):
                return visit_row(visit, state), f"{round_.schedule.name} {hours_of(visit, round_.window_end)}"
    return None, ""


def _todo(last: Handover | None, waiting: HandoverRequest | None) -> str:
    if waiting is not None:
        return gettext("Waiting for %(name)s to confirm the handover.", name=waiting.guard.display_name)
    if next_kind(last) == "to_day":
        return gettext("Opening: take the room over from night security.")
    return gettext("Closing: after the closing count, hand the room over to night security.")


def room_cards(user: User, rounds: MyRounds, now: datetime) -> list[RoomCard]:
    """A steward's model rooms, for the top of their home (a fixed number of queries)."""
    if not can(user, "handover.give") or can(user, "tasks.supervise"):
        return []
    rooms = rooms_on(site_ids_for(user))
    ids = [room.id for room in rooms]
    cases, handovers, waiting = open_cases_by_room(ids), last_handovers(ids), waiting_by_room(ids)
    cards = []
    for room in rooms:
        due, hours = _room_count_due(room, rounds, now)
        last = handovers.get(room.id)
        cards.append(
            RoomCard(
                room,
                url_for("rooms.room_page", location_id=room.id),
                due,
                hours,
                cases.get(room.id, 0),
                holder(last, room),
                _todo(last, waiting.get(room.id)),
            )
        )
    return cards


@dataclass(frozen=True)
class GuardRoom:
    room: Location
    url: str  # the room's day summary
    holder: str
    open_cases: int


@dataclass(frozen=True)
class GuardHome:
    waiting: list[HandoverRequest]
    rooms: list[GuardRoom]


def guard_home(user: User) -> GuardHome:
    """Night security's home: the handovers waiting for them to confirm, and the model rooms of their sites."""
    rooms = rooms_on(site_ids_for(user))
    ids = [room.id for room in rooms]
    cases, handovers = open_cases_by_room(ids), last_handovers(ids)
    listed = [
        GuardRoom(
            room,
            url_for("rooms.room_day", location_id=room.id),
            holder(handovers.get(room.id), room),
            cases.get(room.id, 0),
        )
        for room in rooms
    ]
    return GuardHome(waiting_for(user), listed)
