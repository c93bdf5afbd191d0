"""The demo's follow-up tasks further along the workflow, so each screen of it has something to show.

Built through the workflow service, as people would have done it: the timelines are real.
"""

from __future__ import annotations

import io
from datetime import timedelta

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Location, Photo, Site, Task, User
from patrol.photos.processing import PixelLimits, process_photo
from patrol.photos.store import keep_photo
from patrol.tasks.workflow import ActionInput, act


def demo_photo(site: Site, uploader: User) -> Photo:
    """A small picture drawn here (no stock photos in the repo), stored like any upload."""
    image = Image.new("RGB", (800, 600), (225, 230, 235))
    ImageDraw.Draw(image).rectangle((250, 180, 550, 420), fill=(40, 170, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    config = current_app.config
    processed = process_photo(
        buffer.getvalue(),
        zone=site.zone,
        max_bytes=config["PATROL_MAX_PHOTO_BYTES"],
        pixels=PixelLimits(
            scaled=config["PATROL_MAX_PHOTO_PIXELS"], full=config["PATROL_MAX_PHOTO_PIXELS_FULL_DECODE"]
        ),
    )
    return keep_photo(processed, uploader.id, config["PATROL_PHOTO_DIR"]).photo


def fix_awaiting_recheck(site: Site, butler: User, supervisor: User) -> None:
    """The exit sign on 3F: assigned to the butler, fixed with a photo, now waiting for the supervisor's re-check."""
    task = db.session.scalar(
        select(Task).join(Location).where(Task.site_id == site.id, Location.name == "1栋 3F 楼层").order_by(Task.id)
    )
    if task is None:
        return
    steps = [
        (supervisor, ActionInput("assign", None, note="今天内更换灯管", assignee=butler), 15),
        (butler, ActionInput("start", None), 60),
        (butler, ActionInput("submit_fix", None, note="已更换指示灯灯管，通电测试正常"), 90),
    ]
    if task.assignee_id == butler.id:  # already assigned on its round's day
        steps = steps[1:]
    for actor, given, minutes in steps:
        given.version = task.version
        if given.action == "submit_fix":
            given.photos = [demo_photo(site, butler)]
        act(task, actor, given, now=task.created_at + timedelta(minutes=minutes))
