"""Changing a room's register from its pages: a line added, edited or retired, an expected quantity changed.

Each change makes the next version and one RegisterEvent, in one transaction. A form carries the id it
was given when shown (the same form sent twice is one change) and the version it was shown with (a
form shown before someone else's change is refused: it would undo what it never saw).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from patrol.access import PERMISSIONS
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.modelrooms.register import change_quantity, current_version, event_by_client_id, lines_of, next_version
from patrol.modelrooms.register_lines import MAX_EXPECTED, read_line
from patrol.models import Asset, Location, RegisterEvent, RegisterLine, RegisterVersion, User, user_sites
from patrol.models.model_room import QUANTITY_CHANGES
from patrol.outcome import Outcome, Refused
from patrol.photos.processing import ProcessedPhoto
from patrol.photos.store import KeptPhoto, keep_photo
from patrol.validation import Checker, whole_number

EDITABLE = ("zone", "name", "unit", "unit_value", "photo_id")


@dataclass
class Change:
    """Who sends a register form, the id it was given when shown, and the version number it was shown with."""

    actor: User
    client_id: str | None
    shown_version: int | None
    # A reference photo sent with the form, checked and re-encoded already (patrol.tasks.photos.process_uploads).
    photo: ProcessedPhoto | None = None
    photo_dir: str = ""
    kept: list[KeptPhoto] = field(default_factory=list)

    def keep_photo(self) -> int | None:
        if self.photo is None:
            return None
        kept = keep_photo(self.photo, self.actor.id, self.photo_dir)
        self.kept.append(kept)
        return kept.photo.id


def approvers_for(location: Location) -> list[User]:
    """Who may approve a change of quantity here: the site's active supervisors, and the administrators."""
    roles = PERMISSIONS["register.approve"]
    on_site = select(user_sites.c.user_id).where(user_sites.c.site_id == location.site_id)
    query = select(User).where(
        User.active.is_(True), User.role.in_(roles), or_(User.role == "admin", User.id.in_(on_site))
    )
    return list(db.session.scalars(query.order_by(User.display_name, User.id)))


def add_line(location: Location, raw, change: Change) -> Outcome[RegisterEvent]:
    fields, errors = read_line(raw, with_quantity=True)
    if errors:
        return Outcome.fail(errors)

    def make(current: RegisterVersion | None) -> RegisterEvent:
        version = next_version(location, change.actor)
        _refuse_twin(version, fields["zone"], fields["name"])
        asset = Asset(location_id=location.id)
        db.session.add(asset)
        db.session.flush()
        position = max((line.position for line in lines_of(version.id)), default=0) + 1
        photo_id = change.keep_photo()
        db.session.add(RegisterLine(version=version, asset_id=asset.id, position=position, photo_id=photo_id, **fields))
        regroup(version)
        kind = "created" if current is None else "added"
        return new_event(location, version, change, kind, asset.id, after=fields["expected"])

    return apply_change(location, change, make)


def edit_line(location: Location, asset_id: int, raw, change: Change) -> Outcome[RegisterEvent]:
    fields, errors = read_line(raw, with_quantity=False)
    if errors:
        return Outcome.fail(errors)

    def make(current: RegisterVersion | None) -> RegisterEvent:
        line = _line_of(current, asset_id)
        photo_id = change.keep_photo()
        wanted = fields | {"photo_id": photo_id if photo_id is not None else line.photo_id}
        changed = {name: value for name, value in wanted.items() if getattr(line, name) != value}
        if not changed:
            raise Refused(_l("Nothing was changed."))
        version = next_version(location, change.actor, changed={asset_id: changed})
        if {"zone", "name"} & changed.keys():
            _refuse_twin(version, wanted["zone"], wanted["name"], but=asset_id)
        regroup(version)
        return new_event(location, version, change, "edited", asset_id)

    return apply_change(location, change, make)


def change_expected(location: Location, asset_id: int, raw, change: Change) -> Outcome[RegisterEvent]:
    """An arrival adds to the expected quantity; an approved removal (物品放行) or a write-off takes away."""
    check = Checker(raw)
    kind = check.choice("kind", QUANTITY_CHANGES)
    quantity = check.integer("quantity", minimum=1, maximum=MAX_EXPECTED)
    reason = check.text("reason", required=True, max_length=500)
    approver = _approver(location, raw.get("approver"), check)
    if not check.ok:
        return Outcome.fail(check.errors)

    def make(current: RegisterVersion | None) -> RegisterEvent:
        line = _line_of(current, asset_id)
        expected = line.expected + quantity if kind == "arrival" else line.expected - quantity
        if expected < 0:
            raise Refused(_l("Only %(n)d of it are on the register.", n=line.expected))
        version = change_quantity(
            location,
            asset_id,
            expected,
            kind=kind,
            reason=reason,
            approver=approver,
            actor=change.actor,
            client_id=change.client_id,
        )
        return db.session.scalar(select(RegisterEvent).where(RegisterEvent.version_id == version.id))

    return apply_change(location, change, make)


