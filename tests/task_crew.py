"""A site's crew and its tasks for the task workflow tests, as plain values (no ORM object outlives its context).

Tasks are raised the way the app raises them (a round's failed item, submitted) or, where only the
task's state matters, written directly and moved on by the workflow service.
"""

from __future__ import annotations

import html
import io
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections.answers import AnswerInput
from patrol.inspections.drafts import DraftKey, save_answer
from patrol.inspections.submission import submit_inspection
from patrol.models import Location, Photo, Task, TaskEvent, User, task_event_photos
from patrol.photos.processing import PixelLimits, process_photo
from patrol.setup.catalogue import passfail
from patrol.tasks.workflow import ActionInput, act
from tests import factories
from tests.conftest import SeparateBrowser

ITEM = "Fire door closed"


@dataclass(frozen=True)
class Crew:
    site_id: int
    location_id: int
    token: str
    version_id: int
    item_id: int
    names: dict[str, str]  # role in the story → username
    ids: dict[str, int]

    def username(self, who: str) -> str:
        return self.names[who]


def make_crew(app) -> Crew:
    """One site with a butler who patrols, a butler who fixes, a spare butler, a steward, a supervisor, an
    administrator; and a supervisor of another site."""
    with app.app_context():
        site, elsewhere = factories.site("Harbour View "), factories.site("Elsewhere ")
        people = {
            "butler": factories.user("butler", [site], locale="en"),
            "fixer": factories.user("butler", [site], locale="en"),
            "spare": factories.user("butler", [site], locale="en"),
            "steward": factories.user("steward", [site], locale="en"),
            "supervisor": factories.user("supervisor", [site], locale="en"),
            "admin": factories.user("admin", [], locale="en"),
            "outsider": factories.user("supervisor", [elsewhere], locale="en"),
        }
        for who, user in people.items():
            user.display_name = f"{who.title()} Person"
        db.session.commit()
        location = factories.location(site, name="Tower 1, 12F")
        version = factories.checklist(
            [passfail(ITEM, "high", photo=False), passfail("Lights work", "low", photo=False)]
        )
        crew = Crew(
            site_id=site.id,
            location_id=location.id,
            token=location.qr_token,
            version_id=version.id,
            item_id=version.items[0].id,
            names={who: user.username for who, user in people.items()},
            ids={who: user.id for who, user in people.items()},
        )
        db.session.remove()
        return crew


@pytest.fixture(name="crew")
def crew_fixture(app, ctx) -> Crew:
    """The crew as a fixture: a test module imports `crew_fixture` and asks for `crew`."""
    return make_crew(app)


def phone_of(app, crew: Crew, who: str) -> SeparateBrowser:
    """A phone of its own, signed in as the crew member `who`."""
    phone = SeparateBrowser(app.test_client())
    phone.login(crew.username(who))
    return phone


def page_text(response) -> str:
    """What a page says, its entities read as the person sees them."""
    return html.unescape(response.get_data(as_text=True))


def patrol(crew: Crew, result: str = "fail", *, who: str = "butler", note: str = "Door wedged open") -> None:
    """A submitted round at the crew's location answering the first item with `result`, the others pass.
    Call inside an app or request context."""
    from patrol.models import ChecklistVersion

    location = db.session.get(Location, crew.location_id)
    version = db.session.get(ChecklistVersion, crew.version_id)
    user = db.session.get(User, crew.ids[who])
    key = DraftKey(user, location, version, str(uuid.uuid4()), utcnow())
    for item in version.items:
        answer = result if item.id == crew.item_id else "pass"
        save_answer(key, item, AnswerInput(answer, note=note if answer == "fail" else ""))
    outcome = submit_inspection(key, {})
    assert outcome.ok, outcome.errors


def patrol_by_phone(phone: SeparateBrowser, crew: Crew, result: str, *, note: str = "Door wedged open"):
    """The round `patrol` makes, its scan page's form posted whole (as without JavaScript): the response."""
    from patrol.setup.checklists import items_of

    scanned = phone.get(f"/c/{crew.token}")
    fields = dict(re.findall(r'<input type="hidden" name="(client_id|opened)" value="([^"]*)"', page_text(scanned)))
    form = {"client_id": str(uuid.uuid4()), "opened": "", **fields}
    with phone.client.application.app_context():
        item_ids = [item.id for item in items_of(crew.version_id)]
    for item_id in item_ids:
        form[f"value-{item_id}"] = result if item_id == crew.item_id else "pass"
        form[f"note-{item_id}"] = note if item_id == crew.item_id and result == "fail" else ""
    return phone.post(f"/inspect/{crew.location_id}/{crew.version_id}/form", data=form)


