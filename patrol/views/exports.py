"""Exports: asking for one (POST /exports, from the `export_offer` on a list's page), its page that waits
for it (polled by htmx every 2 s until it is ready or failed; a refresh link without JavaScript), its
download, and "my exports". Each export is its requester's alone: anyone else gets a 404.

The worker builds it (patrol.exports); no request ever writes a spreadsheet.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, request, send_file, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from patrol.access import can
from patrol.exports.jobs import export_dir, export_of, my_exports, request_export
from patrol.exports.writing import MEDIA_TYPES
from patrol.extensions import db
from patrol.outcome import Refused
from patrol.presenters import exports as words
from patrol.presenters.export_kinds import KINDS
from patrol.validation import client_id_or_none
from patrol.views.errors import error_response
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import go_to, render

bp = Blueprint("exports", __name__)
PAGE_SIZE = 20


@bp.app_template_global()
def new_client_id() -> str:
    """The id a page's export form carries: the same form sent twice is one export."""
    return str(uuid.uuid4())


@bp.post("/exports")
@login_required
def create():
    kind_name, _dot, fmt = request.form.get("export", "").partition(".")
    kind = KINDS.get(kind_name)
    client_id = client_id_or_none(request.form.get("client_id"))
    if kind is None or fmt not in kind.formats or client_id is None:
        abort(400)
    if kind.permission and not can(current_user, kind.permission):
        abort(403)
    try:
        params = kind.read_params(request.form, current_user)
    except Refused as refused:
        return error_response(refused.status, detail=refused.message)
    export = request_export(current_user, kind_name, fmt, params, str(get_locale()), client_id)
    db.session.commit()
    return go_to(url_for("exports.view", export_id=export.id))


def _own(export_id: int):
    export = export_of(current_user, export_id)
    if export is None:
        abort(404)
    return export


@bp.get("/exports/<int:export_id>")
@login_required
def view(export_id: int):
    export = _own(export_id)
    return render("exports/view.html", "status", export=export, kind=KINDS.get(export.kind), words=words)


@bp.get("/exports/<int:export_id>/download")
@login_required
def download(export_id: int):
    export = _own(export_id)
    if export.status != "ready":
        abort(404)
    path = export_dir() / export.stored_name
    if not export.stored_name or not path.is_file():
        abort(410)
    response = send_file(
        path, mimetype=MEDIA_TYPES[export.format], as_attachment=True, download_name=export.file_name, max_age=0
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/exports")
@login_required
def my_list():
    page = my_exports(
        current_user,
        number=arg_int("page", 1, maximum=MAX_PAGE),
        size=PAGE_SIZE,
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    return render("exports/list.html", page=page, kinds=KINDS, words=words)
