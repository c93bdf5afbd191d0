"""Photos are served only to signed-in people who may see an inspection that shows them."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory
from flask_login import current_user, login_required

from patrol.inspections.photos import photo_for_viewer

bp = Blueprint("photos", __name__)


@bp.get("/photos/<sha256>/<any(full, thumb):variant>.jpg")
@login_required
def photo_file(sha256: str, variant: str):
    photo, visible = photo_for_viewer(sha256, current_user)
    if photo is None:
        abort(404)
    if not visible:
        abort(403)
    path = photo.relative_thumb_path if variant == "thumb" else photo.relative_path
    response = send_from_directory(current_app.config["PATROL_PHOTO_DIR"], path, mimetype="image/jpeg", max_age=3600)
    # Content-addressed: the bytes behind this URL never change, but only this browser may keep them.
    response.cache_control.public = False
    response.cache_control.private = True
    return response
