"""A site's deduction rules for staff scores (考核, seed 000 chapter 4): points taken off per lapse.

One row per site, written the first time an administrator changes them; a site without one deducts
DEFAULT_POINTS for every kind of lapse ("每次扣1分"). 0 turns a kind off.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from patrol.database import UTCDateTime, utcnow
from patrol.extensions import db

# The kinds of lapse, in the order tables and forms show them; each is a column of the rules.
LAPSE_KINDS = ("missed_visit", "late_visit", "late_response", "closed_late", "recheck_failed")
DEFAULT_POINTS = 1


class DeductionRules(db.Model):
    __tablename__ = "deduction_rules"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    missed_visit: Mapped[int] = mapped_column(default=DEFAULT_POINTS)
    late_visit: Mapped[int] = mapped_column(default=DEFAULT_POINTS)
    late_response: Mapped[int] = mapped_column(default=DEFAULT_POINTS)
    closed_late: Mapped[int] = mapped_column(default=DEFAULT_POINTS)
    recheck_failed: Mapped[int] = mapped_column(default=DEFAULT_POINTS)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def points(self) -> dict[str, int]:
        return {kind: getattr(self, kind) for kind in LAPSE_KINDS}
