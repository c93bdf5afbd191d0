"""Recording setup changes in the audit log; the caller's commit stores the entry with the change."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.models import AuditEvent, Site, User
from patrol.paging import Keyset, Page, keyset_page


def record(
    actor: User | None, action: str, target, *, label: str = "", site_id: int | None = None, **details
) -> AuditEvent:
    """Add an audit entry for `action` on `target` (a model instance) to the current transaction.

    Actions are dotted names listed in patrol.vocabulary.AUDIT_ACTIONS, e.g. "checklist.published".
    """
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=type(target).__name__,
        target_id=getattr(target, "id", None),
        target_label=(label or getattr(target, "name", "") or getattr(target, "username", ""))[:200],
        site_id=site_id if site_id is not None else getattr(target, "site_id", None),
        details={key: value for key, value in details.items() if value is not None},
    )
    db.session.add(event)
    return event


def was_recorded(action: str, target) -> bool:
    """Whether the log holds an `action` entry about `target`, e.g. a password reset of this person."""
    query = select(AuditEvent.id).where(
        AuditEvent.action == action, AuditEvent.target_type == type(target).__name__, AuditEvent.target_id == target.id
    )
    return db.session.scalar(query.limit(1)) is not None


# Newest first. Keyset on the id: the log only grows, and an old page costs what the newest does.
AUDIT_ORDER = Keyset((AuditEvent.id,), descending=True)


def audit_page(
    *,
    action: str | None = None,
    actor_id: int | None = None,
    number: int = 1,
    size: int = 50,
    after: str | None = None,
    before: str | None = None,
) -> Page[AuditEvent]:
    """A page of the log; not counted, as counting would read the whole log on every view."""
    query = select(AuditEvent).options(joinedload(AuditEvent.actor))
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    return keyset_page(query, AUDIT_ORDER, number=number, size=size, after=after, before=before)


def people_and_sites() -> tuple[list[User], dict[int, Site]]:
    """Everyone, by name, for the log's "who" filter; and every site by id, for each entry's site and local time."""
    people = list(db.session.scalars(select(User).order_by(User.display_name, User.id)))
    return people, {site.id: site for site in db.session.scalars(select(Site))}
