"""What a scan shows: the location, its checklists, the draft to resume, and what is open there."""
from __future__ import annotations

from dataclasses import dataclass, field

from patrol.models import ChecklistItem, ChecklistVersion, Inspection, Location, Task, User
from patrol.services.checklists import current_versions_for, items_of
from patrol.services.inspections import AnswerSnapshot, find_resumable_draft
from patrol.services.tasks import open_tasks_at


@dataclass
class ScanPage:
    location: Location
    versions: list[ChecklistVersion]
    open_tasks: list[Task]
    version: ChecklistVersion | None = None
    items: list[ChecklistItem] = field(default_factory=list)
    draft: Inspection | None = None
    answers: dict[int, AnswerSnapshot] = field(default_factory=dict)


def scan_page(user: User, location: Location, checklist_id: int | None, *, resume_hours: int) -> ScanPage:
    """The page behind a QR code, in a fixed number of queries whatever the checklist's length.

    With one checklist it opens straight away; with several the person picks one.
    """
    versions = current_versions_for(location)
    page = ScanPage(location=location, versions=versions, open_tasks=open_tasks_at(location))
    chosen = [v for v in versions if v.checklist_id == checklist_id] if checklist_id else []
    if not chosen and len(versions) == 1:
        chosen = versions
    if not chosen:
        return page
    page.draft = find_resumable_draft(user, location, chosen[0].checklist_id, resume_hours)
    # A draft keeps the version it was started on, even if a newer one was published since.
    page.version = page.draft.checklist_version if page.draft else chosen[0]
    page.items = items_of(page.version.id)
    if page.draft:
        page.answers = {a.item_id: AnswerSnapshot.of(a) for a in page.draft.answers}
    return page
