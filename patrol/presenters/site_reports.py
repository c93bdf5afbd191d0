"""How a site's report reads: its period, its figures in words, and its charts (patrol.presenters.charts).

The figures come from patrol.reporting; only their wording, the local dates and the charts' shapes
are decided here. The 日报 is this, rendered in the site's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.dates import format_date, format_skeleton
from flask_babel import get_locale, gettext, ngettext

from patrol.i18n import lazy_gettext as _l
from patrol.i18n import lazy_pgettext
from patrol.presenters.charts import BarChart, ColumnChart, bar_chart, share_columns
from patrol.presenters.rounds import percent
from patrol.presenters.times import localtime
from patrol.vocabulary import LOCATION_KINDS, ROLES

PAPER_ITEMS = 5  # the checklist items the 日报's findings chart names: room for them on its one page
# The period a report covers, as its picker offers it ("按日", not the "日期" of a date field).
PERIOD_WORDS = {
    "day": lazy_pgettext("report period", "Day"),
    "week": lazy_pgettext("report period", "Week"),
    "month": lazy_pgettext("report period", "Month"),
}
OUTCOME_WORDS = {
    "on_time": _l("On time"),
    "late": _l("Late"),
    "made_up": _l("Made up"),
    "missed": _l("Missed"),
}


def _locale() -> str:
    return str(get_locale() or "zh_Hans")


def period_title(period) -> str:
    """ "2026年3月2日 星期一", "2026年3月2日 – 3月8日", "2026年3月" in the reader's language."""
    locale = _locale()
    if period.kind == "day":
        return format_date(period.first, "full", locale=locale)
    if period.kind == "month":
        return format_skeleton("yMMMM", period.first, locale=locale)
    return gettext(
        "%(first)s – %(last)s",
        first=format_date(period.first, "medium", locale=locale),
        last=format_date(period.last, "medium", locale=locale),
    )


def minutes(seconds: float | None) -> str:
    """A report's duration to the minute: "25 min", "1 h 32 min"; "—" when there is none."""
    if seconds is None:
        return "—"
    hours, mins = divmod(round(seconds / 60), 60)
    if hours:
        return gettext("%(h)d h %(m)d min", h=hours, m=mins)
    return gettext("%(m)d min", m=mins)


def share(part: int, whole: int) -> str:
    return percent(part / whole if whole else None)


@dataclass(frozen=True)
class ReportView:
    title: str
    period: str
    generated: str
    coverage_chart: BarChart
    days_chart: ColumnChart | None
    items_chart: BarChart
    kinds_chart: BarChart
    response_chart: BarChart
    close_chart: BarChart
    promise: str
    response_line: str
    close_line: str
    reopen_line: str


def report_view(report, *, paper: bool = False) -> ReportView:
    """The report in words and charts. On `paper` (the 日报's one A4 page) the charts are compact and
    the findings chart names the PAPER_ITEMS most frequent checklist items, the rest added up."""
    site = report.site
    return ReportView(
        title=gettext("Report: %(site)s", site=site.name),
        period=period_title(report.period),
        generated=gettext("As of %(time)s", time=localtime(report.now, site)),
        coverage_chart=_coverage_chart(report.coverage, paper),
        days_chart=_days_chart(report) if len(report.period.days) > 1 else None,
        items_chart=_items_chart(report, PAPER_ITEMS if paper else None, paper),
        kinds_chart=bar_chart(
            "kinds",
            gettext("Findings by kind of location"),
            [(str(LOCATION_KINDS.get(kind, kind)), n, str(n), "tone-finding") for kind, n in report.findings_by_kind],
            (gettext("Kind of location"), gettext("Findings")),
            compact=paper,
        ),
        response_chart=_time_chart(
            "response", gettext("Time to first response"), report.response, site.first_response_minutes * 60
        ),
        close_chart=_time_chart("close", gettext("Time to close"), report.close, None),
        promise=ngettext(
            "The site's promise: a first response within %(num)d minute.",
            "The site's promise: a first response within %(num)d minutes.",
            site.first_response_minutes,
        ),
        response_line=_response_line(report.tasks),
        **_closing_lines(report.tasks),
    )


