"""The supervisor's rounds: the missed rounds to account for, and one site's day as a grid.

- /rounds/missed: the missed rounds of the reader's sites, newest first (a site, a day, or the last
  days), each with its disposition; explaining and excusing one are small htmx forms on its row. A
  refusal (no comment: 422) comes back as the row with the reason beside its form.
- /rounds/grid: one site's day, locations × time slots, under the day's coverage figure.
Both are for supervisors and administrators (rounds.review), and only for their own sites.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, make_response, request, url_for
from flask_login import current_user, login_required

from patrol.access import load, permission_required, site_ids_for, visible_sites
from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import ExpectedVisit
from patrol.outcome import Refused
from patrol.presenters import presence as flag_words
from patrol.presenters import rounds as words
from patrol.presenters.times import zone_of
from patrol.rounds import dispositions
from patrol.rounds.coverage import coverage, total
from patrol.rounds.review import CELL_STATES, day_grid, missed_query, missed_rounds
from patrol.validation import iso_day
from patrol.views.errors import error_response
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.site_args import site_asked, site_asked_or_first
from patrol.views.templating import go_to, is_htmx, render, render_block

bp = Blueprint("rounds", __name__)
PAGE_SIZE = 30
ACTIONS = {"explain": dispositions.explain, "excuse": dispositions.excuse}


@bp.get("/rounds/missed")
@login_required
@permission_required("rounds.review")
def missed_list():
    site, day = site_asked(), iso_day(request.args.get("day"))
    today = utcnow().astimezone(zone_of(site)).date()
    query = missed_query(site_ids_for(current_user), site_id=site.id if site else None, day=day, today=today)
    page = missed_rounds(
        query,
        number=arg_int("page", 1, maximum=MAX_PAGE),
        size=PAGE_SIZE,
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    args = {"site": site.id if site else None, "day": day.isoformat() if day else None}
    context = {"page": page, "site": site, "day": day, "args": args, "sites": visible_sites(current_user)}
    return render("rounds/missed.html", "results", **context, **_row_context())


def _row_context() -> dict:
    return {"words": words, "dispositions": dispositions, "refused": None, "values": {}}


@bp.post("/rounds/missed/<int:visit_id>/<any(explain, excuse):action>")
@login_required
@permission_required("rounds.review")
def missed_act(visit_id: int, action: str):
    """Explain or excuse one missed round; the row as it is now (htmx), or back to the list."""
    visit = load(ExpectedVisit, visit_id)
    try:
        ACTIONS[action](visit, current_user, request.form.get("note", ""), utcnow())
    except Refused as refused:
        db.session.rollback()
        if not is_htmx():
            return error_response(refused.status, detail=refused.message)
        context = _row_context() | {
            "refused": {"action": action, "message": refused.message},
            "values": {"note": request.form.get("note", "")},
        }
        return make_response(render_block("rounds/_missed_row.html", "row", visit=visit, **context), refused.status)
    if is_htmx():
        return render_block("rounds/_missed_row.html", "row", visit=visit, saved=action, **_row_context())
    back = url_for("rounds.missed_list", site=visit.site_id, day=visit.local_day.isoformat())
    return go_to(back, words.DONE[action])


@bp.get("/rounds/grid")
@login_required
@permission_required("rounds.review")
def grid():
    site = site_asked_or_first()
    now = utcnow()
    day = iso_day(request.args.get("day")) or now.astimezone(site.zone).date()
    grid = day_grid(site, day, now, page=arg_int("page", 1, maximum=MAX_PAGE))
    figure = total(coverage({site.id}, day, day, now))
    return render(
        "rounds/grid.html",
        site=site,
        day=day,
        grid=grid,
        figure=figure,
        states=CELL_STATES,
        words=words,
        flag_words=flag_words,
        sites=visible_sites(current_user),
        days={"prev": (day - timedelta(days=1)).isoformat(), "next": (day + timedelta(days=1)).isoformat()},
    )
