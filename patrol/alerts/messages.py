"""What the group robots post, and queuing it: one delivery row per robot and alert, in the alert's transaction.

A message is markdown in the SITE's language (the group reads it, whoever caused it): what, where,
severity, due and a link to the task. Text people typed — titles, places, names, notes — can hold
characters that WeCom's and DingTalk's markdown would read as markup; neither documents an escape
that both render, so those characters are swapped for their full-width look-alikes (＊ ＿ ［ ］ …),
which read the same to a Chinese reader and start no markup. Line breaks are folded into spaces so
that typed text can never start a heading, a list or a quote.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select, tuple_
from sqlalchemy.orm import selectinload

from patrol.alerts.jobs import enqueue_after_commit
from patrol.database import insert_ignoring_duplicates, utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Answer, Delivery, Robot, Task, TaskEvent, User
from patrol.presenters import site_language
from patrol.presenters.tasks import task_title
from patrol.templating import localtime
from patrol.vocabulary import SEVERITIES

SEND_JOB = "patrol.alerts.sending:deliver_due"
SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}
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
    ("feedback", "finding"): _l("No first response yet"),
    ("feedback", "report"): _l("No first response yet"),
    ("overdue", "finding"): _l("Task overdue"),
    ("overdue", "report"): _l("Task overdue"),
}
# An action on a task the group hears of (alerts.ROBOT_EVENTS), and the words of its two fields.
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
    path = current_app.url_map.bind("localhost").build("tasks.task_view", {"task_id": task.id})
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
        headline = str(HEADLINES[(kind, task.source if task.source == "report" else "finding")])
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


def hello_message(robot: Robot) -> Message:
    with force_locale(site_language(robot.site)):
        title = gettext("Test message from Patrol")
        lines = [
            f"### {title}",
            gettext(
                "This group will receive the alerts of %(site)s: new findings, first responses, overdue tasks, "
                "failed re-checks, and closed and cancelled tasks.",
                site=md(robot.site.name),
            ),
        ]
    return Message(title=title, text=_line_break(robot.provider).join(lines))


def robots_by_site(site_ids: set[int]) -> dict[int, list[Robot]]:
    found: dict[int, list[Robot]] = {}
    if site_ids:
        for robot in db.session.scalars(
            select(Robot).where(Robot.site_id.in_(site_ids), Robot.active.is_(True)).order_by(Robot.id)
        ):
            found.setdefault(robot.site_id, []).append(robot)
    return found


def _load_for_messages(tasks: list[Task]) -> None:
    """What a message reads of each task, in a few queries whatever their number."""
    db.session.scalars(
        select(Task)
        .where(Task.id.in_([task.id for task in tasks]))
        .options(
            selectinload(Task.site),
            selectinload(Task.location),
            selectinload(Task.raised_by),
            selectinload(Task.assignee),
            selectinload(Task.answer).selectinload(Answer.item),
        )
    ).all()


def _reaches(robot: Robot, task: Task) -> bool:
    """Whether the task's severity reaches the robot's level."""
    return SEVERITY_RANK.get(task.severity, 0) >= SEVERITY_RANK.get(robot.min_severity, 2)


def queue_task_messages(tasks: list[Task], kind: str) -> int:
    """Queue `kind` messages about these tasks to their sites' robots (once per robot and task); how many."""
    robots = robots_by_site({task.site_id for task in tasks})
    wanted = [
        (robot, task, f"{kind}:{task.id}")
        for task in tasks
        for robot in robots.get(task.site_id, [])
        if kind != "new" or _reaches(robot, task)
    ]
    return _queue(wanted, lambda task, provider: task_message(task, kind, provider))


def queue_event_messages(task: Task, event: TaskEvent, kind: str) -> int:
    """Queue the message about this action to the task's site's robots at its level (once per robot and action)."""
    robots = robots_by_site({task.site_id}).get(task.site_id, [])
    wanted = [(robot, task, f"{kind}:{event.id}") for robot in robots if _reaches(robot, task)]
    return _queue(wanted, lambda task, provider: event_message(task, event, kind, provider))


def _queue(wanted: list[tuple[Robot, Task, str]], message) -> int:
    """Queue `message(task, provider)` for each (robot, task, key) not queued before; how many."""
    if not wanted:
        return 0
    have = set(
        db.session.execute(
            select(Delivery.robot_id, Delivery.key).where(
                tuple_(Delivery.robot_id, Delivery.key).in_([(robot.id, key) for robot, _task, key in wanted])
            )
        )
    )
    wanted = [(robot, task, key) for robot, task, key in wanted if (robot.id, key) not in have]
    if not wanted:
        return 0
    _load_for_messages([task for _robot, task, _key in wanted])
    return _insert([_row(robot, key, message(task, robot.provider)) for robot, task, key in wanted])


def queue_test_message(robot: Robot, key: str) -> None:
    _insert([_row(robot, key, hello_message(robot))])


def _row(robot: Robot, key: str, message: Message) -> dict:
    now = utcnow()
    return {
        "robot_id": robot.id,
        "key": key,
        "title": message.title,
        "text": message.text,
        "status": "pending",
        "attempts": 0,
        "last_error": "",
        "next_attempt_at": now,
        "created_at": now,
    }


def _insert(rows: list[dict]) -> int:
    count = insert_ignoring_duplicates(Delivery, rows, unique=["robot_id", "key"])
    enqueue_after_commit(SEND_JOB)
    return count
