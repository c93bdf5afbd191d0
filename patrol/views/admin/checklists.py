"""Setup: checklists — the list, a checklist's editor (its draft), publishing, versions and where it applies.

Administrators change them; supervisors may read the list, a checklist, its versions and assignments.
"""

from __future__ import annotations

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from patrol.access import readable, site_ids_for, visible_sites
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Checklist
from patrol.setup import checklist_assignments as where
from patrol.setup import checklist_editor as editor
from patrol.setup import checklist_settings as settings
from patrol.setup.checklists import items_of
from patrol.views.admin import setup_blueprint
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import go_to, is_htmx, render

bp = setup_blueprint("admin_checklists", __name__, "/admin/checklists")
PAGE_SIZE = 30
EDITOR = "admin/checklists/view.html"
ASSIGNMENTS = "admin/checklists/assignments.html"


def _checklist(checklist_id: int) -> Checklist:
    return db.get_or_404(Checklist, checklist_id)


@bp.get("/")
@readable
def checklist_list():
    q = request.args.get("q", "").strip()[:60]
    rows = where.checklist_rows(
        q, site_ids_for(current_user), number=arg_int("page", 1, maximum=MAX_PAGE), size=PAGE_SIZE
    )
    return render("admin/checklists/list.html", "results", rows=rows, total=rows.total, q=q)


def _new_page(values, errors=None, status: int = 200):
    """The form for a new checklist: a name, and what to start from (nothing, or a catalogue checklist)."""
    starts = [("", _l("An empty checklist"))] + [
        (code, _l("Catalogue: %(name)s", name=label)) for code, (label, _items) in editor.STARTS.items()
    ]
    page = render_template("admin/checklists/new.html", starts=starts, values=values, errors=errors or {})
    return make_response(page, status)


@bp.get("/new")
def checklist_new():
    return _new_page({})


@bp.post("/new")
def checklist_create():
    outcome = editor.create_checklist(current_user, request.form)
    if not outcome.ok:
        return _new_page(request.form, outcome.errors, outcome.status)
    return redirect(url_for(".checklist_view", checklist_id=outcome.value.id), 303)


def _editor(checklist: Checklist, *, status: int = 200, editing=None, errors=None):
    """The checklist's page, or for htmx just its editor; `editing` names the item whose form is open."""
    state = editor.editor_state(checklist)
    placements = where.placements_of([checklist.id], site_ids_for(current_user)).get(checklist.id, [])
    body = render(
        EDITOR,
        "items",
        state=state,
        placements=placements,
        editing=editing,
        errors=errors or {},
        sent=request.form if errors else None,
        form_values=editor.form_values,
        new_item=editor.NEW_ITEM,
    )
    return make_response(body, status)


def _after_change(checklist: Checklist, outcome, *, editing=None):
    if outcome.ok and not is_htmx():
        return redirect(url_for(".checklist_view", checklist_id=checklist.id, _anchor="items"), 303)
    if outcome.ok:
        return _editor(checklist)
    return _editor(checklist, status=outcome.status, editing=editing, errors=outcome.errors)


@bp.get("/<int:checklist_id>")
@readable
def checklist_view(checklist_id: int):
    return _editor(_checklist(checklist_id))


@bp.post("/<int:checklist_id>/name")
def checklist_rename(checklist_id: int):
    checklist = _checklist(checklist_id)
    return _after_change(
        checklist, editor.rename_checklist(checklist, request.form, actor=current_user), editing="name"
    )


@bp.post("/<int:checklist_id>/minimum")
def checklist_minimum(checklist_id: int):
    checklist = _checklist(checklist_id)
    return _after_change(
        checklist, settings.set_minimum(checklist, request.form, actor=current_user), editing="minimum"
    )


@bp.post("/<int:checklist_id>/copy")
def checklist_copy(checklist_id: int):
    source = _checklist(checklist_id)
    outcome = editor.copy_checklist(current_user, source)
    if not outcome.ok:
        return _editor(source, status=outcome.status, errors=outcome.errors)
    return redirect(url_for(".checklist_view", checklist_id=outcome.value.id), 303)


