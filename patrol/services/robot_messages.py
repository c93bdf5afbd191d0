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
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from patrol.database import utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.jobs import enqueue_after_commit
from patrol.models import Answer, Delivery, Robot, Task
from patrol.presenters import site_language
from patrol.presenters.tasks import task_title
from patrol.templating import localtime
from patrol.vocabulary import SEVERITIES

SEND_JOB = "patrol.services.robot_sending:deliver_due"
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


def task_message(task: Task, kind: str, provider: str) -> Message:
    """The message about `task` for alert `kind` (new | feedback | overdue), in its site's language."""
    with force_locale(site_language(task.site)):
        title = md(task_title(task))[:150]
        headline = str(HEADLINES[(kind, task.source if task.source == "report" else "finding")])
        severity = str(SEVERITIES.get(task.severity, task.severity))
        lines = [
            f"### {headline}",
            f"**{title}**",
            _field(gettext("Where"), md(" · ".join(part for part in (task.site.name, task.where) if part))),
            _field(gettext("Severity"), severity),
            _field(gettext("Due"), localtime(task.due_at, task.site)),
        ]
        if kind == "new":
            lines.append(_field(gettext("Raised by"), md(task.raised_by.display_name)))
            if task.detail.strip():
                note = md(task.detail)
                lines.append(_field(gettext("Note"), note[:MAX_NOTE] + ("…" if len(note) > MAX_NOTE else "")))
        elif kind == "feedback":
            lines.append(_field(gettext("Raised at"), localtime(task.created_at, task.site)))
        else:
            assignee = md(task.assignee.display_name) if task.assignee is not None else gettext("Not assigned yet")
            lines.append(_field(gettext("Assignee"), assignee))
        link = task_link(task)
        if link:
            lines.append(f"[{gettext('Open the task')}]({link})")
        subject = gettext("%(what)s: %(title)s", what=headline, title=title)
    return Message(title=subject[:200], text=_line_break(provider).join(lines))


def hello_message(robot: Robot) -> Message:
    with force_locale(site_language(robot.site)):
        title = gettext("Test message from Patrol")
        lines = [
            f"### {title}",
            gettext(
                "This group will receive the alerts of %(site)s: new findings, first responses and overdue tasks.",
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


def queue_task_messages(tasks: list[Task], kind: str) -> int:
    """Queue `kind` messages about these tasks to their sites' robots (once per robot and task); how many."""
    robots = robots_by_site({task.site_id for task in tasks})
    wanted = [
        (robot, task, f"{kind}:{task.id}")
        for task in tasks
        for robot in robots.get(task.site_id, [])
        if kind != "new" or SEVERITY_RANK.get(task.severity, 0) >= SEVERITY_RANK.get(robot.min_severity, 2)
    ]
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
    rows = []
    for robot, task, key in wanted:
        message = task_message(task, kind, robot.provider)
        rows.append(_row(robot, key, message))
    return _insert(rows)


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
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Delivery).values(rows).on_conflict_do_nothing(index_elements=["robot_id", "key"])
    count = db.session.execute(statement).rowcount or 0
    enqueue_after_commit(SEND_JOB)
    return count
