"""Walking every GET route of the app: a value for each URL variable, from the demo estate, and the URLs.

Shared by the tests that open every page (security headers, the browser, raw values); a plain module,
not a test module, so that none of them imports another.
"""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Asset, ChecklistVersion, Export, Inspection, Location, LossCase, Schedule, Site, Task, User

PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def sample_ids() -> dict[str, str]:
    """A value for every URL variable the app's routes take, from the demo estate in the database."""
    garden = db.session.scalar(select(Site).where(Site.name == "星河湾花园"))
    location = db.session.scalar(select(Location).where(Location.site_id == garden.id).order_by(Location.id))
    version = db.session.scalar(
        select(ChecklistVersion).where(ChecklistVersion.published_at.is_not(None)).order_by(ChecklistVersion.id)
    )
    return {
        "site_id": garden.id,
        "location_id": location.id,
        # A model room's pages (/rooms/…) are walked at the demo's model room: elsewhere they are not found.
        "room_id": db.session.scalar(
            select(Location.id).where(Location.site_id == garden.id, Location.kind == "model_room")
        ),
        "token": location.qr_token,
        "checklist_id": version.checklist_id,
        "number": version.number,
        "version_id": version.id,
        "user_id": db.session.scalar(select(User.id).where(User.username == "butler")),
        "schedule_id": db.session.scalar(select(Schedule.id).order_by(Schedule.id)),
        "inspection_id": db.session.scalar(
            select(Inspection.id).where(Inspection.status == "submitted").order_by(Inspection.id)
        ),
        "task_id": db.session.scalar(select(Task.id).order_by(Task.id)),
        "item_id": version.items[0].id,
        # An item of the model room's register (its pages answer 404 at location_id, which is no model room).
        "asset_id": db.session.scalar(select(Asset.id).order_by(Asset.id)),
        # A loss case of the demo's model room, if its counts found one (else its 404 page is checked).
        "case_id": db.session.scalar(select(LossCase.id).order_by(LossCase.id)) or 1,
        "sha256": "0" * 64,  # no such photo: its 404 page is checked too
        # The demo estate has no export (each is its requester's alone): without one, its 404 page is checked.
        "export_id": db.session.scalar(select(Export.id).order_by(Export.id)) or 1,
        "filename": "css/app.css",
    }


def get_urls(app, ids: dict[str, str]) -> list[str]:
    """Every GET rule filled in with `ids`; an `any(...)` part gives one URL per choice."""
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods:
            continue
        filled = [rule.rule]
        for converter, arguments, name in PLACEHOLDER.findall(rule.rule):
            if converter == "any":
                choices = [choice.strip().strip("'\"") for choice in arguments.split(",")]
            elif name == "location_id" and rule.rule.startswith("/rooms/"):
                choices = [str(ids["room_id"])]
            else:
                assert name in ids, f"{rule.rule}: add a sample value for <{name}> to sample_ids()"
                choices = [str(ids[name])]
            part = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?" + name + ">")
            filled = [part.sub(choice, url) for url in filled for choice in choices]
        urls += filled
    return urls


def upload_id(
    browser, site_id, sheet: bytes = "name,kind\n大堂,floor\n".encode(), filename: str = "locations.csv"
) -> str:
    """A sheet kept for previewing, sent by the signed-in administrator; its id."""
    sent = browser.post(
        "/admin/locations/import", data={"site_id": str(site_id), "file": (io.BytesIO(sheet), filename)}
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)
    return sent.location.rsplit("/", 1)[1]
