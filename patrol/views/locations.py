"""Locations and their QR codes: the list, one location, its images, re-issuing, and label sheets."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.access import load, permission_required, site_ids_for, visible_sites
from patrol.i18n import lazy_gettext as _l
from patrol.models import Location
from patrol.presenters import printed_label
from patrol.presenters.inspection_list import recent_at
from patrol.setup.locations import location_page, locations_on, reissue_code
from patrol.tasks.board import urgent_tasks_at
from patrol.validation import whole_numbers
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import flash_success, render
from qr import qr_png, qr_svg, scan_url

bp = Blueprint("locations", __name__)
PAGE_SIZE = 50


def public_scan_url(location: Location) -> str:
    # Outside the demo PATROL_BASE_URL is required at start: a sticker never encodes the Host header.
    base = current_app.config["PATROL_BASE_URL"] or request.url_root
    return scan_url(base, location.qr_token)


def _selection():
    """The locations named by ?site=, ?q= and ?ids= (comma-separated), on the user's sites."""
    # 0 is kept: the label form sends ids=0 so that ticking nothing selects nothing rather than everything.
    ids = whole_numbers([*request.args.get("ids", "").split(","), *request.args.getlist("id")], minimum=0)
    return locations_on(
        site_ids_for(current_user),
        site_id=arg_int("site"),
        search=request.args.get("q", "").strip()[:60],
        ids=ids or None,
    )


@bp.get("/locations")
@login_required
def location_list():
    locations = location_page(
        site_ids_for(current_user),
        site_id=arg_int("site"),
        search=request.args.get("q", "").strip()[:60],
        number=arg_int("page", 1, maximum=MAX_PAGE),
        size=PAGE_SIZE,
    )
    return render(
        "locations/list.html",
        "results",
        locations=locations,
        sites=visible_sites(current_user),
        site_id=arg_int("site"),
        q=request.args.get("q", ""),
    )


@bp.get("/locations/<int:location_id>")
@login_required
def location_view(location_id: int):
    location = load(Location, location_id)
    return render_template(
        "locations/view.html",
        location=location,
        url=public_scan_url(location),
        svg=qr_svg(public_scan_url(location)),
        open_tasks=urgent_tasks_at(location),
        recent=recent_at(current_user, location),
    )


QR_FORMATS = {"png": ("image/png", qr_png), "svg": ("image/svg+xml", qr_svg)}


@bp.get("/locations/<int:location_id>/qr.<any(png, svg):fmt>")
@login_required
def location_qr(location_id: int, fmt: str):
    location = load(Location, location_id)
    mimetype, render_qr = QR_FORMATS[fmt]
    return Response(
        render_qr(public_scan_url(location)),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="qr-{location.short_code}.{fmt}"'},
    )


@bp.post("/locations/<int:location_id>/reissue")
@login_required
@permission_required("qr.manage")
def location_reissue(location_id: int):
    reissue_code(load(Location, location_id), actor=current_user)
    flash_success(_l("A new code was issued. Print and stick the new label: the old one no longer works."))
    return redirect(url_for("locations.location_view", location_id=location_id), 303)


@bp.get("/labels")
@login_required
@permission_required("qr.manage")
def label_sheet():
    """Stickers worded in their site's language (not the printing browser's); the sheet's own
    instructions stay in the reader's."""
    labels = [(printed_label(location), qr_svg(public_scan_url(location))) for location in _selection()]
    return render_template("locations/labels.html", labels=labels)