@bp.post("/<int:checklist_id>/publish")
def checklist_publish(checklist_id: int):
    checklist = _checklist(checklist_id)
    outcome = editor.publish_draft(current_user, checklist)
    if not outcome.ok:
        return _editor(checklist, status=outcome.status, errors=outcome.errors)
    return go_to(
        url_for(".checklist_view", checklist_id=checklist.id),
        _l(
            "Version %(number)d is published. New scans use it; past inspections keep showing their own version.",
            number=outcome.value.number,
        ),
    )


@bp.post("/<int:checklist_id>/discard")
def draft_discard(checklist_id: int):
    checklist = _checklist(checklist_id)
    return _after_change(checklist, editor.discard_draft(checklist, actor=current_user))


@bp.post("/<int:checklist_id>/items")
def item_create(checklist_id: int):
    checklist = _checklist(checklist_id)
    return _after_change(checklist, editor.add_item(checklist, request.form), editing="new")


@bp.post("/<int:checklist_id>/items/<int:item_id>")
def item_update(checklist_id: int, item_id: int):
    checklist = _checklist(checklist_id)
    return _after_change(checklist, editor.update_item(checklist, item_id, request.form), editing=item_id)


@bp.post("/<int:checklist_id>/items/<int:item_id>/move")
def item_move(checklist_id: int, item_id: int):
    checklist = _checklist(checklist_id)
    direction = "up" if request.form.get("direction") == "up" else "down"
    return _after_change(checklist, editor.move_item(checklist, item_id, direction))


@bp.post("/<int:checklist_id>/items/<int:item_id>/remove")
def item_remove(checklist_id: int, item_id: int):
    checklist = _checklist(checklist_id)
    return _after_change(checklist, editor.remove_item(checklist, item_id))


@bp.get("/<int:checklist_id>/versions")
@readable
def version_list(checklist_id: int):
    checklist = _checklist(checklist_id)
    return render_template(
        "admin/checklists/versions.html",
        checklist=checklist,
        history=where.version_history(checklist),
        draft=editor.draft_of(checklist),
    )


@bp.get("/<int:checklist_id>/versions/<int:number>")
@readable
def version_view(checklist_id: int, number: int):
    checklist = _checklist(checklist_id)
    version = where.published_version(checklist, number) or abort(404)
    return render_template(
        "admin/checklists/version.html", checklist=checklist, version=version, items=items_of(version.id)
    )


def _assignments(checklist: Checklist, *, status: int = 200, errors=None):
    """Where the checklist applies, and (for htmx) just the location picker of the chosen site."""
    sites = [site for site in visible_sites(current_user) if not site.archived]
    site_id = arg_int("site", source=request.values)
    site_id = site_id if site_id in {site.id for site in sites} else sites[0].id if len(sites) == 1 else None
    q = request.values.get("q", "").strip()[:60]
    body = render(
        ASSIGNMENTS,
        "picker",
        checklist=checklist,
        sites=sites,
        site_id=site_id,
        q=q,
        placements=where.placements_of([checklist.id], site_ids_for(current_user)).get(checklist.id, []),
        picks=where.pickable_locations(checklist, site_id, q) if site_id else [],
        errors=errors or {},
        sent=request.form,
    )
    return make_response(body, status)


def _assigned(checklist: Checklist, outcome):
    if not outcome.ok:
        return _assignments(checklist, status=outcome.status, errors=outcome.errors)
    return redirect(url_for(".assignment_list", checklist_id=checklist.id, site=request.form.get("site") or None), 303)


@bp.get("/<int:checklist_id>/assignments")
@readable
def assignment_list(checklist_id: int):
    return _assignments(_checklist(checklist_id))


@bp.post("/<int:checklist_id>/assignments/kind")
def assignment_kind(checklist_id: int):
    checklist = _checklist(checklist_id)
    return _assigned(checklist, where.assign_to_kind(current_user, checklist, request.form, site_ids_for(current_user)))


@bp.post("/<int:checklist_id>/assignments/locations")
def assignment_locations(checklist_id: int):
    checklist = _checklist(checklist_id)
    return _assigned(
        checklist,
        where.assign_to_locations(
            current_user, checklist, request.form.getlist("location"), site_ids_for(current_user)
        ),
    )


@bp.post("/<int:checklist_id>/assignments/<int:assignment_id>/remove")
def assignment_remove(checklist_id: int, assignment_id: int):
    checklist = _checklist(checklist_id)
    return _assigned(checklist, where.unassign(current_user, checklist, assignment_id, site_ids_for(current_user)))
