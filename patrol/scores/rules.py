"""A site's deduction rules: points per kind of lapse, changed by administrators, audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import DeductionRules, Site, User
from patrol.models.deduction import DEFAULT_POINTS, LAPSE_KINDS
from patrol.outcome import Outcome
from patrol.setup.audit import record
from patrol.validation import Checker

FULL_MARKS = 100
POINTS = (0, 100)  # lowest and highest a rule may take off per lapse


def points_of(site: Site) -> dict[str, int]:
    """Points per lapse at `site`, by kind: its rules, or DEFAULT_POINTS for each while it has none."""
    rules = db.session.scalar(select(DeductionRules).where(DeductionRules.site_id == site.id))
    return rules.points() if rules is not None else dict.fromkeys(LAPSE_KINDS, DEFAULT_POINTS)


def rules_form_values(site: Site) -> dict[str, str]:
    """What the form shows: the raw strings a form would send."""
    return {kind: str(points) for kind, points in points_of(site).items()}


def save_rules(actor: User, site: Site, raw: Mapping[str, str], now: datetime | None = None) -> Outcome[dict]:
    """Set the points per lapse at `site` (whole numbers from 0 to 100, every kind given); the audit
    entry lists each change as {"from": …, "to": …}. Nothing changed: nothing is written."""
    check = Checker(raw)
    wanted = {kind: check.integer(kind, minimum=POINTS[0], maximum=POINTS[1]) for kind in LAPSE_KINDS}
    if not check.ok:
        return Outcome.fail(check.errors)
    rules = db.session.get(DeductionRules, site.id)
    before = rules.points() if rules is not None else dict.fromkeys(LAPSE_KINDS, DEFAULT_POINTS)
    changes = {kind: {"from": before[kind], "to": wanted[kind]} for kind in LAPSE_KINDS if before[kind] != wanted[kind]}
    if not changes:
        return Outcome(wanted)
    if rules is None:
        rules = DeductionRules(site_id=site.id)
        db.session.add(rules)
    for kind, points in wanted.items():
        setattr(rules, kind, points)
    rules.updated_by_id, rules.updated_at = actor.id, now or utcnow()
    record(actor, "site.deductions_changed", site, site_id=site.id, **changes)
    db.session.commit()
    return Outcome(wanted)
