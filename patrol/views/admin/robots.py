"""Setup: the sites' group robots (WeCom, DingTalk) — add, test, turn off, remove — and failed messages.

Administrators only: the pages hold the robots' webhook addresses (masked as they are).
"""

from __future__ import annotations

from flask import make_response, render_template, request, url_for
from flask_login import current_user

from patrol.alerts.robots import (
    DELIVERY_ERRORS,
    DELIVERY_STATUSES,
    MIN_SEVERITIES,
    PROVIDERS,
    create_robot,
    delete_robot,
    failed_page,
    failed_total,
    masked_secret,
    masked_url,
    retry_delivery,
    robot_form_values,
    robot_page,
    send_test,
    set_active,
    site_choices,
)
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Delivery, Robot, Site
from patrol.validation import whole_number
from patrol.views.admin import setup_blueprint
from patrol.views.errors import error_response
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import go_to

bp = setup_blueprint("admin_robots", __name__, "/admin/robots")
PAGE_SIZE = 30


@bp.context_processor
def _words():
    return {
        "providers": PROVIDERS,
        "delivery_statuses": DELIVERY_STATUSES,
        "delivery_errors": DELIVERY_ERRORS,
        "min_severities": MIN_SEVERITIES,
        "masked_url": masked_url,
        "masked_secret": masked_secret,
    }


@bp.get("/")
def robot_list():
    site_id = whole_number(request.args.get("site", ""))
    site = db.session.get(Site, site_id) if site_id else None
    rows = robot_page(site_id=site.id if site else None, number=arg_int("page", 1, maximum=MAX_PAGE), size=PAGE_SIZE)
    return render_template("admin/robots/list.html", rows=rows, site=site, failed=failed_total())


def _form(values, errors=None, status: int = 200):
    page = render_template("admin/robots/form.html", values=values, errors=errors or {}, sites=site_choices())
    return make_response(page, status)


@bp.get("/new")
def robot_new():
    values = robot_form_values()
    values["site"] = request.args.get("site", "")
    return _form(values)


@bp.post("/new")
def robot_create():
    outcome = create_robot(current_user, request.form)
    if not outcome.ok:
        return _form(request.form, outcome.errors, outcome.status)
    return go_to(
        url_for(".robot_list", site=outcome.value.site_id),
        _l("The robot was added. Send it a test message to see that it reaches the group."),
    )


def _back() -> str:
    """Back to the list as it was filtered (the buttons send its site along)."""
    return url_for(".robot_list", site=whole_number(request.form.get("site", "")))


@bp.post("/<int:robot_id>/test")
def robot_test(robot_id: int):
    robot = db.get_or_404(Robot, robot_id)
    send_test(robot)
    return go_to(
        _back(),
        _l("A test message is on its way. Reload this page in a moment: “Last message” says whether it arrived."),
    )


@bp.post("/<int:robot_id>/off", defaults={"active": False})
@bp.post("/<int:robot_id>/on", defaults={"active": True})
def robot_switch(robot_id: int, active: bool):
    robot = db.get_or_404(Robot, robot_id)
    set_active(current_user, robot, active)
    message = _l("The robot posts alerts again.") if active else _l("The robot is turned off: it posts nothing.")
    return go_to(_back(), message)


@bp.post("/<int:robot_id>/delete")
def robot_delete(robot_id: int):
    robot = db.get_or_404(Robot, robot_id)
    back = _back()
    delete_robot(current_user, robot)
    return go_to(back, _l("The robot was removed."))


@bp.get("/failed")
def failed_list():
    rows = failed_page(number=arg_int("page", 1, maximum=MAX_PAGE), size=PAGE_SIZE)
    return render_template("admin/robots/failed.html", rows=rows)


@bp.post("/deliveries/<int:delivery_id>/retry")
def delivery_retry(delivery_id: int):
    delivery = db.get_or_404(Delivery, delivery_id)
    if delivery.status != "failed":
        return error_response(409, detail=_l("This message has not failed (any more): it needs no retry."))
    retry_delivery(delivery)
    return go_to(url_for(".failed_list"), _l("The message will be sent again."))
