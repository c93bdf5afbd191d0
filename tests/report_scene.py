"""The coverage fixture's day (tests/test_rounds_coverage.py) with findings and tasks whose times are known,
for the site report's tests (tests/test_site_reports.py, tests/test_browser_site_reports.py).

On 2026-03-02 (Shanghai), besides the day's 132 rounds (56 on time of 110):
- findings: three rounds fail 消防通道, one fails 照明 (floors), one extra visit to a renovation unit fails 消防通道;
- tasks raised that day, each acknowledged after 10, 20, 30, 50 and 120 minutes (the promise: 60), one never;
- closed that day: 1 h, 2 h (sent back once), 4 h (late) after raising, and one raised the evening before, after 14 h.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Answer, Inspection, Task
from tests.rounds_scene import DAY, at

DAY_AFTER, DAY_BEFORE = DAY + timedelta(days=1), DAY - timedelta(days=1)

RESPONSES = [600, 1200, 1800, 3000, 7200]  # seconds to the first response of the day's first five tasks
CLOSES = [3600, 7200, 14400, 50400]  # seconds from raising to closing, of the four closed that day


def add_findings(scene, make) -> None:
    first, second = scene.version.items[:2]
    rounds = list(db.session.scalars(select(Inspection).order_by(Inspection.id).limit(4)))
    for inspection, item in zip(rounds, (first, first, first, second), strict=True):
        db.session.add(Answer(inspection_id=inspection.id, item_id=item.id, value_text="fail", is_finding=True))
    unit = make.location(scene.site, "renovation", name="2栋 501 装修", active_since=at(-30))
    extra = scene.visit(unit, at(15, 30))
    db.session.add(Answer(inspection_id=extra.id, item_id=first.id, value_text="fail", is_finding=True))
    db.session.commit()


def _task(scene, raised, **fields) -> Task:
    task = Task(
        site_id=scene.site.id,
        location_id=scene.rooms[0].id,
        source="report",
        title="消防通道堆放杂物",
        severity="medium",
        raised_by_id=scene.butler.id,
        created_at=raised,
        respond_by=raised + timedelta(minutes=scene.site.first_response_minutes),
        due_at=fields.pop("due_at", raised + timedelta(hours=4)),
        **fields,
    )
    db.session.add(task)
    return task


def add_tasks(scene, make) -> None:
    fixer = make.user("butler", [scene.site], username=f"fixer{scene.site.id}")
    fixer.display_name = "李师傅"
    scene.fixer = fixer
    raised = [at(9), at(10), at(11), at(12), at(13)]
    closes = [(scene.butler, 3600, 0, 4), (scene.butler, 7200, 1, 4), (fixer, 14400, 0, 3)]
    for when, response, (person, took, reopened, hours) in zip(raised, RESPONSES, closes, strict=False):
        _task(
            scene,
            when,
            acknowledged_at=when + timedelta(seconds=response),
            status="closed",
            assignee_id=person.id,
            closed_at=when + timedelta(seconds=took),
            reopen_count=reopened,
            due_at=when + timedelta(hours=hours),
        )
    # Still open: one overdue by 23:00, one due the next day; and one nobody has answered.
    _task(scene, raised[3], acknowledged_at=raised[3] + timedelta(seconds=RESPONSES[3]), status="assigned")
    _task(
        scene,
        raised[4],
        acknowledged_at=raised[4] + timedelta(seconds=RESPONSES[4]),
        status="assigned",
        due_at=at(10, day=DAY_AFTER),
    )
    _task(scene, at(14), due_at=at(14) + timedelta(hours=72))
    # Raised the evening before, closed that morning: in the day's closes, not in its raised.
    evening = at(20, day=DAY_BEFORE)
    _task(
        scene,
        evening,
        acknowledged_at=evening + timedelta(minutes=5),
        status="closed",
        assignee_id=scene.butler.id,
        closed_at=evening + timedelta(seconds=CLOSES[3]),
        due_at=evening + timedelta(hours=24),
    )
    db.session.commit()


def busy_day(scene, make, people: int = 10) -> None:
    """A fuller day for the 日报's one page: `people` more butlers, each with a round at a floor in the
    afternoon failing a different item of the floor checklist."""
    items = scene.version.items
    for number in range(people):
        butler = make.user("butler", [scene.site], username=f"extra{scene.site.id}-{number}")
        butler.display_name = f"管家{number + 1:02d}"
        visit = scene.visit(scene.rooms[number % len(scene.rooms)], at(16, number), person=butler)
        item = items[2 + number % (len(items) - 2)]
        db.session.add(Answer(inspection_id=visit.id, item_id=item.id, value_text="fail", is_finding=True))
    db.session.commit()
