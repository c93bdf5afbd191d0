"""Setup: locations — the list with label printing and export, one location's form, and importing a sheet."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_login import current_user

from patrol.access import load, require_site, site_ids_for, visible_sites
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Location, Site
from patrol.setup import import_uploads
from patrol.setup import location_admin as admin
from patrol.setup import location_import as sheet
from patrol.views.admin import Confirm, confirm_page, setup_blueprint
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import go_to, render
from patrol.vocabulary import LOCATION_KINDS

bp = setup_blueprint("admin_locations", __name__, "/admin/locations")
PAGE_SIZE = 30
# Beyond this many, a label link listing ids would be too long for a URL.
MAX_LABEL_IDS = 500
ACTIONS = {"deactivate": admin.deactivate_location, "reactivate": admin.reactivate_location}
DONE = {
    "deactivate": _l("The location is no longer in use. Its sticker now says so and can be taken down."),
    "reactivate": _l("The location is in use again."),
}


def _wanted(site_ids: set[int]) -> admin.LocationFilter:
    """The list's filter from the query string; anything unknown is dropped rather than refused."""
    args = request.args
    status = args.get("status", "active")
    return admin.LocationFilter(
        site_id=site if (site := arg_int("site")) in site_ids else None,
        kind=kind if (kind := args.get("kind")) in LOCATION_KINDS else None,
        building=args.get("building", "")[:60] or None,
        status=status if status in admin.STATUSES else "active",
        q=args.get("q", "").strip()[:60],
    )


def _label_args(site_ids: set[int], wanted: admin.LocationFilter) -> dict | None:
    """The label sheet's arguments for the filtered list: it filters by site only, so ids say the rest."""
    if wanted.status == "inactive":
        return None
    args = {"site": wanted.site_id}
    if wanted.kind or wanted.building is not None or wanted.q:
        ids = admin.location_ids(site_ids, replace(wanted, status="active"))  # only these get labels
        if not ids or len(ids) > MAX_LABEL_IDS:
            return None
        args["ids"] = ",".join(map(str, ids))
    return args


@bp.get("/")
def location_list():
    site_ids = site_ids_for(current_user)
    wanted = _wanted(site_ids)
    locations = admin.location_page(site_ids, wanted, number=arg_int("page", 1, maximum=MAX_PAGE), size=PAGE_SIZE)
    args = {key: value for key, value in vars(wanted).items() if value not in (None, "", "active")}
    args = {("site" if key == "site_id" else key): value for key, value in args.items()}
    return render(
        "admin/locations/list.html",
        "results",
        locations=locations,
        total=locations.total,
        wanted=wanted,
        args=args,
        sites=visible_sites(current_user),
        site_id=wanted.site_id,
        buildings=admin.buildings_on(site_ids, wanted.site_id),
        label_args=_label_args(site_ids, wanted),
    )


@bp.get("/export.csv")
def location_export():
    site_ids = site_ids_for(current_user)
    data = sheet.export_csv(admin.find_locations(site_ids, _wanted(site_ids)), str(get_locale()))
    return _csv(data, f"locations-{date.today():%Y%m%d}.csv")


