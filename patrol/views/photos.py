"""Photos are served only to signed-in people who may see an inspection that shows them."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory
from flask_login import current_user, login_required
from sqlalchemy import select

from patrol.access import site_ids_for
from patrol.extensions import db
from patrol.models import Photo
from patrol.services.evidence import photo_visible_sites

bp = Blueprint("photos", __name__)


@bp.get("/photos/<sha256>/<any(full, thumb):variant>.jpg")
@login_required
def photo_file(sha256: str, variant: str):
    photo = db.session.scalar(select(Photo).where(Photo.sha256 == sha256))
    if photo is None:
        abort(404)
    if not (photo_visible_sites(photo) & site_ids_for(current_user)) and photo.uploaded_by_id != current_user.id:
        abort(403)
    path = photo.relative_thumb_path if variant == "thumb" else photo.relative_path
    response = send_from_directory(current_app.config["PATROL_PHOTO_DIR"], path, mimetype="image/jpeg",
                                   max_age=3600)
    # Content-addressed: the bytes behind this URL never change, but only this browser may keep them.
    response.cache_control.public = False
    response.cache_control.private = True
    return response
