"""Clearing a proof-of-presence flag on an inspection: a supervisor of its site, with a comment.

The inspection page lists its flags (templates/inspections/_flags.html); clearing one is a small form
on its row — htmx swaps the row, without JavaScript the form posts here and comes back to the page.
A refusal (no comment: 422; not a supervisor of the site: 403) comes back beside the form for htmx,
as an error page otherwise.
"""

from __future__ import annotations

from flask import Blueprint, abort, make_response, request, url_for
from flask_login import current_user, login_required

from patrol.access import load, site_ids_for
from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections import presence
from patrol.models import Inspection, PresenceFlag
from patrol.outcome import Refused
from patrol.presenters import presence as words
from patrol.views.errors import error_response
from patrol.views.templating import go_to, is_htmx, render_block

bp = Blueprint("presence", __name__)


def flag_context(flags: list[PresenceFlag]) -> dict:
    """What the flags' rows need: their words, the rules, and the other inspections they name."""
    return {
        "flag_words": words,
        "presence": presence,
        "linked": presence.linked_inspections(flags, site_ids_for(current_user)),
        "refused": None,
        "values": {},
    }


@bp.post("/inspections/<int:inspection_id>/flags/<int:flag_id>/clear")
@login_required
def clear(inspection_id: int, flag_id: int):
    inspection = load(Inspection, inspection_id)
    flag = db.session.get(PresenceFlag, flag_id)
    if flag is None or flag.inspection_id != inspection.id:
        abort(404)
    comment = request.form.get("comment", "")
    try:
        presence.clear(flag, current_user, comment, utcnow())
    except Refused as refused:
        db.session.rollback()
        if not is_htmx():
            return error_response(refused.status, detail=refused.message)
        context = flag_context([flag]) | {"refused": refused.message, "values": {"comment": comment}}
        body = render_block("inspections/_flags.html", "flag", flag=flag, site=inspection.location.site, **context)
        return make_response(body, refused.status)
    if is_htmx():
        context = flag_context([flag])
        return render_block("inspections/_flags.html", "flag", flag=flag, site=inspection.location.site, **context)
    return go_to(url_for("inspect.inspection_view", inspection_id=inspection.id, _anchor="flags"), words.DONE)