def _csv(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _form(location: Location | None, values, errors=None, status: int = 200):
    """The location form, whole or (for htmx) just the block asked for."""
    block = "extras" if request.method == "GET" else "form"
    sites = [site for site in visible_sites(current_user) if not site.archived or site == getattr(location, "site", 0)]
    body = render(
        "admin/locations/form.html", block, location=location, values=values, errors=errors or {}, sites=sites
    )
    return make_response(body, status)


@bp.get("/new")
def location_new():
    return _form(None, {"kind": "floor", "site_id": request.args.get("site", "")} | request.args.to_dict())


@bp.post("/new")
def location_create():
    outcome = admin.create_location(current_user, request.form, site_ids_for(current_user))
    if not outcome.ok:
        return _form(None, request.form, outcome.errors, outcome.status)
    return go_to(
        url_for(".location_edit", location_id=outcome.value.id),
        _l("The location was created. Print its label and stick it up."),
    )


@bp.get("/<int:location_id>")
def location_edit(location_id: int):
    location = load(Location, location_id)
    return _form(location, admin.form_values(location) | request.args.to_dict())


@bp.post("/<int:location_id>")
def location_update(location_id: int):
    location = load(Location, location_id)
    outcome = admin.update_location(current_user, location, request.form, site_ids_for(current_user))
    if not outcome.ok:
        return _form(location, request.form, outcome.errors, outcome.status)
    return go_to(url_for(".location_edit", location_id=location.id), _l("The location was saved."))


def _confirm(location: Location, action: str, errors=None, status: int = 200):
    """What deactivating or reactivating does, and the button that does it."""
    name = location.name
    if action == "deactivate":
        ask = {
            "question": _l("Deactivate %(name)s?", name=name),
            "button": _l("Deactivate location"),
            "danger": True,
            "lines": [
                _l(
                    "Its inspections, photos and tasks are kept. Scanning its sticker will say the location is "
                    "no longer in use, and it leaves the location lists and label sheets."
                )
            ],
            "note": _l("You can reactivate it later."),
        }
    else:
        ask = {
            "question": _l("Reactivate %(name)s?", name=name),
            "button": _l("Reactivate location"),
            "lines": [_l("Its sticker works again and it can be inspected.")],
        }
    place = f" · {location.place}" if location.place else ""
    return confirm_page(
        Confirm(
            title=name,
            eyebrow=location.site.name + place,
            action=url_for(".location_change", location_id=location.id, action=action),
            cancel=url_for(".location_edit", location_id=location.id),
            **ask,
        ),
        errors,
        status,
    )


@bp.get("/<int:location_id>/<any(deactivate, reactivate):action>")
def location_confirm(location_id: int, action: str):
    return _confirm(load(Location, location_id), action)


@bp.post("/<int:location_id>/<any(deactivate, reactivate):action>")
def location_change(location_id: int, action: str):
    location = load(Location, location_id)
    outcome = ACTIONS[action](current_user, location)
    if not outcome.ok:
        return _confirm(location, action, outcome.errors, outcome.status)
    return go_to(url_for(".location_edit", location_id=location.id), DONE[action])


@bp.get("/<int:location_id>/reissue")
def location_reissue_moved(location_id: int):
    """Codes are re-issued on the location's QR page, where supervisors do it too: an old link goes there."""
    location = load(Location, location_id)
    return redirect(url_for("locations.location_view", location_id=location.id), 301)


def _uploads() -> Path:
    return Path(current_app.instance_path) / "imports"


def _import_page(errors=None, status: int = 200, values=None):
    sites = [site for site in visible_sites(current_user) if not site.archived]
    body = render("admin/locations/import.html", sites=sites, errors=errors or {}, values=values or request.args)
    return make_response(body, status)


@bp.get("/import")
def import_form():
    return _import_page()


@bp.get("/import/template.csv")
def import_template():
    return _csv(sheet.template_csv(str(get_locale())), "locations-template.csv")


@bp.post("/import")
def import_upload():
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    outcome = sheet.check_upload(site_ids_for(current_user), request.form.get("site_id", ""), data)
    if not outcome.ok:
        return _import_page(outcome.errors, outcome.status, request.form)
    upload_id = import_uploads.keep_upload(_uploads(), current_user, outcome.value.site, data, upload.filename or "")
    return redirect(url_for(".import_preview", upload_id=upload_id), 303)


def _kept(upload_id: str) -> tuple[dict, Site, bytes]:
    kept = import_uploads.kept_upload(_uploads(), upload_id, current_user)
    site = db.session.get(Site, kept[0]["site_id"]) if kept else None
    if site is None:
        abort(404)
    require_site(site.id)
    return kept[0], site, kept[1]


@bp.get("/import/<upload_id>")
def import_preview(upload_id: str):
    meta, site, data = _kept(upload_id)
    outcome = sheet.preview_import(site, data)
    if not outcome.ok:
        return _import_page(outcome.errors, outcome.status)
    return render("admin/locations/preview.html", preview=outcome.value, upload_id=upload_id, meta=meta, errors={})


@bp.post("/import/<upload_id>")
def import_commit(upload_id: str):
    meta, site, data = _kept(upload_id)
    outcome = sheet.commit_import(current_user, site, data, meta.get("filename", ""))
    if not outcome.ok:
        if outcome.value is None:
            return _import_page(outcome.errors, outcome.status)
        body = render(
            "admin/locations/preview.html", preview=outcome.value, upload_id=upload_id, meta=meta, errors=outcome.errors
        )
        return make_response(body, outcome.status)
    import_uploads.forget_upload(_uploads(), upload_id)
    count = len(outcome.value.rows)
    return go_to(
        url_for(".location_list", site=site.id),
        ngettext(
            "%(num)d location was imported. Print their labels below.",
            "%(num)d locations were imported. Print their labels below.",
            count,
        ),
    )
