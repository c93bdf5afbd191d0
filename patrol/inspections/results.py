"""What a submitted round did to tasks: each finding and its task, read back from the tasks' timelines.

settle_answers writes one timeline event per task a round touched, carrying the inspection and the
answer: created (a new task), seen_again (added to an open task), recheck_failed (a fix not accepted,
back to its assignee) or recheck_passed (a fix accepted, the task closed). Reading those events back
tells the same story later, whatever happened to the tasks since.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from patrol.extensions import db
from patrol.models import Answer, ChecklistItem, Inspection, Task, TaskEvent, User

# The events that count a sighting of the problem (Task.seen_count grows with each of them).
SIGHTINGS = ("created", "seen_again", "recheck_failed")
ROUND_KINDS = (*SIGHTINGS, "recheck_passed")


@dataclass(frozen=True)
class Outcome:
    kind: str  # one of ROUND_KINDS
    task: Task
    seen: int  # how many times the problem had been seen, this round included
    assignee: User | None  # recheck_failed: who the task went back to


@dataclass(frozen=True)
class Finding:
    item: ChecklistItem
    answer: Answer
    outcome: Outcome | None  # None while the round is a draft: it raises nothing until submitted


def round_outcomes(inspection: Inspection) -> dict[int, Outcome]:
    """By answer id: what the round did with each answer's task, in one query whatever their number."""
    earlier = aliased(TaskEvent)
    seen_so_far = (
        select(func.count())
        .where(earlier.task_id == TaskEvent.task_id, earlier.kind.in_(SIGHTINGS), earlier.id <= TaskEvent.id)
        .correlate(TaskEvent)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(TaskEvent, seen_so_far)
        .where(TaskEvent.inspection_id == inspection.id, TaskEvent.kind.in_(ROUND_KINDS))
        .options(
            joinedload(TaskEvent.assignee),
            joinedload(TaskEvent.task).joinedload(Task.assignee),
            joinedload(TaskEvent.task).joinedload(Task.answer).joinedload(Answer.item),
        )
        .order_by(TaskEvent.id)
    ).all()
    return {event.answer_id: _outcome(event, seen) for event, seen in rows if event.answer_id is not None}


def _outcome(event: TaskEvent, seen: int) -> Outcome:
    # Events written before a sent-back fix named its assignee: the task's assignee is the best left.
    assignee = event.assignee or (event.task.assignee if event.kind == "recheck_failed" else None)
    return Outcome(event.kind, event.task, seen, assignee)


def round_findings(
    items: list[ChecklistItem], answers: dict[int, Answer], outcomes: dict[int, Outcome]
) -> tuple[list[Finding], list[Outcome]]:
    """The round's findings in checklist order, each with its outcome; and the fixes it accepted."""
    findings, accepted = [], []
    for item in items:
        answer = answers.get(item.id)
        if answer is None:
            continue
        outcome = outcomes.get(answer.id)
        if answer.is_finding:
            findings.append(Finding(item, answer, outcome))
        elif outcome is not None and outcome.kind == "recheck_passed":
            accepted.append(outcome)
    return findings, accepted
