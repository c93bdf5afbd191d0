"""Setup: a site's deduction rules for staff scores — points per kind of lapse (administrators only)."""

from __future__ import annotations

from flask import make_response, request, url_for
from flask_login import current_user

from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Site
from patrol.scores.rules import POINTS, rules_form_values, save_rules
from patrol.views.admin import setup_blueprint
from patrol.views.templating import go_to, render

bp = setup_blueprint("admin_deductions", __name__, "/admin/sites")


def _form(site: Site, values, errors=None, status: int = 200):
    body = render("admin/sites/deductions.html", "form", site=site, values=values, errors=errors or {}, points=POINTS)
    return make_response(body, status)


@bp.get("/<int:site_id>/deductions")
def rules_edit(site_id: int):
    site = db.get_or_404(Site, site_id)
    return _form(site, rules_form_values(site))


@bp.post("/<int:site_id>/deductions")
def rules_update(site_id: int):
    site = db.get_or_404(Site, site_id)
    outcome = save_rules(current_user, site, request.form)
    if not outcome.ok:
        return _form(site, request.form, outcome.errors, outcome.status)
    return go_to(url_for("admin_sites.site_edit", site_id=site.id), _l("The deduction rules were saved."))
