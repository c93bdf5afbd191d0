"""Past rounds: the list of submitted inspections, filtered and paged (one inspection's page is in inspect).

Supervisors and administrators see everyone's rounds on their sites; butlers and stewards their own
(patrol/inspections/filters.py). The filters are the link's arguments: a change reloads only the
results (htmx), and the same form works without JavaScript.
"""

from __future__ import annotations

from flask import Blueprint, make_response, request, url_for
from flask_login import current_user, login_required

from patrol.access import site_ids_for, visible_sites
from patrol.inspections.filters import InspectionFilter
from patrol.inspections.listing import inspection_page
from patrol.presenters.inspection_list import list_context
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.templating import is_htmx, render

bp = Blueprint("history", __name__)
PAGE_SIZE = 30


@bp.get("/inspections")
@login_required
def inspection_list():
    wanted = InspectionFilter.from_args(request.args, current_user)
    rows = inspection_page(
        site_ids_for(current_user),
        wanted,
        number=arg_int("page", 1, maximum=MAX_PAGE),
        size=PAGE_SIZE,
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    context = list_context(current_user, wanted, visible_sites(current_user))
    response = make_response(render("inspections/list.html", "results", rows=rows, **context))
    if is_htmx():  # the address bar shows the filters as a link would, not every empty field of the form
        response.headers["HX-Push-Url"] = url_for("history.inspection_list", **wanted.to_args())
    return response
