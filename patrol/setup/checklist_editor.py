"""Editing a checklist: new checklists and copies, the draft version and its items, publishing.

A published version is never touched: inspections point at it. Every change goes into the
checklist's one draft (a version whose published_at is None), made on the first change from
a copy of the latest published version; publishing stamps the draft, which scans then use.
This is the only way versions are made: the demo estate and the tests make theirs here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from patrol.database import utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Checklist, ChecklistItem, ChecklistVersion, User
from patrol.outcome import Outcome
from patrol.setup import catalogue
from patrol.setup.audit import record
from patrol.setup.checklists import items_of
from patrol.setup.item_settings import read_item
from patrol.validation import Checker

SETTINGS = (
    "prompt",
    "item_type",
    "required",
    "help_text",
    "threshold",
    "expected",
    "min_value",
    "max_value",
    "unit",
    "choices",
    "failing_choices",
    "default_severity",
    "photo_required_on_fail",
)
# What the form for a new item starts with.
NEW_ITEM = {
    "item_type": "passfail",
    "required": "1",
    "threshold": "3",
    "expected": "1",
    "default_severity": "medium",
    "photo_required_on_fail": "1",
}


def _model_room(index: int):
    return lambda: catalogue.model_room_checklists("样板间")[index]


# Where a new checklist may start from: the domain catalogue.
STARTS = {
    "floor": (_l("Floor patrol"), lambda: catalogue.FLOOR_PATROL),
    "renovation": (_l("Renovation site"), lambda: catalogue.RENOVATION),
    "vacant_unit": (_l("Vacant unit"), lambda: catalogue.VACANT_UNIT),
    "model_room_opening": (_l("Model room: opening count"), _model_room(0)),
    "model_room_hourly": (_l("Model room: hourly count"), _model_room(1)),
    "model_room_closing": (_l("Model room: closing count"), _model_room(2)),
}


@dataclass
class EditorState:
    """What the editor shows: the draft's items if there is a draft, else the published ones."""

    checklist: Checklist
    draft: ChecklistVersion | None
    published: ChecklistVersion | None
    items: list[ChecklistItem]


def draft_of(checklist: Checklist) -> ChecklistVersion | None:
    query = select(ChecklistVersion).where(
        ChecklistVersion.checklist_id == checklist.id, ChecklistVersion.published_at.is_(None)
    )
    return db.session.scalar(query)