def jpeg_upload(name: str = "fix.jpg", **options) -> tuple[io.BytesIO, str]:
    return io.BytesIO(factories.jpeg_bytes(**options)), name


_PROCESSED = []


def fix_photo():
    """A fix photo checked and re-encoded, as act keeps it (made once: it costs a decode)."""
    if not _PROCESSED:
        pixels = PixelLimits(scaled=50_000_000, full=50_000_000)
        _PROCESSED.append(
            process_photo(factories.jpeg_bytes(), zone=ZoneInfo("Asia/Shanghai"), max_bytes=10**7, pixels=pixels)
        )
    return _PROCESSED[0]


# How a task is brought to each state: the workflow's own steps, from a new open task.
PATH = {
    "open": [],
    "assigned": [("supervisor", "assign")],
    "in_progress": [("supervisor", "assign"), ("fixer", "start")],
    "fixed": [("supervisor", "assign"), ("fixer", "start"), ("fixer", "submit_fix")],
    "closed": [("supervisor", "assign"), ("fixer", "submit_fix"), ("butler", "recheck_pass")],
    "cancelled": [("supervisor", "assign"), ("supervisor", "cancel")],
}


def task_in(app, crew: Crew, state: str, *, of_the_item: bool = False) -> int:
    """A new task at the crew's location, brought to `state` by the workflow; its id.

    `of_the_item`: the open task of the crew's checklist item there, which a round answering it finds."""
    with app.app_context():
        now = utcnow()
        task = Task(
            problem_key=_item_key(crew) if of_the_item else None,
            site_id=crew.site_id,
            location_id=crew.location_id,
            source="finding",
            title=ITEM,
            detail="Door wedged open",
            severity="high",
            status="open",
            raised_by_id=crew.ids["butler"],
            due_at=now + timedelta(days=1),
            respond_by=now + timedelta(hours=1),
            created_at=now,
        )
        db.session.add(task)
        db.session.flush()
        created = TaskEvent(task=task, kind="created", actor_id=crew.ids["butler"], to_status="open", created_at=now)
        db.session.add(created)
        db.session.commit()
        photo_dir = app.config["PATROL_PHOTO_DIR"]
        for who, action in PATH[state]:
            given = ActionInput(
                action, task.version, note=f"{action} note", assignee=db.session.get(User, crew.ids["fixer"])
            )
            if action == "submit_fix":
                given.uploads = [fix_photo()]
            act(task, db.session.get(User, crew.ids[who]), given, photo_dir=photo_dir)
        assert task.status == state
        task_id = task.id
        db.session.remove()
        return task_id


def _item_key(crew: Crew) -> str:
    from patrol.models import ChecklistItem, ChecklistVersion
    from patrol.tasks.raising import problem_key

    checklist_id = db.session.get(ChecklistVersion, crew.version_id).checklist_id
    return problem_key(checklist_id, db.session.get(ChecklistItem, crew.item_id))


def written(app, task_id: int) -> dict:
    """What an action could have written: the task's state and version, its events, photos and files."""
    root = Path(app.config["PATROL_PHOTO_DIR"])
    with app.app_context():
        task = db.session.get(Task, task_id)
        snapshot = {
            "status": task.status,
            "version": task.version,
            "assignee": task.assignee_id,
            "severity": task.severity,
            "due_at": task.due_at,
            "events": db.session.scalar(select(func.count()).where(TaskEvent.task_id == task_id)),
            "event_photos": db.session.scalar(select(func.count()).select_from(task_event_photos)),
            "photos": db.session.scalar(select(func.count()).select_from(Photo)),
            "files": sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else [],
        }
        db.session.remove()
        return snapshot


def events_of(app, task_id: int) -> list[tuple]:
    """The task's timeline as (kind, actor id, from, to, note, photo count)."""
    with app.app_context():
        events = db.session.scalars(select(TaskEvent).where(TaskEvent.task_id == task_id).order_by(TaskEvent.id))
        rows = [(e.kind, e.actor_id, e.from_status, e.to_status, e.note, len(e.photos)) for e in events]
        db.session.remove()
        return rows


def task_values(app, task_id: int, *names: str) -> tuple:
    with app.app_context():
        task = db.session.get(Task, task_id)
        values = tuple(getattr(task, name) for name in names)
        db.session.remove()
        return values