def retire_line(location: Location, asset_id: int, raw, change: Change) -> Outcome[RegisterEvent]:
    """The item leaves the register for good (returned to its owner, say); counts from now on skip it."""
    check = Checker(raw)
    reason = check.text("reason", required=True, max_length=500)
    if not check.ok:
        return Outcome.fail(check.errors)

    def make(current: RegisterVersion | None) -> RegisterEvent:
        line = _line_of(current, asset_id)
        version = next_version(location, change.actor, dropped=frozenset({asset_id}))
        return new_event(location, version, change, "retired", asset_id, before=line.expected, reason=reason)

    return apply_change(location, change, make)


def set_blind_count(location: Location, blind: bool) -> None:
    """Whether this room is counted without the expected numbers shown (from the next count)."""
    location.blind_count = blind
    db.session.commit()


def apply_change(
    location: Location, change: Change, make: Callable[[RegisterVersion | None], RegisterEvent]
) -> Outcome[RegisterEvent]:
    """Make the change once: a form already applied answers as it did, one shown before another change is 409."""
    earlier = event_by_client_id(change.client_id)
    if earlier is not None:
        return _replayed(earlier, location, change)
    if change.client_id is None:
        return Outcome.fail({"form": _l("This form is incomplete. Reload the page and try again.")}, 400)
    current = current_version(location.id)
    if (current.number if current else 0) != change.shown_version:
        return _moved_on()
    try:
        event = make(current)
        db.session.commit()
    except Refused as refused:
        return _undone(change, Outcome.fail({"form": refused.message}, refused.status))
    except IntegrityError:
        outcome = _undone(change, _moved_on())
        earlier = event_by_client_id(change.client_id)
        return _replayed(earlier, location, change) if earlier is not None else outcome
    return Outcome(event)


def _undone(change: Change, outcome: Outcome) -> Outcome:
    db.session.rollback()
    for kept in change.kept:
        kept.discard_files()
    return outcome


def _replayed(earlier: RegisterEvent, location: Location, change: Change) -> Outcome[RegisterEvent]:
    if earlier.location_id != location.id or earlier.actor_id != change.actor.id:
        return Outcome.fail({"form": _l("This form was already used. Reload the page and try again.")}, 409)
    return Outcome(earlier)


def _moved_on() -> Outcome:
    return Outcome.fail(
        {"form": _l("Someone changed this register meanwhile. Look at it again, then make your change.")}, 409
    )


def _line_of(version: RegisterVersion | None, asset_id: int) -> RegisterLine:
    line = next((line for line in lines_of(version.id) if line.asset_id == asset_id), None) if version else None
    if line is None:
        raise Refused(_l("That item is not on this room's register (any more)."), 404)
    return line


def _approver(location: Location, raw, check: Checker) -> User | None:
    approver_id = whole_number(raw or "")
    approver = next((user for user in approvers_for(location) if user.id == approver_id), None)
    if approver is None:
        check.fail("approver", _l("Choose who approved it: a supervisor of this site."))
    return approver


def _refuse_twin(version: RegisterVersion, zone: str, name: str, *, but: int | None = None) -> None:
    db.session.flush()
    if any(line.zone == zone and line.name == name and line.asset_id != but for line in lines_of(version.id)):
        raise Refused(_l("“%(name)s” is already on the register in %(zone)s.", name=name, zone=zone))


def regroup(version: RegisterVersion) -> None:
    """Keep each zone's lines together, zones in the order they first appear: a count goes zone by zone."""
    db.session.flush()
    lines = lines_of(version.id)
    zones: dict[str, int] = {}
    for line in lines:
        zones.setdefault(line.zone, len(zones))
    for position, line in enumerate(sorted(lines, key=lambda line: (zones[line.zone], line.position)), start=1):
        line.position = position


def new_event(location, version, change, kind, asset_id, *, before=None, after=None, reason="") -> RegisterEvent:
    event = RegisterEvent(
        location_id=location.id,
        version_id=version.id,
        asset_id=asset_id,
        kind=kind,
        quantity_before=before,
        quantity_after=after,
        reason=reason,
        actor_id=change.actor.id,
        client_id=change.client_id,
    )
    db.session.add(event)
    return event
