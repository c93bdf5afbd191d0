"""Missed is final at grace_end: the sweep marks such rounds missed and raises one alert for each.

`mark_missed(now)` runs every minute (patrol.rounds.worker). A pending round whose grace_end has
come is marked missed; then every missed round not yet alerted is claimed (missed_alerted_at, set
by one UPDATE … RETURNING: two sweeps at once claim each round once) and alerted:
- an in-app notification (kind missed_visit, key "missed:<round>") to the person responsible — or,
  for a round given to a role, to each active person in that role on the site — and to the site's
  supervisors; the notifications' (person, key) key keeps even a repeat from reaching anyone twice;
- a message to each of the site's active group robots (key "missed:<round>", once per robot),
  whatever the robot's severity level: a missed round is always worth telling the group.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from patrol.alerts.messages import queue_visit_messages
from patrol.alerts.notifications import VisitAlert, add_visit_notifications, supervisors_of
from patrol.extensions import db
from patrol.models import ExpectedVisit, User, user_sites
from patrol.models.rounds import PENDING_WHERE, UNALERTED_WHERE

KIND = "missed_visit"


def mark_missed(now: datetime) -> list[ExpectedVisit]:
    """Mark the pending rounds past their grace missed, and alert each missed round not alerted yet
    (once, ever); the rounds alerted now. No commit: the caller's commit sends them."""
    db.session.execute(
        update(ExpectedVisit)
        .where(PENDING_WHERE, ExpectedVisit.grace_end <= now)
        .values(status="missed", missed_at=now)
        .execution_options(synchronize_session=False)
    )
    claimed = list(
        db.session.scalars(
            update(ExpectedVisit)
            .where(UNALERTED_WHERE)
            .values(missed_alerted_at=now)
            .returning(ExpectedVisit.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        return []
    visits = list(
        db.session.scalars(
            select(ExpectedVisit)
            .where(ExpectedVisit.id.in_(claimed))
            .order_by(ExpectedVisit.due_at, ExpectedVisit.id)
            .options(
                selectinload(ExpectedVisit.site),
                selectinload(ExpectedVisit.location),
                selectinload(ExpectedVisit.schedule),
                selectinload(ExpectedVisit.responsible_user),
            )
            .execution_options(populate_existing=True)
        )
    )
    add_visit_notifications(_alerts(visits))
    queue_visit_messages(visits, "missed")
    return visits


def _alerts(visits: list[ExpectedVisit]) -> list[VisitAlert]:
    """Who hears of each missed round: whoever was responsible for it, and its site's supervisors."""
    site_ids = {visit.site_id for visit in visits}
    supervisors = supervisors_of(site_ids)
    in_role = people_in_roles(site_ids, {visit.responsible_role for visit in visits if visit.responsible_role})
    alerts = []
    for visit in visits:
        if visit.responsible_user_id is not None:
            responsible = [visit.responsible_user_id]
        else:
            responsible = in_role.get((visit.site_id, visit.responsible_role), [])
        for user_id in dict.fromkeys([*responsible, *supervisors.get(visit.site_id, [])]):
            alerts.append(VisitAlert(user_id, visit, KIND, f"missed:{visit.id}"))
    return alerts


def people_in_roles(site_ids: set[int], roles: set[str]) -> dict[tuple[int, str], list[int]]:
    """The active people in each of these roles given each of these sites, by (site, role)."""
    if not site_ids or not roles:
        return {}
    rows = db.session.execute(
        select(user_sites.c.site_id, User.role, User.id)
        .join(User, User.id == user_sites.c.user_id)
        .where(user_sites.c.site_id.in_(site_ids), User.role.in_(roles), User.active.is_(True))
        .order_by(User.id)
    )
    found: dict[tuple[int, str], list[int]] = defaultdict(list)
    for site_id, role, user_id in rows:
        found[(site_id, role)].append(user_id)
    return found