def _closing_lines(tasks) -> dict[str, str]:
    """On-time closes and the reopen rate, or, when nothing was closed, one line that says so (a rate
    of nothing would read "— —— 0 of 0")."""
    if not tasks.closed:
        return {"close_line": gettext("No task was closed in this period."), "reopen_line": ""}
    return {
        "close_line": gettext(
            "Closed on time: %(on_time)d of %(closed)d (%(share)s).",
            on_time=tasks.closed_on_time,
            closed=tasks.closed,
            share=share(tasks.closed_on_time, tasks.closed),
        ),
        "reopen_line": gettext(
            "Reopen rate: %(rate)s — %(reopened)d of %(closed)d closed tasks had a fix sent back.",
            rate=percent(tasks.reopen_rate),
            reopened=tasks.closed_reopened,
            closed=tasks.closed,
        ),
    }


def _coverage_chart(figure, compact: bool) -> BarChart:
    rows = [
        (str(OUTCOME_WORDS[name]), getattr(figure, name), str(getattr(figure, name)), f"tone-{name}")
        for name in OUTCOME_WORDS
    ]
    headers = (gettext("Outcome"), gettext("Rounds"))
    return bar_chart("coverage", gettext("Rounds by outcome"), rows, headers, compact=compact)


def _days_chart(report) -> ColumnChart:
    by_day = {group.key[0]: group for group in report.coverage_by_day}
    rows = []
    for day in report.period.days:
        group = by_day.get(day)
        rate = group.rate if group else None
        label = format_date(day, "medium", locale=_locale())
        shown = (
            percent(rate)
            if group is None
            else gettext(
                "%(rate)s (%(on_time)d of %(counted)d)",
                rate=percent(rate),
                on_time=group.on_time,
                counted=group.counted,
            )
        )
        rows.append((label, str(day.day), rate, shown))
    return share_columns("days", gettext("Coverage by day"), rows, (gettext("Day"), gettext("Coverage")))


def _items_chart(report, top: int | None, compact: bool) -> BarChart:
    named = report.findings_by_item[:top] if top else report.findings_by_item
    other = report.other_items + sum(n for _prompt, n in report.findings_by_item[len(named) :])
    rows = [(prompt, n, str(n), "tone-finding") for prompt, n in named]
    if other:
        rows.append((gettext("Other items"), other, str(other), "tone-other"))
    headers = (gettext("Checklist item"), gettext("Findings"))
    return bar_chart("items", gettext("Findings by checklist item"), rows, headers, compact=compact)


def _time_chart(key: str, title: str, spread, promise_seconds: int | None) -> BarChart:
    rows = [
        (gettext("Median"), spread.median or 0, minutes(spread.median), "tone-median"),
        (gettext("90th percentile"), spread.p90 or 0, minutes(spread.p90), "tone-p90"),
    ]
    marker = (promise_seconds, gettext("Promise: %(time)s", time=minutes(promise_seconds))) if promise_seconds else None
    rows = rows if spread.count else []
    return bar_chart(key, title, rows, (gettext("Measure"), gettext("Time")), marker=marker)


def _response_line(tasks) -> str:
    if not tasks.raised:
        return gettext("No task was raised in this period.")
    return gettext(
        "Answered within the promise: %(in_time)d of %(raised)d raised (%(share)s); %(late)d still unanswered past it.",
        in_time=tasks.responded_in_time,
        raised=tasks.raised,
        share=share(tasks.responded_in_time, tasks.raised),
        late=tasks.unanswered_late,
    )


def person_name(person) -> str:
    """A person, or the role a round was given to when no one person had it."""
    if person.user_id is not None:
        return person.name
    return gettext("Role: %(role)s", role=ROLES.get(person.role or "", person.role or ""))
