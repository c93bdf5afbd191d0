"""What a scan shows: the location, its checklists, the draft to resume, and what is open there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from patrol.database import utcnow
from patrol.inspections.drafts import AnswerSnapshot, find_resumable_draft
from patrol.modelrooms.counting import inventory_item
from patrol.modelrooms.sheet import CountSheet, count_sheet
from patrol.models import ChecklistItem, ChecklistVersion, Inspection, Location, Task, User
from patrol.paging import Page
from patrol.rounds.due import due_here
from patrol.setup.checklists import current_versions_for, items_of
from patrol.tasks.board import urgent_tasks_at
from patrol.tasks.rechecks import RecheckOffer, rechecks_at


@dataclass
class ScanPage:
    location: Location
    versions: list[ChecklistVersion]
    open_tasks: Page[Task]  # the most urgent few, with how many are open in all
    version: ChecklistVersion | None = None
    items: list[ChecklistItem] = field(default_factory=list)
    draft: Inspection | None = None
    answers: dict[int, AnswerSnapshot] = field(default_factory=dict)
    rechecks: list[RecheckOffer] = field(default_factory=list)  # fixes here this person may re-check
    due_now: set[int] = field(default_factory=set)  # checklists with this person's round open here now
    count: CountSheet | None = None  # a model room's count sheet, when the checklist has an inventory item


def scan_page(
    user: User,
    location: Location,
    checklist_id: int | None = None,
    *,
    resume_hours: int = 0,
    refused: ChecklistVersion | None = None,
    answers: dict[int, AnswerSnapshot] | None = None,
    now: datetime | None = None,
) -> ScanPage:
    """The page behind a QR code, in a fixed number of queries whatever the checklist's length.

    With one checklist it opens straight away; with several the person picks one. After a refused
    submit, `refused` is the version the form was for and `answers` what it carried: the page shows
    them again, for the errors to be put right in place. A checklist with a round of this person's
    open here now comes first (an opening count before 09:00, the hourly one by day), marked due.
    """
    page = ScanPage(
        location=location, versions=[], open_tasks=urgent_tasks_at(location), rechecks=rechecks_at(location, user)
    )
    if refused is not None:
        page.versions, page.version, page.answers = [refused], refused, answers or {}
    else:
        page.due_now = due_here(user, location, now or utcnow())
        # sorted() keeps the checklists' own order among those due and among the others.
        page.versions = sorted(current_versions_for(location), key=lambda v: v.checklist_id not in page.due_now)
        chosen = [v for v in page.versions if v.checklist_id == checklist_id] if checklist_id else []
        if not chosen and len(page.versions) == 1:
            chosen = page.versions
        if not chosen:
            return page
        page.draft = find_resumable_draft(user, location, chosen[0].checklist_id, resume_hours)
        # A draft keeps the version it was started on, even if a newer one was published since.
        page.version = page.draft.checklist_version if page.draft else chosen[0]
        if page.draft:
            page.answers = {a.item_id: AnswerSnapshot.of(a) for a in page.draft.answers}
    page.items = items_of(page.version.id)
    if inventory_item(page.items) is not None:
        page.count = count_sheet(location, page.draft)
    return page
