"""Filling in a checklist: save an answer, add or remove a photo, submit — each one POST.

Answers, photos and the submit come from the phone's outbox (static/js/outbox*.js, docs/outbox.md):
JSON, each naming its operation (patrol/views/outbox.py). Two requests are a page's own: taking a
photo off (htmx, the item comes back), and, without JavaScript, the checklist's form posted whole to
its own address (submit_form, answered with pages). Each address speaks one of the two.
"""

from __future__ import annotations

import re
from functools import partial

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.access import load, permission_required
from patrol.database import reads_first
from patrol.inspections.answers import AnswerInput, attention_summary
from patrol.inspections.drafts import save_answer
from patrol.inspections.filters import sees_everyones
from patrol.inspections.history import answers_by_item
from patrol.inspections.photos import attach_photo, detach_photo
from patrol.inspections.presence import flags_of
from patrol.inspections.results import round_findings, round_outcomes
from patrol.inspections.scan import scan_page
from patrol.inspections.submission import submit_inspection
from patrol.inspections.visit_times import visit_of
from patrol.modelrooms.counting import CountInput, save_count
from patrol.modelrooms.sheet import count_summary
from patrol.models import Inspection, Location
from patrol.setup.checklists import item_on, items_of, version_at
from patrol.views import outbox
from patrol.views.drafts import draft_key
from patrol.views.errors import error_response, json_error
from patrol.views.outbox import (
    ack,
    no_photo,
    outbox_only,
    outbox_op,
    photo_answer,
    read_seq,
    sent_photo,
)
from patrol.views.presence import flag_context
from patrol.views.templating import go_to, render_block

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


def _item_fragment(location, version, item, snapshot):
    return render_block("scan/page.html", "item", item=item, answer=snapshot, location=location, version=version)


@bp.post(f"{PREFIX}/items/<int:item_id>/answer")
@outbox_only
@permission_required("inspect")
def answer_save(location_id: int, version_id: int, item_id: int):
    location, version, item = _load_target(location_id, version_id, item_id)
    outcome = save_answer(
        draft_key(location, version, acted="answered_at"),
        item,
        _answer_of(request.form, item.id, read_seq()),
        photo_dir=current_app.config["PATROL_PHOTO_DIR"],
    )
    if not outcome.ok and "form" in outcome.errors:
        return error_response(outcome.status, detail=outcome.errors["form"])
    if not outcome.ok:
        return json_error(outcome.status, "invalid", outcome.errors["value"], item=item.id)
    return ack(outbox_op(), item=item.id, seq=outcome.value.seq, finding=outcome.value.is_finding)


@bp.post(f"{PREFIX}/count/<int:asset_id>")
@outbox_only
@permission_required("rooms.count")
def count_save(location_id: int, version_id: int, asset_id: int):
    """One line of a model room's count, as the outbox sends each change (patrol.modelrooms.counting)."""
    location, version, _item = _load_target(location_id, version_id)
    form = request.form
    given = CountInput(
        counted=form.get("counted", ""),
        damaged=form.get("damaged", ""),
        confirmed=form.get("confirmed") == "1",
        seq=read_seq(),
    )
    outcome = save_count(draft_key(location, version, acted="answered_at"), asset_id, given)
    if not outcome.ok and "form" in outcome.errors:
        return error_response(outcome.status, detail=outcome.errors["form"])
    if not outcome.ok and "confirm" in outcome.errors:
        # The phone asks "really N?" and sends the line again, confirmed.
        words = outcome.errors["confirm"]
        return json_error(422, "confirm", words, asset=asset_id, errors={"confirm": words})
    if not outcome.ok:
        return json_error(outcome.status, "invalid", outcome.errors["value"], asset=asset_id)
    stored = outcome.value
    return ack(outbox_op(), asset=asset_id, seq=stored.seq, counted=stored.counted, damaged=stored.damaged)


@bp.post(f"{PREFIX}/items/<int:item_id>/photos")
@reads_first
@outbox_only
@permission_required("inspect")
def photo_add(location_id: int, version_id: int, item_id: int):
    location, version, item = _load_target(location_id, version_id, item_id)
    sent = sent_photo(f"photo-{item.id}")
    if sent is None:
        return no_photo()
    attach = partial(attach_photo, draft_key(location, version), item, sent.data, sent.limits, sent.op)
    return photo_answer(attach, lambda given: _photo_ack(location, version, item, given))


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
@outbox_only
@permission_required("inspect")
def submit(location_id: int, version_id: int):
    """The outbox's submit, answered in JSON."""
    location, version, key, result = _submitted(location_id, version_id)
    if "form" in result.errors:
        return error_response(result.status, detail=result.errors["form"])
    return _submit_ack(result)


@bp.post(f"{PREFIX}/form")
@login_required
@permission_required("inspect")
def submit_form(location_id: int, version_id: int):
    """The checklist's own form, which a phone without JavaScript posts whole (progressive
    enhancement: scan/page.html), answered with pages."""
    location, version, key, result = _submitted(location_id, version_id)
    if "form" in result.errors:
        return error_response(result.status, detail=result.errors["form"])
    return _submit_page(location, version, key, result)


def _submitted(location_id: int, version_id: int):
    location, version, _item = _load_target(location_id, version_id)
    item_ids = {int(match.group(1)) for name in request.form if (match := ANSWER_FIELD.fullmatch(name))}
    seq = read_seq()
    given = {item_id: _answer_of(request.form, item_id, seq) for item_id in item_ids}
    key = draft_key(location, version, acted="completed_at")
    return location, version, key, submit_inspection(key, given)


def _submit_ack(result):
    """Submitted: where the inspection is. Not: what needs attention, by item (its answers are in the draft now)."""
    if result.ok:
        target = url_for("inspect.inspection_view", inspection_id=result.inspection.id)
        return ack(outbox_op(), inspection=result.inspection.id, url=target)
    errors = {item_id: str(message) for item_id, message in result.errors.items()}
    return json_error(422, "attention", attention_summary(len(errors)), errors=errors)


def _submit_page(location, version, key, result):
    """Without JavaScript: the inspection's page, or the checklist again with what needs attention."""
    if result.ok:
        return go_to(url_for("inspect.inspection_view", inspection_id=result.inspection.id))
    page = scan_page(current_user, location, refused=version, answers=result.snapshots)
    opened = request.form.get("opened", "")
    html = render_template("scan/page.html", page=page, errors=result.errors, client_id=key.client_id, opened=opened)
    return make_response(html, 422)


@bp.get("/inspections/<int:inspection_id>")
@login_required
def inspection_view(inspection_id: int):
    inspection = load(Inspection, inspection_id)
    if inspection.status == "draft" and inspection.inspector_id != current_user.id:
        return error_response(404)
    answers, items = answers_by_item(inspection), items_of(inspection.checklist_version_id)
    findings, accepted = round_findings(items, answers, round_outcomes(inspection))
    flags = flags_of(inspection.id)
    return render_template(
        "inspections/view.html",
        flags=flags,
        **flag_context(flags),
        inspection=inspection,
        visit=visit_of(inspection),
        answers=answers,
        items=items,
        findings=findings,
        accepted=accepted,
        count=count_summary(inspection),
        everyone=sees_everyones(current_user),
    )
