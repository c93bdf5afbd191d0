"""GET /c/<token>: the stable URL printed in every sticker's QR code."""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, make_response, render_template
from flask_login import current_user, login_required

from patrol.access import require_site
from patrol.i18n import lazy_gettext as _l
from patrol.inspections.scan import scan_page
from patrol.setup.locations import location_by_token
from patrol.setup.sites import site_accepts_inspections
from patrol.views.drafts import opened_stamp
from patrol.views.errors import error_response
from patrol.views.request_guards import arg_int

bp = Blueprint("scan", __name__)


@bp.get("/c/<token>")
@login_required
def scan(token: str):
    location = location_by_token(token)
    if location is None:
        return make_response(render_template("scan/invalid.html"), 404)
    require_site(location.site_id)
    if not site_accepts_inspections(location.site):
        return error_response(
            410, _l("This site is archived"), _l("Its records are kept, but no new inspections are taken here.")
        )
    if not location.active:
        return error_response(
            410,
            _l("This location is no longer in use"),
            _l("Its sticker can be taken down. Tell your supervisor if it should be patrolled."),
        )
    page = scan_page(
        current_user, location, arg_int("checklist"), resume_hours=current_app.config["PATROL_DRAFT_RESUME_HOURS"]
    )
    return render_template(
        "scan/page.html",
        page=page,
        errors={},
        client_id=page.draft.client_id if page.draft else str(uuid.uuid4()),
        opened=opened_stamp(location.id),
    )
