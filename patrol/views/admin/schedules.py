"""Setup: patrol schedules (巡检计划). Administrators edit them; supervisors may read them."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect, request, url_for
from flask_login import current_user

from patrol import presenters
from patrol.access import load, readable, site_ids_for, visible_sites
from patrol.database import utcnow
from patrol.i18n import lazy_gettext as _l
from patrol.models import Schedule
from patrol.setup import schedules as service
from patrol.setup.occurrences import next_occurrences, schedule_locations
from patrol.validation import whole_number, whole_numbers
from patrol.views.admin import setup_blueprint
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import render
from patrol.vocabulary import LOCATION_KINDS, ROLES

bp = setup_blueprint("admin_schedules", __name__, "/admin/schedules")
PAGE_SIZE = 30
NOT_CARRIED = {"csrf_token", "location_search"}  # what the way back from inviting someone leaves out
DESCRIBE = {
    "recurrence": presenters.describe_recurrence,
    "locations": presenters.describe_locations,
    "responsible": presenters.describe_responsible,
    "days": presenters.weekday_names,
}


@bp.get("/")
@readable
def schedule_list():
    site_ids = site_ids_for(current_user)
    site_id = arg_int("site")
    site_id = site_id if site_id in site_ids else None
    q = request.args.get("q", "").strip()
    schedules = service.list_schedules(
        site_ids, site_id=site_id, search=q, number=arg_int("page", 1, maximum=MAX_PAGE), size=PAGE_SIZE
    )
    return render(
        "admin/schedules/list.html",
        "results",
        schedules=schedules,
        total=schedules.total,
        q=q,
        site_id=site_id,
        sites=visible_sites(current_user),
        describe=DESCRIBE,
    )


@bp.get("/<int:schedule_id>")
@readable
def schedule_view(schedule_id: int):
    schedule = load(Schedule, schedule_id)
    upcoming = next_occurrences(schedule, utcnow(), 5) if schedule.active else []
    return render(
        "admin/schedules/view.html",
        schedule=schedule,
        upcoming=upcoming,
        locations=schedule_locations(schedule),
        describe=DESCRIBE,
    )


@bp.get("/new")
def schedule_new():
    base = {**service.NEW_SCHEDULE_VALUES, "site": _first_open_site()}
    return _form(None, _values(request.args, base) if request.args else base, {})


@bp.post("/new")
def schedule_create():
    outcome = service.save_schedule(_values(request.form), actor=current_user, site_ids=site_ids_for(current_user))
    if not outcome.ok:
        return _form(None, _values(request.form), outcome.errors), outcome.status
    return redirect(url_for(".schedule_view", schedule_id=outcome.value.id), 303)


@bp.get("/<int:schedule_id>/edit")
def schedule_edit(schedule_id: int):
    schedule = load(Schedule, schedule_id)
    base = service.schedule_values(schedule)
    return _form(schedule, _values(request.args, base) if request.args else base, {})


@bp.post("/<int:schedule_id>/edit")
def schedule_update(schedule_id: int):
    schedule = load(Schedule, schedule_id)
    outcome = service.save_schedule(
        _values(request.form), actor=current_user, site_ids=site_ids_for(current_user), schedule=schedule
    )
    if not outcome.ok:
        return _form(schedule, _values(request.form), outcome.errors), outcome.status
    return redirect(url_for(".schedule_view", schedule_id=schedule.id), 303)


# A site with nobody on it: off to invite someone. The form is posted here (not saved: it may be half
# done); the way back carries what was typed, so the schedule form comes back as it was left.
@bp.post("/new/add-person")
def schedule_new_add_person():
    return _to_people(url_for(".schedule_new"))


@bp.post("/<int:schedule_id>/edit/add-person")
def schedule_edit_add_person(schedule_id: int):
    schedule = load(Schedule, schedule_id)
    return _to_people(url_for(".schedule_edit", schedule_id=schedule.id))


def _to_people(form_url: str):
    typed = [(key, value) for key, value in request.form.items(multi=True) if key not in NOT_CARRIED]
    back = f"{form_url}?{urlencode(typed)}"
    return redirect(url_for("admin_people.person_new", site=request.form.get("site", ""), next=back), 303)


@bp.post("/<int:schedule_id>/stop")
def schedule_stop(schedule_id: int):
    service.stop_schedule(load(Schedule, schedule_id), current_user)
    return redirect(url_for(".schedule_view", schedule_id=schedule_id), 303)


@bp.post("/<int:schedule_id>/restart")
def schedule_restart(schedule_id: int):
    service.restart_schedule(load(Schedule, schedule_id), current_user)
    return redirect(url_for(".schedule_view", schedule_id=schedule_id), 303)


def _values(source, base: dict | None = None) -> dict:
    """The submitted form (or a refresh's query) as raw strings, with its multi-valued fields as lists."""
    values = {**(base or {}), **source.to_dict()}
    values["weekdays"] = source.getlist("weekdays")
    values["locations"] = source.getlist("locations")
    return values


def _first_open_site() -> str:
    sites = [site for site in visible_sites(current_user) if not site.archived]
    return str(sites[0].id) if sites else ""


def _form(schedule: Schedule | None, values: dict, errors: dict):
    """The new/edit form, whole or (for htmx) just its block; what it offers depends on the chosen site."""
    site_id = whole_number(str(values.get("site", "")))
    site_id = site_id if site_id in site_ids_for(current_user) else None
    picked = whole_numbers(map(str, values.get("locations", [])))
    if schedule is None:
        title, action, refresh = _l("New schedule"), url_for(".schedule_create"), url_for(".schedule_new")
    else:
        title = _l("Edit schedule")
        action = url_for(".schedule_update", schedule_id=schedule.id)
        refresh = url_for(".schedule_edit", schedule_id=schedule.id)
    return render(
        "admin/schedules/form.html",
        "form",
        schedule=schedule,
        values=values,
        errors=errors,
        title=title,
        action=action,
        refresh=refresh,
        checklists=service.published_checklists(),
        sites=[site for site in visible_sites(current_user) if not site.archived or site.id == site_id],
        people=service.people_on(site_id),
        roles={role: ROLES[role] for role in service.RESPONSIBLE_ROLES},
        locations=service.pickable_locations(site_id, values.get("location_search", ""), picked),
        kinds=LOCATION_KINDS,
        picker_limit=service.PICKER_LIMIT,
        day_options=[(day, presenters.weekday_names([day])) for day in range(7)],
    )
