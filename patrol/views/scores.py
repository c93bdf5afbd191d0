"""Staff scores (考核): a site's month per person, and one person's lapses behind their deductions.

- /scores?site=&month=YYYY-MM: everyone on the site with 100 less their deductions, and the lapses
  that count to nobody by name apart; the months before and after; printable on A4.
- /scores/<user_id>?site=&month=: that person's lapses, each linking the round or task behind it.
- /scores/unassigned?site=&month=: the lapses that count to nobody by name.
For supervisors and administrators (rounds.review), of their own sites only.
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user, login_required
from sqlalchemy import select

from patrol.access import permission_required, visible_sites
from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Site, User, user_sites
from patrol.presenters import scores as words
from patrol.scores.month import Month
from patrol.scores.person import person_month
from patrol.scores.table import month_table
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.views.site_args import site_asked_or_first
from patrol.views.templating import render

bp = Blueprint("scores", __name__)
PAGE_SIZE = 100  # a printed page of lapses: a month of one person's fits in one or two


def _month(site: Site, now) -> Month:
    """The month asked for, or the current one on the site's clock."""
    return Month.parse(request.args.get("month")) or Month.of(now, site.zone)


def _months(month: Month) -> dict:
    return {"prev": str(month.previous), "next": str(month.next)}


@bp.get("/scores")
@login_required
@permission_required("rounds.review")
def table():
    site, now = site_asked_or_first(), utcnow()
    month = _month(site, now)
    scores = month_table(site, month, now)
    return render(
        "scores/table.html",
        table=scores,
        site=site,
        month=month,
        months=_months(month),
        sites=visible_sites(current_user),
        words=words,
    )


def _person_month(site: Site, month: Month, now, who: int | None):
    return person_month(site, month, now, who, number=arg_int("page", 1, maximum=MAX_PAGE), size=PAGE_SIZE)


@bp.get("/scores/<int:user_id>")
@login_required
@permission_required("rounds.review")
def person(user_id: int):
    site, now = site_asked_or_first(), utcnow()
    month = _month(site, now)
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    found = _person_month(site, month, now, person.id)
    member = select(user_sites.c.user_id).where(user_sites.c.user_id == person.id, user_sites.c.site_id == site.id)
    if not found.lapses.total and db.session.scalar(member) is None:
        abort(404)  # someone with nothing to do with this site: not listed, not shown
    return _lapses_page(site, month, found, person)


@bp.get("/scores/unassigned")
@login_required
@permission_required("rounds.review")
def unassigned():
    site, now = site_asked_or_first(), utcnow()
    month = _month(site, now)
    return _lapses_page(site, month, _person_month(site, month, now, None), None)


def _lapses_page(site: Site, month: Month, found, person: User | None):
    endpoint, args = ("scores.person", {"user_id": person.id}) if person else ("scores.unassigned", {})
    return render(
        "scores/person.html",
        site=site,
        month=month,
        months=_months(month),
        found=found,
        page=found.lapses,
        person=person,
        lines=[words.lapse_line(lapse) for lapse in found.lapses],
        endpoint=endpoint,
        args=args | {"site": site.id, "month": str(month)},
        words=words,
    )
