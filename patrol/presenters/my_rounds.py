"""A person's rounds as their home page reads them: each round's name and local hours, how far it
has got, and each checkpoint's state in words (待巡, 已完成, 迟到, 漏检) with the link that scans it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import gettext, ngettext

from patrol.i18n import lazy_pgettext
from patrol.models import ExpectedVisit
from patrol.presenters.times import localtime
from patrol.rounds.due import MyRounds, Round, walking_order

DONE = ("on_time", "late", "made_up")
# A checkpoint's state on the home page, in words a patroller uses (context "round state": the same
# English word reads differently elsewhere), and its style. Pending splits by the clock.
STATES = {
    "todo": (lazy_pgettext("round state", "To do"), "todo"),
    "overdue": (lazy_pgettext("round state", "Late, do it now"), "late"),
    "on_time": (lazy_pgettext("round state", "Done"), "done"),
    "late": (lazy_pgettext("round state", "Done late"), "done"),
    "made_up": (lazy_pgettext("round state", "Made up"), "done"),
    "missed": (lazy_pgettext("round state", "Missed"), "missed"),
    "excused": (lazy_pgettext("round state", "Excused"), "muted"),
    "next": (lazy_pgettext("round state", "Not yet due"), "muted"),
}


@dataclass(frozen=True)
class VisitRow:
    name: str
    state: str
    style: str
    url: str


@dataclass(frozen=True)
class RoundView:
    title: str
    hours: str  # "10:00–11:00" on the site's clock: when it is on time
    progress: str  # "3 of 10 done"
    size: str  # "10 checkpoints"
    rows: list[VisitRow]


@dataclass(frozen=True)
class MissedRound:
    """A round missed today, in one line: which, when, how many checkpoints and which."""

    title: str
    hours: str
    count: str
    places: str


@dataclass(frozen=True)
class MyRoundsView:
    now: list[RoundView]
    next: list[RoundView]
    missed: list[MissedRound]
    cut: bool


def state_of(visit: ExpectedVisit, now: datetime, *, upcoming: bool = False) -> str:
    if upcoming:
        return "next"
    if visit.status == "pending":
        return "overdue" if now >= visit.window_end else "todo"
    return visit.status


def visit_row(visit: ExpectedVisit, state: str) -> VisitRow:
    """A checkpoint of a round, linking to its scan page with the round's checklist chosen."""
    words, style = STATES[state]
    url = url_for("scan.scan", token=visit.location.qr_token, checklist=visit.checklist_id)
    return VisitRow(visit.location.name, str(words), style, url)


def hours_of(visit: ExpectedVisit, end: datetime) -> str:
    """ "10:00–11:00": from due to the end of its on-time window, on the site's clock."""
    return f"{localtime(visit.due_at, visit.site, 'time')}–{localtime(end, visit.site, 'time')}"


def round_view(round_: Round, now: datetime, *, upcoming: bool = False) -> RoundView:
    first = round_.visits[0]
    done = sum(visit.status in DONE for visit in round_.visits)
    return RoundView(
        title=round_.schedule.name,
        hours=hours_of(first, round_.window_end),
        progress=gettext("%(done)d of %(num)d done", done=done, num=len(round_.visits)),
        size=ngettext("%(num)d checkpoint", "%(num)d checkpoints", len(round_.visits)),
        rows=[visit_row(visit, state_of(visit, now, upcoming=upcoming)) for visit in round_.visits],
    )


def my_rounds_view(rounds: MyRounds, now: datetime) -> MyRoundsView:
    return MyRoundsView(
        now=[round_view(round_, now) for round_ in rounds.now],
        next=[round_view(round_, now, upcoming=True) for round_ in rounds.next],
        missed=missed_rounds(rounds.missed),
        cut=rounds.cut,
    )


def missed_rounds(visits: list[ExpectedVisit]) -> list[MissedRound]:
    """Today's missed visits, one line per round (latest first), its checkpoints in walking order."""
    grouped: dict[tuple, list[ExpectedVisit]] = {}
    for visit in visits:
        grouped.setdefault((visit.schedule_id, visit.due_at), []).append(visit)
    return [
        MissedRound(
            title=rows[0].schedule.name,
            hours=hours_of(rows[0], rows[0].window_end),
            count=ngettext("%(num)d checkpoint missed", "%(num)d checkpoints missed", len(rows)),
            places=" · ".join(visit.location.name for visit in sorted(rows, key=walking_order)),
        )
        for rows in grouped.values()
    ]
