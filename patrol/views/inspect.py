"""Filling in a checklist: save an answer, add or remove a photo, submit — each one POST."""

from __future__ import annotations

import re
from functools import wraps

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.access import load, permission_required
from patrol.database import begin_reading
from patrol.i18n import lazy_gettext as _l
from patrol.models import Inspection, Location
from patrol.services.answers import AnswerInput
from patrol.services.checklists import item_on, items_of, version_at
from patrol.services.evidence import attach_photo, detach_photo
from patrol.services.history import inspection_with_answers
from patrol.services.inspections import AnswerSnapshot, save_answer
from patrol.services.photos import PhotosBusy
from patrol.services.scan import scan_page
from patrol.services.submission import submit_inspection
from patrol.templating import go_to, render, render_block
from patrol.views.drafts import draft_key
from patrol.views.errors import error_response
from patrol.views.uploads import busy_response, decode_slots, decode_wait, photo_limits

bp = Blueprint("inspect", __name__)
PREFIX = "/inspect/<int:location_id>/<int:version_id>"
ANSWER_FIELD = re.compile(r"(?:value|note|severity)-(\d{1,10})")


def _load_target(location_id: int, version_id: int, item_id: int | None = None):
    """The location (404/403 by the access rules), a version assigned to it, and one of its items."""
    location = load(Location, location_id)
    version = version_at(location, version_id)
    if version is None:
        abort(404)
    item = None
    if item_id is not None:
        item = item_on(version, item_id)
        if item is None:
            abort(404)
    return location, version, item


def _answer_of(form, item_id: int) -> AnswerInput:
    value = form.get(f"value-{item_id}")
    return AnswerInput(
        raw=value or "",
        note=form.get(f"note-{item_id}", ""),
        severity=form.get(f"severity-{item_id}"),
        clears=value is not None and not value.strip(),
    )


def _item_fragment(location, version, item, snapshot, error=None, status=200):
    html = render_block(
        "scan/page.html", "item", item=item, answer=snapshot, error=error, location=location, version=version
    )
    return make_response(html, status)


@bp.post(f"{PREFIX}/items/<int:item_id>/answer")
@login_required
@permission_required("inspect")
def answer_save(location_id: int, version_id: int, item_id: int):
    location, version, item = _load_target(location_id, version_id, item_id)
    outcome = save_answer(
        draft_key(location, version),
        item,
        _answer_of(request.form, item.id),
        photo_dir=current_app.config["PATROL_PHOTO_DIR"],
    )
    if not outcome.ok and "form" in outcome.errors:
        return error_response(outcome.status, detail=outcome.errors["form"])
    if not outcome.ok:
        raw = AnswerSnapshot(raw=request.form.get(f"value-{item.id}", ""))
        return _item_fragment(location, version, item, raw, outcome.errors["value"], outcome.status)
    return _item_fragment(location, version, item, outcome.value)


def _reads_first(view):
    """Signing in and the checks before a photo decode only read: they take no write lock.

    attach_photo ends that read before the decode and writes in a transaction of its own.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        begin_reading()
        return view(*args, **kwargs)

    return wrapped


@bp.post(f"{PREFIX}/items/<int:item_id>/photos")
@_reads_first
@login_required
@permission_required("inspect")
def photo_add(location_id: int, version_id: int, item_id: int):
    location, version, item = _load_target(location_id, version_id, item_id)
    upload = request.files.get(f"photo-{item.id}")
    if upload is None or not upload.filename:
        return error_response(422, detail=_l("No photo came with the request. Take the photo again."))
    limits = photo_limits()
    data = upload.stream.read(limits.max_bytes + 1)
    try:
        outcome = attach_photo(
            draft_key(location, version), item, data, limits, slots=decode_slots(), wait=decode_wait()
        )
    except PhotosBusy:
        return busy_response()
    if not outcome.ok:
        message = outcome.errors.get("photo") or outcome.errors.get("form")
        return error_response(outcome.status, detail=message)
    return _item_fragment(location, version, item, outcome.value)


@bp.post(f"{PREFIX}/items/<int:item_id>/photos/<int:photo_id>/remove")
@login_required
@permission_required("inspect")
def photo_remove(location_id: int, version_id: int, item_id: int, photo_id: int):
    location, version, item = _load_target(location_id, version_id, item_id)
    outcome = detach_photo(draft_key(location, version), item, photo_id, current_app.config["PATROL_PHOTO_DIR"])
    if not outcome.ok:
        return error_response(outcome.status, detail=next(iter(outcome.errors.values())))
    return _item_fragment(location, version, item, outcome.value)


@bp.post(f"{PREFIX}/submit")
@login_required
@permission_required("inspect")
def submit(location_id: int, version_id: int):
    location, version, _item = _load_target(location_id, version_id)
    item_ids = {int(match.group(1)) for name in request.form if (match := ANSWER_FIELD.fullmatch(name))}
    given = {item_id: _answer_of(request.form, item_id) for item_id in item_ids}
    key = draft_key(location, version)
    result = submit_inspection(key, given)
    if result.ok:
        target = url_for("inspect.inspection_view", inspection_id=result.inspection.id)
        return go_to(target)
    if "form" in result.errors:
        return error_response(result.status, detail=result.errors["form"])
    page = scan_page(current_user, location, refused=version, answers=result.snapshots)
    return make_response(
        render(
            "scan/page.html",
            "checklist",
            page=page,
            errors=result.errors,
            client_id=key.client_id,
            opened=request.form.get("opened", ""),
        ),
        422,
    )


@bp.get("/inspections/<int:inspection_id>")
@login_required
def inspection_view(inspection_id: int):
    inspection = load(Inspection, inspection_id)
    if inspection.status == "draft" and inspection.inspector_id != current_user.id:
        return error_response(404)
    inspection, answers, tasks = inspection_with_answers(inspection)
    return render_template(
        "inspections/view.html",
        inspection=inspection,
        answers=answers,
        tasks=tasks,
        items=items_of(inspection.checklist_version_id),
    )
