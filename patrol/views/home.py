"""The home page: what this person should do or look at next."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from patrol.access import can, site_ids_for
from patrol.database import utcnow
from patrol.i18n import lazy_gettext as _l
from patrol.presenters.home import guard_home, home_counters, room_cards
from patrol.presenters.inspection_list import today_rounds
from patrol.presenters.my_rounds import my_rounds_view
from patrol.rounds.due import rounds_for
from patrol.setup.locations import location_by_short_code, locations_on
from patrol.tasks.board import list_tasks
from patrol.tasks.rules import visible_site_ids
from patrol.views.errors import error_response

bp = Blueprint("home", __name__)
SHORT_LIST = 10


@bp.get("/")
@login_required
def index():
    if can(current_user, "handover.take"):  # night security: their rooms and the handovers waiting for them
        return render_template("home/guard.html", home=guard_home(current_user))
    site_ids = visible_site_ids(current_user)
    supervising = can(current_user, "tasks.supervise")
    counters = home_counters(current_user)
    by_key = {counter.key: counter for counter in counters}
    now = utcnow()
    rounds = rounds_for(current_user, now)
    # The short lists are the first rows of the lists their counters open.
    context = {
        "room_cards": room_cards(current_user, rounds, now),
        "rounds": my_rounds_view(rounds, now),
        "today": today_rounds(current_user, SHORT_LIST),
        "counters": counters,
        "mine": by_key["mine"],
        "my_tasks": list_tasks(site_ids, by_key["mine"].wanted, limit=SHORT_LIST),
    }
    if supervising:
        context["all_open"] = by_key["open"]
        context["open_tasks"] = list_tasks(site_ids, by_key["open"].wanted, limit=SHORT_LIST)
    else:
        context["locations"] = locations_on(site_ids, limit=200)
    return render_template("home/index.html", supervising=supervising, **context)


@bp.post("/go")
@login_required
def go_to_code():
    """Typing the short code printed under a sticker's QR code, when the camera cannot read it."""
    location = location_by_short_code(request.form.get("code", ""))
    if location is None or location.site_id not in site_ids_for(current_user):
        return error_response(
            404, _l("No location has that code"), _l("Check the six characters under the QR code and try again.")
        )
    return redirect(url_for("scan.scan", token=location.qr_token), 303)
