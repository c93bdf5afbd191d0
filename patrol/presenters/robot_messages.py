"""What the group robots post: markdown in the SITE's language (the group reads it, whoever caused it).

What, where, severity, due and a link to the task. Text people typed — titles, places, names, notes —
can hold characters that WeCom's and DingTalk's markdown would read as markup; neither documents an
escape that both render, so those characters are swapped for their full-width look-alikes
(＊ ＿ ［ ］ …), which read the same to a Chinese reader and start no markup. Line breaks are folded
into spaces so that typed text can never start a heading, a list or a quote.

patrol.alerts.messages queues these; create_app hands it this module (wording is presentation).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale, gettext

from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import ExpectedVisit, Robot, Task, TaskEvent, User
from patrol.presenters import site_language
from patrol.presenters.rounds import visit_responsible
from patrol.presenters.tasks import task_title
from patrol.presenters.times import localtime
from patrol.vocabulary import SEVERITIES

MARKUP = str.maketrans(
    {
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "[": "［",
        "]": "］",
        "#": "＃",
        "<": "＜",
        ">": "＞",
        "|": "｜",
        "~": "～",
        "\\": "＼",
        "!": "！",
        "&": "＆",
        "@": "＠",  # no typed text can mention (and ping) a whole group
    }
)
MAX_NOTE = 120

# The first line of each kind of message; a new task says whether a round found it or someone reported it.
HEADLINES = {
    ("new", "finding"): _l("New finding"),
    ("new", "report"): _l("New problem reported"),
    ("new", "loss"): _l("Model room item missing or damaged"),
    ("feedback", "finding"): _l("No first response yet"),
    ("feedback", "report"): _l("No first response yet"),
    ("overdue", "finding"): _l("Task overdue"),
    ("overdue", "report"): _l("Task overdue"),
}
# An action on a task the group hears of (its row's audience in tasks.actions), and the words of its two fields.
EVENT_HEADLINES = {
    "recheck_failed": _l("Re-check failed: to be fixed again"),
    "closed": _l("Task closed"),
    "cancelled": _l("Task cancelled"),
}
EVENT_FIELDS = {
    "recheck_failed": (_l("Re-checked by"), _l("Still wrong")),
    "closed": (_l("Re-checked by"), _l("Note")),
    "cancelled": (_l("Cancelled by"), _l("Reason")),
}


@dataclass(frozen=True)
class Message:
    title: str  # DingTalk shows it in the chat list; kept short
    text: str


def md(value) -> str:
    """Typed text made safe to put in a robot's markdown: on one line, starting no markup."""
    return " ".join(str(value or "").split()).translate(MARKUP)


def _line_break(provider: str) -> str:
    # DingTalk's markdown joins single line breaks into one paragraph; WeCom keeps them.
    return "\n\n" if provider == "dingtalk" else "\n"


def task_link(task: Task) -> str:
    """The task's page at the public address ('' when none is configured)."""
    base = current_app.config.get("PATROL_BASE_URL") or ""
    if not base:
        return ""
    path = current_app.url_map.bind("localhost").build("task_page.task_view", {"task_id": task.id})
    return base + path


def _field(label, value) -> str:
    return gettext("%(field)s: %(value)s", field=str(label), value=value)


def _opening(task: Task, headline: str) -> tuple[str, list[str]]:
    """The task's title, and the lines every message about it starts with. Inside force_locale."""
    title = md(task_title(task))[:150]
    lines = [
        f"### {headline}",
        f"**{title}**",
        _field(gettext("Where"), md(" · ".join(part for part in (task.site.name, task.where) if part))),
        _field(gettext("Severity"), str(SEVERITIES.get(task.severity, task.severity))),
    ]
    return title, lines


def _note(label: str, text: str) -> str:
    note = md(text)
    return _field(label, note[:MAX_NOTE] + ("…" if len(note) > MAX_NOTE else ""))


def _assignee(task: Task) -> str:
    # By its id: the relationship may still hold whom it was loaded with, before an assignment in this request.
    assignee = db.session.get(User, task.assignee_id) if task.assignee_id else None
    name = md(assignee.display_name) if assignee is not None else gettext("Not assigned yet")
    return _field(gettext("Assignee"), name)


