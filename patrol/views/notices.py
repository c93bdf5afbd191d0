"""The printable rectification notice (整改通知单): one task, or all open tasks of a unit or a site.

The notices are worded in their site's language, whoever prints them (as QR labels are): a supervisor
reading in English hands the contractor a notice in Chinese. The bar above them, which does not print,
stays in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, gettext, ngettext
from flask_login import current_user, login_required

from patrol.access import can, load, require_site
from patrol.extensions import db
from patrol.i18n import HTML_LANG
from patrol.i18n import lazy_gettext as _l
from patrol.models import Location, Site, Task
from patrol.paging import Page
from patrol.presenters import site_language
from patrol.tasks import notices as notice_service
from patrol.tasks.notice_issuing import REQUIREMENT_MAX, issue_notice
from patrol.views.errors import error_response
from patrol.views.request_guards import MAX_PAGE, arg_int
from patrol.vocabulary import NOTICE_ADDRESSEES

bp = Blueprint("notices", __name__)


@dataclass(frozen=True)
class Toolbar:
    """The screen-only bar above the notices, in the reader's language (`lang` is its HTML tag)."""

    lang: str
    back_url: str
    back: str
    print: str
    summary: str
    more: str = ""
    prev_url: str = ""
    next_url: str = ""
    prev: str = ""
    next: str = ""


def _managers_only() -> None:
    # A notice is handed to an owner or a contractor on the site's behalf: supervisors issue them.
    if not can(current_user, "tasks.supervise"):
        abort(403)


@dataclass(frozen=True)
class IssueForm:
    """The screen-only form above one notice, in the reader's language: whom it goes to, what it requires."""

    action: str
    addressee: str
    requirement: str
    options: list[tuple[str, str]]
    labels: dict[str, str]
    errors: dict[str, str]
    max_length: int = REQUIREMENT_MAX


def _issue_form(task: Task, notice, raw=None, errors=None) -> IssueForm:
    raw = raw or {}
    return IssueForm(
        action=url_for("notices.task_notice_issue", task_id=task.id),
        addressee=raw.get("addressee", notice.addressee),
        requirement=raw.get("requirement", notice.requirement),
        options=[(key, str(label)) for key, label in NOTICE_ADDRESSEES.items()],
        labels={
            "legend": gettext("Addressed to"),
            "requirement": gettext("Requirement (printed on the notice)"),
            "hint": gettext("It starts as the checklist item's standard. Write what must be done."),
            "save": gettext("Save the notice"),
        },
        errors={name: str(message) for name, message in (errors or {}).items()},
    )


@bp.get("/tasks/<int:task_id>/notice")
@login_required
def task_notice(task_id: int):
    task = load(Task, task_id)
    _managers_only()
    notice = notice_service.task_notice(task)
    summary = (
        gettext("Saved. One notice: print on A4.") if request.args.get("saved") else gettext("One notice. Print on A4.")
    )
    toolbar = _toolbar(url_for("task_page.task_view", task_id=task.id), gettext("Back to the task"), summary)
    return _render(task.site, [notice], toolbar, _issue_form(task, notice))


@bp.post("/tasks/<int:task_id>/notice")
@login_required
def task_notice_issue(task_id: int):
    task = load(Task, task_id)
    _managers_only()
    outcome = issue_notice(task, current_user, request.form)
    if "form" in outcome.errors:
        return error_response(outcome.status, detail=outcome.errors["form"])
    if not outcome.ok:
        notice = notice_service.task_notice(task)
        toolbar = _toolbar(
            url_for("task_page.task_view", task_id=task.id),
            gettext("Back to the task"),
            gettext("Not saved: see below."),
        )
        form = _issue_form(task, notice, request.form, outcome.errors)
        return _render(task.site, [notice], toolbar, form), outcome.status
    return redirect(url_for("notices.task_notice", task_id=task.id, saved=1), 303)


@bp.get("/notices")
@login_required
def notice_sheet():
    _managers_only()
    location_id, site_id = arg_int("location"), arg_int("site")
    location = load(Location, location_id) if location_id is not None else None
    site = location.site if location is not None else _site(site_id)
    if site is None:
        return error_response(
            400, detail=_l("Say whose notices to print: open them from a location's page or from the task board.")
        )
    if location is not None and site_id is not None and site_id != location.site_id:
        abort(404)
    page = notice_service.open_task_sheet(site, location, number=arg_int("page", 1, maximum=MAX_PAGE))
    if location is not None:
        back_url, back = url_for("locations.location_view", location_id=location.id), gettext("Back to the location")
    else:
        back_url, back = url_for("tasks.task_list", site=site.id), gettext("Back to the tasks")
    filters = {"site": site.id, "location": location_id}
    toolbar = _toolbar(back_url, back, _sheet_summary(page.total or 0), page, filters)
    return _render(site, page.rows, toolbar)


def _site(site_id: int | None) -> Site | None:
    if site_id is None:
        return None
    site = db.session.get(Site, site_id)
    if site is None:
        abort(404)
    require_site(site.id)
    return site


def _sheet_summary(total: int) -> str:
    if not total:
        return gettext("No open tasks here: there is nothing to print.")
    return ngettext(
        "%(num)d open task: one notice a page. Print on A4.",
        "%(num)d open tasks: one notice a page. Print on A4.",
        total,
    )


def _toolbar(back_url: str, back: str, summary: str, page: Page | None = None, filters: dict | None = None) -> Toolbar:
    locale = str(get_locale() or "zh_Hans")
    more = prev_url = next_url = ""
    if page is not None and (page.has_prev or page.has_next):
        first = (page.number - 1) * page.size + 1
        more = gettext(
            "This sheet holds notices %(first)d–%(last)d of %(total)d. Print it, then the next sheet.",
            first=first,
            last=first + len(page.rows) - 1,
            total=page.total or 0,
        )
        kept = {key: value for key, value in (filters or {}).items() if value is not None}
        prev_url = url_for("notices.notice_sheet", **kept, page=page.number - 1) if page.has_prev else ""
        next_url = url_for("notices.notice_sheet", **kept, page=page.number + 1) if page.has_next else ""
    return Toolbar(
        lang=HTML_LANG.get(locale, locale.replace("_", "-")),
        back_url=back_url,
        back=back,
        print=gettext("Print"),
        summary=summary,
        more=more,
        prev_url=prev_url,
        next_url=next_url,
        prev=gettext("Previous sheet"),
        next=gettext("Next sheet"),
    )


def _render(site: Site, notices: list, toolbar: Toolbar, form: IssueForm | None = None):
    """The notices in the site's language: every label, status, severity and title on them."""
    with force_locale(site_language(site)):
        return render_template("notices/sheet.html", site=site, notices=notices, toolbar=toolbar, form=form)
