"""Exporting the supervisor's rounds: a site's coverage over a day or a week (the grid's figures, from
patrol.rounds.coverage, so the same day gives the same percentages), and the missed-rounds list with
what became of each."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select

from patrol.access import site_ids_for
from patrol.exports.kinds import Table, in_chunks
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Location, Site, User
from patrol.outcome import Refused
from patrol.presenters.exports import local, named, stem
from patrol.presenters.rounds import percent, visit_responsible
from patrol.presenters.times import zone_of
from patrol.rounds.coverage import Coverage, coverage, total
from patrol.rounds.review import NEWEST_FIRST, missed_query
from patrol.validation import iso_day, whole_number
from patrol.vocabulary import VISIT_STATUSES

SPANS = ("day", "week")
NOT_YOURS = _l("You do not have access to this site.")


def _visible_site(raw, user: User, *, required: bool) -> Site | None:
    site_id = whole_number(raw)
    if site_id is None and not required:
        return None
    site = db.session.get(Site, site_id) if site_id else None
    if site is None or site.id not in site_ids_for(user):
        raise Refused(NOT_YOURS, 403)
    return site


def _figure_header(first: str) -> list[str]:
    return [
        first,
        gettext("Expected"),
        gettext("On time"),
        gettext("Late"),
        gettext("Made up"),
        gettext("Missed"),
        gettext("Excused"),
        gettext("Cancelled"),
        gettext("Open or not due yet"),
        gettext("Counted (expected − excused − cancelled)"),
        gettext("Coverage"),
    ]


def _figure_row(name, group: Coverage) -> list:
    counts = [group.on_time, group.late, group.made_up, group.missed, group.excused, group.cancelled, group.open]
    return [name, group.expected, *counts, group.counted, percent(group.rate)]


def _with_total(rows: list[list], groups: list[Coverage]) -> list[list]:
    return [*rows, _figure_row(gettext("Total"), total(groups))]


@dataclass(frozen=True)
class CoverageExport:
    """A site's coverage on a day or over its week (Monday to Sunday): by location, and (.xlsx) by day."""

    label = _l("Coverage")
    permission = "rounds.review"
    formats = ("xlsx", "csv")

    def read_params(self, args: Mapping, user: User) -> dict:
        site = _visible_site(args.get("site"), user, required=True)
        span = args.get("span") if args.get("span") in SPANS else "day"
        day = iso_day(args.get("day")) or datetime.now(site.zone).date()
        return {"site": str(site.id), "day": day.isoformat(), "span": span}

    def _range(self, params: dict) -> tuple[date, date]:
        day = date.fromisoformat(params["day"])
        if params["span"] == "week":
            monday = day - timedelta(days=day.weekday())
            return monday, monday + timedelta(days=6)
        return day, day

    def file_stem(self, params: dict, user: User, now: datetime) -> str:
        first, last = self._range(params)
        covered = first.isoformat() if first == last else f"{first.isoformat()}_{last.isoformat()}"
        return stem(gettext("Coverage"), now, db.session.get(Site, int(params["site"])).name, covered)

    def tables(self, params: dict, user: User, now: datetime, fmt: str) -> Iterator[Table]:
        site_id = int(params["site"])
        first, last = self._range(params)
        groups = coverage({site_id}, first, last, now, by=("location",))
        names = dict(
            db.session.execute(
                select(Location.id, Location.name).where(Location.id.in_([g.key[0] for g in groups]))
            ).all()
        )
        groups.sort(key=lambda group: (names.get(group.key[0], ""), group.key[0]))
        rows = [_figure_row(names.get(group.key[0], ""), group) for group in groups]
        yield Table(gettext("By location"), _figure_header(gettext("Location")), _with_total(rows, groups))
        if fmt == "xlsx":
            days = coverage({site_id}, first, last, now, by=("day",))
            rows = [_figure_row(group.key[0].isoformat(), group) for group in days]
            yield Table(gettext("By day"), _figure_header(gettext("Day")), _with_total(rows, days))


def _missed_header() -> list[str]:
    return [
        gettext("Site"),
        gettext("Location"),
        gettext("Round"),
        gettext("Due"),
        gettext("Given to"),
        gettext("Status"),
        gettext("Made up at"),
        gettext("Comment"),
        gettext("Comment by"),
        gettext("Commented at"),
    ]


def _missed_row(visit) -> list:
    site = visit.site
    return [
        site.name,
        visit.location.name,
        visit.schedule.name,
        local(visit.due_at, site),
        visit_responsible(visit),
        str(VISIT_STATUSES.get(visit.status, "")),
        local(visit.done_at, site) if visit.status == "made_up" else None,
        visit.note,
        named(visit.noted_by),
        local(visit.noted_at, site),
    ]


@dataclass(frozen=True)
class MissedExport:
    """The missed-rounds list as filtered (a site, a day, or the last seven days), newest first."""

    label = _l("Missed rounds")
    permission = "rounds.review"
    formats = ("xlsx", "csv")

    def read_params(self, args: Mapping, user: User) -> dict:
        site = _visible_site(args.get("site"), user, required=False)
        day = iso_day(args.get("day"))
        return {
            key: value for key, value in (("site", site and str(site.id)), ("day", day and day.isoformat())) if value
        }

    def file_stem(self, params: dict, user: User, now: datetime) -> str:
        site = db.session.get(Site, int(params["site"])) if params.get("site") else None
        return stem(gettext("Missed rounds"), now, site.name if site else "", params.get("day", ""))

    def tables(self, params: dict, user: User, now: datetime, fmt: str) -> Iterator[Table]:
        site = db.session.get(Site, int(params["site"])) if params.get("site") else None
        today = now.astimezone(zone_of(site)).date()
        query = missed_query(site_ids_for(user), site_id=site and site.id, day=iso_day(params.get("day")), today=today)
        rows = (_missed_row(visit) for chunk in in_chunks(query, NEWEST_FIRST) for visit in chunk)
        yield Table(gettext("Missed rounds"), _missed_header(), rows)


COVERAGE = CoverageExport()
MISSED = MissedExport()