def _message(task: Task, headline: str, title: str, lines: list[str], provider: str) -> Message:
    """The lines, the link to the task, and the title DingTalk lists. Inside force_locale."""
    link = task_link(task)
    if link:
        label = gettext("Open the task")
        lines.append(f"[{label}]({link})")
    subject = gettext("%(what)s: %(title)s", what=headline, title=title)
    return Message(title=subject[:200], text=_line_break(provider).join(lines))


def task_message(task: Task, kind: str, provider: str) -> Message:
    """The message about `task` for alert `kind` (new | feedback | overdue), in its site's language."""
    with force_locale(site_language(task.site)):
        headline = str(HEADLINES.get((kind, task.source)) or HEADLINES[(kind, "finding")])
        title, lines = _opening(task, headline)
        lines.append(_field(gettext("Due"), localtime(task.due_at, task.site)))
        if kind == "new":
            lines.append(_field(gettext("Raised by"), md(task.raised_by.display_name)))
            if task.detail.strip():
                lines.append(_note(gettext("Note"), task.detail))
        elif kind == "feedback":
            lines.append(_field(gettext("Raised at"), localtime(task.created_at, task.site)))
        else:
            lines.append(_assignee(task))
        return _message(task, headline, title, lines, provider)


def event_message(task: Task, event: TaskEvent, kind: str, provider: str) -> Message:
    """The message about an action on `task` (EVENT_HEADLINES' kinds), in its site's language."""
    with force_locale(site_language(task.site)):
        headline = str(EVENT_HEADLINES[kind])
        title, lines = _opening(task, headline)
        actor_label, note_label = EVENT_FIELDS[kind]
        lines.append(_field(actor_label, md(event.actor.display_name)))
        if event.note.strip():
            lines.append(_note(str(note_label), event.note))
        if kind == "recheck_failed":
            lines.append(_field(gettext("Due"), localtime(task.due_at, task.site)))
            lines.append(_assignee(task))
        return _message(task, headline, title, lines, provider)


# A round's alerts (patrol.rounds.missed): the first line of each kind.
VISIT_HEADLINES = {"missed": _l("Round missed")}


def location_link(location_id: int) -> str:
    """The location's page at the public address ('' when none is configured)."""
    base = current_app.config.get("PATROL_BASE_URL") or ""
    if not base:
        return ""
    return base + current_app.url_map.bind("localhost").build("locations.location_view", {"location_id": location_id})


def visit_message(visit: ExpectedVisit, kind: str, provider: str) -> Message:
    """The message about a round (VISIT_HEADLINES' kinds): which, where, when it was due, whose it was."""
    site = visit.site
    with force_locale(site_language(site)):
        headline = str(VISIT_HEADLINES[kind])
        title = md(visit.schedule.name)[:150]
        where = " · ".join(part for part in (site.name, visit.location.name, visit.location.place) if part)
        lines = [
            f"### {headline}",
            f"**{title}**",
            _field(gettext("Where"), md(where)),
            _field(gettext("Due"), localtime(visit.due_at, site)),
            _field(gettext("Late until"), localtime(visit.grace_end, site, "time")),
            _field(gettext("Responsible"), md(visit_responsible(visit))),
        ]
        link = location_link(visit.location_id)
        if link:
            label = gettext("Open the location")
            lines.append(f"[{label}]({link})")
        named = f"{title} · {md(visit.location.name)}"
        subject = gettext("%(what)s: %(title)s", what=headline, title=named)
    return Message(title=subject[:200], text=_line_break(provider).join(lines))


def hello_message(robot: Robot) -> Message:
    with force_locale(site_language(robot.site)):
        title = gettext("Test message from Patrol")
        lines = [
            f"### {title}",
            gettext(
                "This group will receive the alerts of %(site)s: new findings, first responses, overdue tasks, "
                "failed re-checks, closed and cancelled tasks, and missed rounds.",
                site=md(robot.site.name),
            ),
        ]
    return Message(title=title, text=_line_break(robot.provider).join(lines))
