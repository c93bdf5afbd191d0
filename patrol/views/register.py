"""A model room's asset register: the register zone by zone, one item's changes, the history, an import.

Kept by supervisors and administrators (register.manage) of the room's site. Every change form carries
a client id and the version it was shown with (patrol.modelrooms.register_changes); a refused one shows
its page again with the reason beside the form, and the status that fits (422, 409, 404).
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, make_response, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.access import can, load
from patrol.database import end_reading, reads_first
from patrol.i18n import lazy_gettext as _l
from patrol.modelrooms import register_changes as changes
from patrol.modelrooms.register_import import MAX_ROWS, import_register
from patrol.modelrooms.register_pages import register_history, register_line, register_page
from patrol.models import Location
from patrol.outcome import Outcome, Refused
from patrol.photos.processing import PhotosBusy
from patrol.presenters import register as words
from patrol.setup.sheets import MAX_SHEET_BYTES
from patrol.tasks.photos import process_uploads, read_uploads
from patrol.validation import client_id_or_none, whole_number
from patrol.views.errors import error_response
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import go_to, render
from patrol.views.uploads import busy_response, decode_slots, decode_wait, photo_limits

bp = Blueprint("register", __name__)
LINE_FORMS = ("edit", "quantity", "retire")


def _room(location_id: int) -> Location:
    """The model room, if this person keeps registers on its site: 404 / 403 in plain words otherwise."""
    location = load(Location, location_id)
    if not can(current_user, "register.manage"):
        abort(403)
    if location.kind != "model_room":
        detail = _l("Only a model room has an asset register. Change this location's kind to model room first.")
        abort(error_response(404, _l("This location is not a model room"), detail))
    return location


def _change(location: Location, photo=None) -> changes.Change:
    return changes.Change(
        current_user._get_current_object(),
        client_id_or_none(request.form.get("client_id")),
        whole_number(request.form.get("version", ""), minimum=0),
        photo=photo,
        photo_dir=photo_limits().photo_dir,
    )


def _reference_photo(location: Location):
    """The reference photo sent with the form, checked and re-encoded (no transaction open meanwhile)."""
    limits = photo_limits()
    uploads = read_uploads(request.files, "photo", limits.max_bytes)[:1]
    zone = location.site.zone
    end_reading()
    if not uploads:
        return None
    return process_uploads(uploads, zone=zone, limits=limits, slots=decode_slots(), wait=decode_wait())[0]


def _page(location: Location, errors=None, values=None, status=200):
    context = {"page": register_page(location), "errors": errors or {}, "values": values or {}, "words": words}
    return make_response(render("rooms/register.html", client_id=str(uuid.uuid4()), **context), status)


@bp.get("/rooms/<int:location_id>/register")
@login_required
def register_view(location_id: int):
    return _page(_room(location_id))


@bp.post("/rooms/<int:location_id>/register/lines")
@reads_first
@login_required
def line_add(location_id: int):
    location = _room(location_id)
    try:
        done = changes.add_line(location, request.form, _change(location, _reference_photo(location)))
    except PhotosBusy:
        return busy_response()
    except Refused as refused:
        done = Outcome.fail({"photo": refused.message}, refused.status)
    if not done.ok:
        return _page(location, done.errors, request.form, done.status)
    return go_to(url_for("register.register_view", location_id=location.id), _l("The item is on the register."))


def _line_page(location: Location, asset_id: int, form: str | None = None, done: Outcome | None = None):
    line = register_line(location, asset_id)
    if line is None:
        abort(
            error_response(404, _l("Not on this register"), _l("This item is not on the room's register (any more)."))
        )
    context = {
        "location": location,
        "line": line,
        "approvers": changes.approvers_for(location),
        "words": words,
        "client_ids": {name: str(uuid.uuid4()) for name in LINE_FORMS},
        "failed": form,
        "errors": done.errors if done else {},
        "values": request.form if done else {},
    }
    return make_response(render_template("rooms/register_line.html", **context), done.status if done else 200)


@bp.get("/rooms/<int:location_id>/register/lines/<int:asset_id>")
@login_required
def line_view(location_id: int, asset_id: int):
    return _line_page(_room(location_id), asset_id)


@bp.post("/rooms/<int:location_id>/register/lines/<int:asset_id>/edit")
@reads_first
@login_required
def line_edit(location_id: int, asset_id: int):
    location = _room(location_id)
    try:
        done = changes.edit_line(location, asset_id, request.form, _change(location, _reference_photo(location)))
    except PhotosBusy:
        return busy_response()
    except Refused as refused:
        done = Outcome.fail({"photo": refused.message}, refused.status)
    return _after_line_change(location, asset_id, "edit", done, _l("The item was changed."))


@bp.post("/rooms/<int:location_id>/register/lines/<int:asset_id>/quantity")
@login_required
def line_quantity(location_id: int, asset_id: int):
    location = _room(location_id)
    done = changes.change_expected(location, asset_id, request.form, _change(location))
    return _after_line_change(location, asset_id, "quantity", done, _l("The expected quantity was changed."))


@bp.post("/rooms/<int:location_id>/register/lines/<int:asset_id>/retire")
@login_required
def line_retire(location_id: int, asset_id: int):
    location = _room(location_id)
    done = changes.retire_line(location, asset_id, request.form, _change(location))
    if done.ok:
        message = _l("The item is off the register; counts from now on leave it out.")
        return go_to(url_for("register.register_view", location_id=location.id), message)
    return _after_line_change(location, asset_id, "retire", done, None)


def _after_line_change(location: Location, asset_id: int, form: str, done: Outcome, message):
    if done.ok:
        return go_to(url_for("register.line_view", location_id=location.id, asset_id=asset_id), message)
    if done.status == 404:
        return _page(location, done.errors, {}, 404)
    return _line_page(location, asset_id, form, done)


@bp.post("/rooms/<int:location_id>/register/blind")
@login_required
def blind_toggle(location_id: int):
    location = _room(location_id)
    changes.set_blind_count(location, request.form.get("blind") == "1")
    message = (
        _l("Counts here now hide the expected numbers.")
        if location.blind_count
        else _l("Counts here now show the expected numbers.")
    )
    return go_to(url_for("register.register_view", location_id=location.id), message)


@bp.get("/rooms/<int:location_id>/register/history")
@login_required
def history(location_id: int):
    location = _room(location_id)
    entries = register_history(location, number=arg_int("page", 1, maximum=MAX_PAGE))
    return render("rooms/register_history.html", location=location, entries=entries, words=words)


def _import_page(location: Location, errors=None, result=None, status=200):
    context = {"location": location, "errors": errors or {}, "result": result, "max_rows": MAX_ROWS}
    context["shown_version"] = register_page(location).version
    return make_response(render_template("rooms/register_import.html", client_id=str(uuid.uuid4()), **context), status)


@bp.get("/rooms/<int:location_id>/register/import")
@login_required
def import_form(location_id: int):
    return _import_page(_room(location_id))


@bp.post("/rooms/<int:location_id>/register/import")
@login_required
def import_upload(location_id: int):
    location = _room(location_id)
    upload = request.files.get("file")
    data = upload.stream.read(MAX_SHEET_BYTES + 1) if upload else b""
    done = import_register(location, data, _change(location))
    if not done.ok:
        return _import_page(location, done.errors, done.value, done.status)
    message = _l("%(n)d items imported.", n=len(done.value.rows))
    return go_to(url_for("register.register_view", location_id=location.id), message)
