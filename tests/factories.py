"""Small builders for test data, going through the same services the app uses."""

from __future__ import annotations

import io
import uuid
from itertools import count

from PIL import Image

from patrol.accounts.accounts import create_user
from patrol.extensions import db
from patrol.inspections.photos import PhotoOp
from patrol.modelrooms.register import LineInput, start_register
from patrol.models import ChecklistVersion, Location, RegisterVersion, Site, User
from patrol.setup import catalogue
from patrol.setup import checklist_editor as editor
from patrol.setup.checklists import assign_checklist, items_of

PASSWORD = "correct horse battery"
_serial = count(1)


def site(name: str = "测试小区") -> Site:
    created = Site(name=f"{name}{next(_serial)}")
    db.session.add(created)
    db.session.commit()
    return created


def user(
    role: str = "butler",
    sites: list[Site] | None = None,
    username: str | None = None,
    locale: str | None = None,
    active: bool = True,
) -> User:
    created = create_user(
        username or f"{role}{next(_serial)}",
        PASSWORD,
        display_name=f"{role} 测试",
        role=role,
        sites=sites or [],
        locale=locale,
    )
    created.active = active
    db.session.commit()
    return created


def location(site: Site, kind: str = "floor", name: str | None = None, **fields) -> Location:
    created = Location(site=site, kind=kind, name=name or f"1栋 {next(_serial)}F", building="1栋", **fields)
    db.session.add(created)
    db.session.commit()
    return created


def checklist(
    items: list[dict] | None = None,
    *,
    name: str = "巡楼检查",
    kind: str | None = "floor",
    location: Location | None = None,
):
    """A published checklist assigned to a location kind (or one location); returns its version."""
    version = editor.publish_new_checklist(name, items if items is not None else catalogue.FLOOR_PATROL[1])
    assign_checklist(
        version.checklist, location_kind=None if location else kind, location_id=location.id if location else None
    )
    db.session.commit()
    return version


def next_version(version: ChecklistVersion, prompts: list[str], *, name: str | None = None) -> ChecklistVersion:
    """The checklist's next published version, asking only these pass/fail questions, made in the editor."""
    checklist = version.checklist
    if name is not None:
        editor.rename_checklist(checklist, {"name": name})
    for prompt in prompts:
        editor.add_item(checklist, {"prompt": prompt, "item_type": "passfail", "required": "1"})
    for old in items_of(editor.draft_of(checklist).id)[: -len(prompts)]:
        editor.remove_item(checklist, old.id)
    return editor.publish_draft(None, checklist).value


def register(room: Location, lines: list[tuple[str, str, int]], actor: User) -> RegisterVersion:
    """A model room's first register: (zone, item, expected quantity) per line."""
    version = start_register(room, [LineInput(zone, name, expected) for zone, name, expected in lines], actor)
    db.session.commit()
    return version


def client_id() -> str:
    return str(uuid.uuid4())


def photo_op() -> PhotoOp:
    """A photo operation as a phone's outbox names one; no hash, the bytes are handed over whole."""
    return PhotoOp(client_id())


def jpeg_bytes(width: int = 800, height: int = 600, color=(200, 30, 30), exif=None, **save) -> bytes:
    image = Image.new("RGB", (width, height), color)
    out = io.BytesIO()
    if exif is not None:
        save["exif"] = exif
    image.save(out, "JPEG", **save)
    return out.getvalue()


def png_bytes(width: int = 300, height: int = 200, mode: str = "RGBA") -> bytes:
    image = Image.new(mode, (width, height), (0, 120, 0, 128) if mode == "RGBA" else (0, 120, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
