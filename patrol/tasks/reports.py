"""Report a problem anywhere (随手拍): photos, a note, a severity, and where — a task like any other.

The form is read and checked first, without a write lock; the photos are re-encoded next, with no
transaction open (patrol.tasks.photos); then the task, its "reported" event and the photos'
rows commit together. The form carries an id made when it was shown, kept as the event's client id:
a form sent twice (a double tap, a retry on a bad signal) answers with the task the first one raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from patrol.alerts import sweep as alerts
from patrol.database import end_reading, utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Inspection, Location, Site, Task, TaskEvent, User
from patrol.outcome import Refused
from patrol.photos.processing import ProcessedPhoto
from patrol.photos.store import release_photos
from patrol.tasks.photos import MAX_PHOTOS, keep_all
from patrol.tasks.raising import due_hours
from patrol.tasks.report_photos import claim_report_photos
from patrol.validation import client_id_or_none, whole_number
from patrol.vocabulary import REPORT_CATEGORIES, SEVERITIES

MAX_NOTE = 2000
MAX_PLACE = 120  # Task.place
RECENT_LOCATIONS = 6
# A report from home proposes where the person scanned within this long: they are likely still there.
JUST_SCANNED = timedelta(minutes=30)
DEFAULT_SEVERITY = "medium"
# The rules' words, the same whether the server or the phone (report_rules) says them.
SAY_WHERE = _l("Say where: pick a location or type the place.")
SAY_WHAT = _l("Take a photo or write what is wrong.")
CHOOSE_SITE = _l("Choose the site.")
CHOOSE_OPTION = _l("Choose one of the options.")


def too_long(n: int):
    return _l("Keep it under %(n)d characters.", n=n)


def too_many_photos():
    return _l("At most %(n)d photos at a time.", n=MAX_PHOTOS)


@dataclass
class ReportDraft:
    """What the form sent, read and checked; `errors` by field name, empty when it may be saved."""

    client_id: str | None
    note: str = ""
    severity: str = DEFAULT_SEVERITY
    category: str | None = None
    location: Location | None = None
    place: str = ""
    site: Site | None = None
    errors: dict[str, object] = field(default_factory=dict)

    def values(self) -> dict[str, str]:
        """The form's fields as they were sent, to show the form again."""
        return {
            "note": self.note,
            "severity": self.severity,
            "category": self.category or "",
            "location": str(self.location.id) if self.location else "",
            "place": self.place,
            "site": str(self.site.id) if self.site else "",
        }


def report_sites(user: User, site_ids: set[int]) -> list[Site]:
    """The sites this person may report on: theirs, still in use."""
    return list(
        db.session.scalars(
            select(Site).where(Site.id.in_(site_ids), Site.archived_at.is_(None)).order_by(Site.name, Site.id)
        )
    )


