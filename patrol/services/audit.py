"""Recording setup changes in the audit log; the caller's commit stores the entry with the change."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.models import AuditEvent, User


def record(actor: User | None, action: str, target, *, label: str = "", site_id: int | None = None,
           **details) -> AuditEvent:
    """Add an audit entry for `action` on `target` (a model instance) to the current transaction.

    Actions are dotted names listed in patrol.vocabulary.AUDIT_ACTIONS, e.g. "checklist.published".
    """
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None, action=action,
        target_type=type(target).__name__, target_id=getattr(target, "id", None),
        target_label=(label or getattr(target, "name", "") or getattr(target, "username", ""))[:200],
        site_id=site_id if site_id is not None else getattr(target, "site_id", None),
        details={key: value for key, value in details.items() if value is not None},
    )
    db.session.add(event)
    return event


def audit_page(*, action: str | None = None, actor_id: int | None = None, limit: int = 50,
               offset: int = 0) -> list[AuditEvent]:
    query = select(AuditEvent).options(joinedload(AuditEvent.actor)).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    return list(db.session.scalars(query.limit(limit).offset(offset)))
