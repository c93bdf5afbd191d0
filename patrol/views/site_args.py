"""The site a review page is asked for in its query string (?site=), checked against the reader's sites."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from patrol.access import require_site, visible_sites
from patrol.extensions import db
from patrol.models import Site
from patrol.validation import whole_number


def site_asked() -> Site | None:
    """The site ?site= names: None when none is named, 404 if there is no such site, 403 if it is not
    one of the reader's."""
    raw = request.args.get("site", "")
    if not raw:
        return None
    site_id = whole_number(raw)
    site = db.session.get(Site, site_id) if site_id else None
    if site is None:
        abort(404)
    require_site(site.id)
    return site


def site_asked_or_first() -> Site:
    """The site ?site= names, else the first the reader may see (404 when they may see none)."""
    site = site_asked()
    if site is not None:
        return site
    sites = visible_sites(current_user)
    if not sites:
        abort(404)
    return sites[0]
