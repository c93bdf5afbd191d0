"""A site's report for a day, a week or a month (/reports), and its printable daily report (/reports/daily).

For supervisors and administrators (rounds.review) of that site only: an unknown site is a 404,
another's a 403. The page is in the reader's language; the 日报 is in the site's, whoever prints it
(its toolbar, which does not print, stays in the reader's).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request, url_for
from flask_babel import force_locale, get_locale, gettext
from flask_login import current_user, login_required

from patrol.access import permission_required, visible_sites
from patrol.database import utcnow
from patrol.models import Site
from patrol.presenters import html_lang, site_language
from patrol.presenters import site_reports as words
from patrol.presenters.rounds import percent
from patrol.reporting.figures import site_report
from patrol.reporting.periods import KINDS, Period
from patrol.views.errors import error_response
from patrol.views.site_args import site_asked_or_first
from patrol.views.templating import render

bp = Blueprint("site_reports", __name__)
# Dates a report may be asked for: beyond these no site has records, and month arithmetic stays in range.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


class Unreadable(Exception):
    pass


def _day(site: Site, now) -> date:
    raw = request.args.get("date", "")
    if not raw:
        return now.astimezone(site.zone).date()
    try:
        day = date.fromisoformat(raw)
    except ValueError as error:
        raise Unreadable from error
    if not EARLIEST <= day <= LATEST:
        raise Unreadable
    return day


def _unreadable():
    return error_response(400, detail=gettext("That date cannot be read. Choose a day from the calendar."))


@bp.get("/reports")
@login_required
@permission_required("rounds.review")
def site_report_page():
    site, now = site_asked_or_first(), utcnow()
    kind = request.args.get("period", "day")
    if kind not in KINDS:
        kind = "day"
    try:
        period = Period.around(kind, _day(site, now))
    except Unreadable:
        return _unreadable()
    report = site_report(site, period, now)
    return render(
        "reports/site.html",
        site=site,
        report=report,
        view=words.report_view(report),
        words=words,
        percent=percent,
        kinds=words.PERIOD_WORDS,
        sites=visible_sites(current_user),
        links={
            "prev": url_for(".site_report_page", site=site.id, period=kind, date=period.before().first.isoformat()),
            "next": url_for(".site_report_page", site=site.id, period=kind, date=period.after().first.isoformat()),
            "daily": url_for(".daily_report", site=site.id, date=period.first.isoformat()),
        },
    )


@bp.get("/reports/daily")
@login_required
@permission_required("rounds.review")
def daily_report():
    site, now = site_asked_or_first(), utcnow()
    try:
        period = Period.around("day", _day(site, now))
    except Unreadable:
        return _unreadable()
    report = site_report(site, period, now)
    toolbar = {
        "back": gettext("Back to the report"),
        "back_url": url_for(".site_report_page", site=site.id, period="day", date=period.first.isoformat()),
        "print": gettext("Print"),
        "hint": gettext("The daily report prints on one A4 page, in the site's language."),
        "lang": html_lang(str(get_locale() or "zh_Hans")),
    }
    with force_locale(site_language(site)):
        return render_template(
            "reports/daily.html",
            site=site,
            report=report,
            view=words.report_view(report, paper=True),
            words=words,
            percent=percent,
            toolbar=toolbar,
        )
