"""How far setup has come: the counts the setup area's front page shows, and what to do next."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from patrol.extensions import db
from patrol.models import ChecklistVersion, Location, Schedule, Site, User


@dataclass(frozen=True)
class SetupOverview:
    sites: int
    locations: int
    checklists: int
    drafts: int
    schedules: int
    people: int

    @property
    def next_step(self) -> str | None:
        """The first missing piece of a working install, as a section name."""
        for section, count in (
            ("sites", self.sites),
            ("locations", self.locations),
            ("checklists", self.checklists),
            ("people", self.people),
        ):
            if not count:
                return section
        return None


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def setup_overview() -> SetupOverview:
    return SetupOverview(
        sites=_count(select(Site.id).where(Site.archived_at.is_(None))),
        locations=_count(select(Location.id).join(Site).where(Location.active.is_(True), Site.archived_at.is_(None))),
        checklists=_count(
            select(ChecklistVersion.checklist_id).where(ChecklistVersion.published_at.is_not(None)).distinct()
        ),
        drafts=_count(select(ChecklistVersion.id).where(ChecklistVersion.published_at.is_(None))),
        schedules=_count(select(Schedule.id).where(Schedule.active.is_(True))),
        # People who patrol or supervise: the administrators setting things up are not counted.
        people=_count(select(User.id).where(User.active.is_(True), User.role != "admin")),
    )