def recent_locations(user: User, site_ids: set[int], *, limit: int = RECENT_LOCATIONS) -> list[Location]:
    """Where this person inspected last: the distinct locations of their latest inspections, newest first.

    One query. Grouping by location follows ix_inspections_draft_lookup (inspector, location, …),
    so it reads this person's index entries only, not the table.
    """
    latest = (
        select(Inspection.location_id, func.max(Inspection.id).label("last_id"))
        .where(Inspection.inspector_id == user.id)
        .group_by(Inspection.location_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(Location)
            .join(latest, latest.c.location_id == Location.id)
            .where(Location.site_id.in_(site_ids), Location.active.is_(True))
            .options(joinedload(Location.site))
            .order_by(latest.c.last_id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class JustScanned:
    location: Location
    minutes_ago: int


def just_scanned(user: User, site_ids: set[int], *, now: datetime | None = None) -> JustScanned | None:
    """Where this person scanned last, if that was within JUST_SCANNED (a draft counts: it was scanned)."""
    now = now or utcnow()
    found = db.session.execute(
        select(Location, Inspection.scanned_at)
        .join(Inspection, Inspection.location_id == Location.id)
        .where(
            Inspection.inspector_id == user.id,
            Inspection.scanned_at >= now - JUST_SCANNED,
            Location.site_id.in_(site_ids),
            Location.active.is_(True),
        )
        .options(joinedload(Location.site))
        .order_by(Inspection.scanned_at.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    location, scanned_at = found
    if location.site.archived:
        return None
    return JustScanned(location, max(1, round((now - scanned_at).total_seconds() / 60)))


def read_report(
    form: Mapping[str, str], *, location: Location | None, sites: list[Site], photo_count: int
) -> ReportDraft:
    """Check the form. `location` is the one it named, already loaded through access (its site is the user's)."""
    draft = ReportDraft(client_id=client_id_or_none(form.get("client_id")))
    draft.note = (form.get("note") or "").strip()
    draft.place = " ".join((form.get("place") or "").split())
    severity = form.get("severity") or DEFAULT_SEVERITY
    category = form.get("category") or None
    draft.severity = severity if severity in SEVERITIES else DEFAULT_SEVERITY
    draft.category = category if category in REPORT_CATEGORIES else None
    if severity not in SEVERITIES:
        draft.errors["severity"] = CHOOSE_OPTION
    if category is not None and category not in REPORT_CATEGORIES:
        draft.errors["category"] = CHOOSE_OPTION
    if len(draft.note) > MAX_NOTE:
        draft.errors["note"] = too_long(MAX_NOTE)
    if len(draft.place) > MAX_PLACE:
        draft.errors["place"] = too_long(MAX_PLACE)
    if photo_count > MAX_PHOTOS:
        draft.errors["photos"] = too_many_photos()
    if not draft.note and not photo_count:  # said by the photo button, the form's first field
        draft.errors.setdefault("photos", SAY_WHAT)
    _read_where(draft, form, location, sites)
    return draft


def _read_where(draft: ReportDraft, form: Mapping[str, str], location: Location | None, sites: list[Site]) -> None:
    """A location picked from the list, or a place typed in on one of the person's sites."""
    if location is not None:
        draft.location, draft.site = location, location.site
        if not location.active:
            draft.errors["where"] = _l("This location is no longer in use. Pick another or type the place.")
        elif location.site.archived:
            draft.errors["where"] = _l("This site is archived: it takes no new reports.")
        return
    site_id = whole_number(form.get("site"))
    draft.site = next((site for site in sites if site.id == site_id), None)
    if draft.site is None and len(sites) == 1:
        draft.site = sites[0]  # only one site: the form does not ask
    if not draft.place:
        draft.errors["where"] = SAY_WHERE
    elif draft.site is None:
        draft.errors["site"] = CHOOSE_SITE


def report_rules() -> dict:
    """read_report's rules and words for the phone (outbox-report.js checks a report before keeping it):
    what it can tell without the server. Whether a picked location is still in use stays the server's."""
    return {
        "note_max": MAX_NOTE,
        "place_max": MAX_PLACE,
        "photos_max": MAX_PHOTOS,
        "severities": list(SEVERITIES),
        "categories": list(REPORT_CATEGORIES),
        "words": {
            "where": str(SAY_WHERE),
            "what": str(SAY_WHAT),
            "site": str(CHOOSE_SITE),
            "option": str(CHOOSE_OPTION),
            "note": str(too_long(MAX_NOTE)),
            "place": str(too_long(MAX_PLACE)),
            "photos": str(too_many_photos()),
        },
    }


def earlier_report(client_id: str | None, user: User) -> Task | None:
    """The task this same form raised already (a form sent twice); Refused if the id was used otherwise."""
    if not client_id:
        return None
    event = db.session.scalar(select(TaskEvent).where(TaskEvent.client_id == client_id))
    if event is None:
        return None
    if event.kind != "reported" or event.actor_id != user.id:
        raise Refused(_l("This form was already used for something else. Reload the page and try again."), 409)
    return event.task


def save_report(
    user: User,
    draft: ReportDraft,
    processed: list[ProcessedPhoto],
    photo_dir: str,
    *,
    waiting: list[str] = (),
    now: datetime | None = None,
) -> Task:
    """Raise the task with its "reported" event and photos, in one transaction; the task.

    `processed`: photos that came with the form; `waiting`: the outbox's ids of photos sent ahead
    (patrol.tasks.report_photos), claimed here. A repeat of the same form that committed meanwhile
    (its client id is unique) gives that task. Refused (422) when a listed photo is not on the server.
    """
    end_reading()  # what was read to check the form is let go; the write locks up front
    now = now or utcnow()
    kept = keep_all(processed, user.id, photo_dir)
    try:
        claimed = claim_report_photos(user.id, draft.client_id, list(waiting))
        task = _new_task(user, draft, now)
        db.session.add(task)
        db.session.add(
            TaskEvent(
                task=task,
                kind="reported",
                actor_id=user.id,
                note=draft.note,
                to_status="open",
                client_id=draft.client_id,
                created_at=now,
                photos=list(dict.fromkeys([*kept.photos, *claimed.photos])),
            )
        )
        db.session.flush()
        alerts.after_raise([task])
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        kept.discard()
        earlier = earlier_report(draft.client_id, user)
        if earlier is None:
            raise
        return earlier
    except BaseException:
        db.session.rollback()
        kept.discard()
        raise
    release_photos(claimed.unlisted, photo_dir)
    return task


def _new_task(user: User, draft: ReportDraft, now: datetime) -> Task:
    site = draft.site
    return Task(
        site_id=site.id,
        location_id=draft.location.id if draft.location else None,
        place=draft.place,
        source="report",
        category=draft.category,
        title=draft.note[:200],
        detail=draft.note,
        severity=draft.severity,
        status="open",
        raised_by_id=user.id,
        due_at=now + timedelta(hours=due_hours(draft.severity)),
        respond_by=now + timedelta(minutes=site.first_response_minutes),
        last_seen_at=now,
        created_at=now,
    )
