"""Filling in a checklist: save an answer, add or remove a photo, submit — each one POST.

The page sends them through the phone's outbox (static/js/outbox.js), which asks for JSON and
names each operation (patrol/views/outbox.py); without it, htmx gets fragments as before.
"""

from __future__ import annotations

import re
from functools import wraps

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.access import load, permission_required
from patrol.database import reads_first
from patrol.i18n import lazy_gettext as _l
from patrol.inspections.answers import AnswerInput, attention_summary
from patrol.inspections.drafts import AnswerSnapshot, save_answer
from patrol.inspections.history import answers_by_item
from patrol.inspections.photos import PhotoOp, attach_photo, attach_photo_op, detach_photo
from patrol.inspections.results import round_findings, round_outcomes
from patrol.inspections.scan import scan_page
from patrol.inspections.submission import submit_inspection
from patrol.inspections.visit_times import visit_of
from patrol.models import Inspection, Location
from patrol.photos.processing import PhotosBusy
from patrol.setup.checklists import item_on, items_of, version_at
from patrol.views import outbox
from patrol.views.drafts import draft_key
from patrol.views.errors import error_response, json_error, wants_json
from patrol.views.outbox import ack, missing_op, outbox_op, photo_refused, read_seq, signed_in
from patrol.views.templating import go_to, render, render_block
from patrol.views.uploads import busy_response, decode_slots, decode_wait, photo_limits

bp = Blueprint("inspect", __name__)
outbox.register(bp)  # the outbox's page and token serve these requests; no blueprint of their own
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


def _answer_of(form, item_id: int, seq: int | None = None) -> AnswerInput:
    value = form.get(f"value-{item_id}")
    return AnswerInput(
        raw=value or "",
        note=form.get(f"note-{item_id}", ""),
        severity=form.get(f"severity-{item_id}"),
        clears=value is not None and not value.strip(),
        seq=seq,
    )


def _outbox_request(view):
    """An outbox request must name its operation: it is what the reply echoes, and what makes a repeat safe."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if wants_json() and outbox_op() is None:
            return missing_op()
        return view(*args, **kwargs)

    return wrapped


def _item_fragment(location, version, item, snapshot, error=None, status=200):
    html = render_block(
        "scan/page.html", "item", item=item, answer=snapshot, error=error, location=location, version=version
    )
    return make_response(html, status)


@bp.post(f"{PREFIX}/items/<int:item_id>/answer")
@signed_in
@permission_required("inspect")
@_outbox_request
def answer_save(location_id: int, version_id: int, item_id: int):
    location, version, item = _load_target(location_id, version_id, item_id)
    outcome = save_answer(
        draft_key(location, version, acted="answered_at"),
        item,
        _answer_of(request.form, item.id, read_seq()),
        photo_dir=current_app.config["PATROL_PHOTO_DIR"],
    )
    if wants_json():
        return _answer_ack(outcome, item)
    if not outcome.ok and "form" in outcome.errors:
        return error_response(outcome.status, detail=outcome.errors["form"])
    if not outcome.ok:
        raw = AnswerSnapshot(raw=request.form.get(f"value-{item.id}", ""))
        return _item_fragment(location, version, item, raw, outcome.errors["value"], outcome.status)
    return _item_fragment(location, version, item, outcome.value)


def _answer_ack(outcome, item):
    if not outcome.ok and "form" in outcome.errors:
        return error_response(outcome.status, detail=outcome.errors["form"])
    if not outcome.ok:
        return json_error(outcome.status, "invalid", outcome.errors["value"], item=item.id)
    return ack(outbox_op(), item=item.id, seq=outcome.value.seq, finding=outcome.value.is_finding)


@bp.post(f"{PREFIX}/items/<int:item_id>/photos")
@reads_first
@signed_in
@permission_required("inspect")
@_outbox_request
def photo_add(location_id: int, version_id: int, item_id: int):
    location, version, item = _load_target(location_id, version_id, item_id)
    upload = request.files.get(f"photo-{item.id}")
    if upload is None or not upload.filename:
        return error_response(422, detail=_l("No photo came with the request. Take the photo again."))
    limits = photo_limits()
    data = upload.stream.read(limits.max_bytes + 1)
    key = draft_key(location, version)
    try:
        if wants_json():
            op = PhotoOp(outbox_op(), request.form.get("sha256") or None)
            outcome = attach_photo_op(key, item, data, limits, op, slots=decode_slots(), wait=decode_wait())
        else:
            outcome = attach_photo(key, item, data, limits, slots=decode_slots(), wait=decode_wait())
    except PhotosBusy:
        return busy_response()
    if not outcome.ok:
        refused = photo_refused(outcome)
        if refused is not None:
            return refused
        message = outcome.errors.get("photo") or outcome.errors.get("form")
        return error_response(outcome.status, detail=message)
    if wants_json():
        return _photo_ack(location, version, item, outcome.value)
    return _item_fragment(location, version, item, outcome.value)


def _photo_ack(location, version, item, given: dict):
    """The stored acknowledgement, with where the page finds the photo and how it takes it off again."""
    photo = given["photo"]
    remove = url_for(
        "inspect.photo_remove", location_id=location.id, version_id=version.id, item_id=item.id, photo_id=photo["id"]
    )
    thumb = url_for("photos.photo_file", sha256=photo["sha256"], variant="thumb")
    fields = {name: value for name, value in given.items() if name not in ("ok", "op")}
    return ack(given["op"], **fields, remove_url=remove, thumb_url=thumb)


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
@signed_in
@permission_required("inspect")
@_outbox_request
def submit(location_id: int, version_id: int):
    location, version, _item = _load_target(location_id, version_id)
    item_ids = {int(match.group(1)) for name in request.form if (match := ANSWER_FIELD.fullmatch(name))}
    seq = read_seq()
    given = {item_id: _answer_of(request.form, item_id, seq) for item_id in item_ids}
    key = draft_key(location, version, acted="completed_at")
    result = submit_inspection(key, given)
    if result.ok:
        target = url_for("inspect.inspection_view", inspection_id=result.inspection.id)
        if wants_json():
            return ack(outbox_op(), inspection=result.inspection.id, url=target)
        return go_to(target)
    if "form" in result.errors:
        return error_response(result.status, detail=result.errors["form"])
    if wants_json():
        return _refused_submit(result.errors)
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


def _refused_submit(errors: dict[str, str]):
    """Not submitted: what needs attention, by item (the answers it carried are in the draft now)."""
    return json_error(
        422,
        "attention",
        attention_summary(len(errors)),
        errors={item_id: str(message) for item_id, message in errors.items()},
    )


@bp.get("/inspections/<int:inspection_id>")
@login_required
def inspection_view(inspection_id: int):
    inspection = load(Inspection, inspection_id)
    if inspection.status == "draft" and inspection.inspector_id != current_user.id:
        return error_response(404)
    answers, items = answers_by_item(inspection), items_of(inspection.checklist_version_id)
    findings, accepted = round_findings(items, answers, round_outcomes(inspection))
    return render_template(
        "inspections/view.html",
        inspection=inspection,
        visit=visit_of(inspection),
        answers=answers,
        items=items,
        findings=findings,
        accepted=accepted,
    )