def latest_published(checklist: Checklist) -> ChecklistVersion | None:
    query = (
        select(ChecklistVersion)
        .where(ChecklistVersion.checklist_id == checklist.id, ChecklistVersion.published_at.is_not(None))
        .order_by(ChecklistVersion.number.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def editor_state(checklist: Checklist) -> EditorState:
    draft, published = draft_of(checklist), latest_published(checklist)
    shown = draft or published
    return EditorState(checklist, draft, published, items_of(shown.id) if shown else [])


def settings_of(item: ChecklistItem) -> dict:
    fields = {name: getattr(item, name) for name in SETTINGS}
    return {**fields, "choices": list(item.choices or []), "failing_choices": list(item.failing_choices or [])}


def form_values(item: ChecklistItem) -> dict[str, str]:
    """An item's settings as the strings its edit form shows."""

    def text(value) -> str:
        return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)

    values = {name: text(getattr(item, name)) for name in SETTINGS}
    values.update(
        required="1" if item.required else "",
        choices="\n".join(item.choices or []),
        photo_required_on_fail="1" if item.photo_required_on_fail else "",
        failing_choices="\n".join(item.failing_choices or []),
    )
    return values


def _highest_number(checklist_id: int) -> int:
    query = select(func.max(ChecklistVersion.number)).where(ChecklistVersion.checklist_id == checklist_id)
    return db.session.scalar(query) or 0


def _new_version(checklist: Checklist, items: list[dict], number: int) -> ChecklistVersion:
    draft = ChecklistVersion(checklist=checklist, number=number, name=checklist.name, published_at=None)
    db.session.add(draft)
    for position, fields in enumerate(items, start=1):
        db.session.add(ChecklistItem(version=draft, position=position, **fields))
    db.session.flush()
    return draft


def _ensure_draft(checklist: Checklist) -> ChecklistVersion:
    """The checklist's draft, started from the latest published version's items if there is none."""
    draft = draft_of(checklist)
    if draft is not None:
        return draft
    latest = latest_published(checklist)
    items = [settings_of(item) for item in items_of(latest.id)] if latest else []
    return _new_version(checklist, items, _highest_number(checklist.id) + 1)


def _save(value) -> Outcome:
    """Commit, or report that a simultaneous change (a second draft, say) won the race."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return Outcome.fail({"form": _l("Someone else changed this checklist at the same time. Reload the page.")}, 409)
    return Outcome(value)


# --- changing the draft's items ---------------------------------------------------------------------


def _draft_item(checklist: Checklist, item_id: int) -> Outcome[ChecklistItem]:
    """The draft's item behind this id; an id from the latest published version starts the draft."""
    item = db.session.get(ChecklistItem, item_id)
    if item is None or item.version.checklist_id != checklist.id:
        return Outcome.fail({"form": _l("This item is not on this checklist.")}, 404)
    if item.version.published_at is None:
        return Outcome(item)
    latest = latest_published(checklist)
    if draft_of(checklist) is not None or latest is None or item.version_id != latest.id:
        return Outcome.fail({"form": _l("This checklist has changed since the page was loaded. Reload it.")}, 409)
    draft = _ensure_draft(checklist)
    # The draft is a copy made a moment ago: the same position is the same question.
    return Outcome(next(twin for twin in items_of(draft.id) if twin.position == item.position))


def add_item(checklist: Checklist, raw) -> Outcome[ChecklistItem]:
    fields, errors = read_item(raw)
    if errors:
        return Outcome.fail(errors)
    draft = _ensure_draft(checklist)
    item = ChecklistItem(version=draft, position=len(items_of(draft.id)) + 1, **fields)
    db.session.add(item)
    return _save(item)


def update_item(checklist: Checklist, item_id: int, raw) -> Outcome[ChecklistItem]:
    fields, errors = read_item(raw)
    if errors:
        return Outcome.fail(errors)
    found = _draft_item(checklist, item_id)
    if not found.ok:
        db.session.rollback()
        return found
    for name, value in fields.items():
        setattr(found.value, name, value)
    return _save(found.value)


def remove_item(checklist: Checklist, item_id: int) -> Outcome[ChecklistVersion]:
    found = _draft_item(checklist, item_id)
    if not found.ok:
        db.session.rollback()
        return found
    draft = found.value.version
    db.session.delete(found.value)
    db.session.flush()
    for position, item in enumerate(items_of(draft.id), start=1):
        item.position = position
    return _save(draft)


def move_item(checklist: Checklist, item_id: int, direction: str) -> Outcome[ChecklistItem]:
    """Swap the item with its neighbour above ("up") or below ("down"); at either end nothing moves."""
    found = _draft_item(checklist, item_id)
    if not found.ok:
        db.session.rollback()
        return found
    items = items_of(found.value.version_id)
    index = next(i for i, item in enumerate(items) if item.id == found.value.id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index].position, items[other].position = items[other].position, items[index].position
    return _save(found.value)


# --- the checklist as a whole -------------------------------------------------------------------------


def publish_draft(actor: User | None, checklist: Checklist) -> Outcome[ChecklistVersion]:
    """The draft becomes the next version: from now on scans use it. An empty checklist is refused."""
    outcome = _publish(checklist)
    if not outcome.ok:
        return outcome
    version, count = outcome.value
    record(actor, "checklist.published", checklist, version=version.number, items=count)
    return _save(version)


def _publish(checklist: Checklist) -> Outcome[tuple[ChecklistVersion, int]]:
    """Stamp the draft as the next version; with how many items it has."""
    draft = draft_of(checklist)
    if draft is None:
        return Outcome.fail({"form": _l("There are no changes to publish.")})
    count = len(items_of(draft.id))
    if not count:
        return Outcome.fail({"form": _l("Add at least one item before publishing.")})
    others = select(func.max(ChecklistVersion.number)).where(
        ChecklistVersion.checklist_id == checklist.id, ChecklistVersion.id != draft.id
    )
    # Scans take the highest published number, so the draft must end up above every other version.
    draft.number = max(draft.number, (db.session.scalar(others) or 0) + 1)
    draft.name, draft.published_at = checklist.name, utcnow()
    return Outcome((draft, count))


def discard_draft(checklist: Checklist, actor: User | None = None) -> Outcome[Checklist]:
    """Throw the draft away; the published versions, and what scans use, stay as they were."""
    draft = draft_of(checklist)
    if draft is not None:
        for item in items_of(draft.id):
            db.session.delete(item)
        db.session.delete(draft)
        record(actor, "checklist.draft_discarded", checklist)
    return _save(checklist)


def rename_checklist(checklist: Checklist, raw, actor: User | None = None) -> Outcome[Checklist]:
    """The new name shows in lists at once, and scans show it from the next published version."""
    check = Checker(raw)
    name = check.text("name", required=True, max_length=120)
    if not check.ok:
        return Outcome.fail(check.errors)
    if name != checklist.name:
        record(actor, "checklist.renamed", checklist, **{"from": checklist.name, "to": name})
    checklist.name = name
    _ensure_draft(checklist).name = name
    return _save(checklist)


def create_checklist(actor: User, raw) -> Outcome[Checklist]:
    """A new checklist whose draft is empty or holds a catalogue checklist's items."""
    check = Checker(raw)
    start = check.choice("start", STARTS, required=False)
    name = check.text("name", required=not start, max_length=120)
    if not check.ok:
        return Outcome.fail(check.errors)
    default_name, items = STARTS[start][1]() if start else ("", [])
    checklist = _start_checklist(name or default_name, items)
    record(actor, "checklist.created", checklist, start=start)
    return _save(checklist)


def _start_checklist(name: str, items: list[dict]) -> Checklist:
    """A new checklist whose draft holds `items` (settings as `catalogue` writes them)."""
    checklist = Checklist(name=name)
    db.session.add(checklist)
    _new_version(
        checklist,
        [
            {
                **fields,
                "choices": list(fields.get("choices", [])),
                "failing_choices": list(fields.get("failing_choices", [])),
            }
            for fields in items
        ],
        1,
    )
    return checklist


def publish_new_checklist(name: str, items: list[dict]) -> ChecklistVersion:
    """A new checklist holding `items`, published as version 1: seeding the demo estate, and tests.

    The same two steps as an administrator's, but nobody took them, so the audit log stays empty;
    the caller commits (the demo estate is built in one transaction).
    """
    published = _publish(_start_checklist(name, items))
    if not published.ok:
        raise ValueError(f"The checklist {name!r} has no items to publish.")
    return published.value[0]


def copy_checklist(actor: User, source: Checklist) -> Outcome[Checklist]:
    """A new, unassigned checklist whose draft holds the items the source's editor shows."""
    shown = editor_state(source)
    copy = _start_checklist(_("%(name)s (copy)", name=source.name)[:120], [settings_of(item) for item in shown.items])
    record(actor, "checklist.copied", copy, source_id=source.id, source=source.name, items=len(shown.items))
    return _save(copy)
