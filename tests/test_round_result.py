"""The result page of a submitted round lists every finding with what happened to it, each linking its
task: a new task, added to an open task (seen N times), a fix not accepted and sent back, or a fix
accepted and closed. Its count of findings is the number of findings listed; the page reads the same
later, whatever happened to the tasks since, in a number of queries that does not grow with them.
"""

from __future__ import annotations

import html
import re
import uuid

import pytest
from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections.answers import AnswerInput
from patrol.inspections.drafts import DraftKey, save_answer
from patrol.inspections.submission import submit_inspection
from patrol.models import Inspection, Location, Task, User
from patrol.setup.catalogue import passfail
from patrol.tasks.workflow import ActionInput, act
from tests import factories
from tests.conftest import SeparateBrowser
from tests.task_crew import fix_photo, make_crew, patrol


@pytest.fixture
def crew(app, ctx):
    return make_crew(app)


def _page(app, crew, inspection_id: int) -> str:
    phone = SeparateBrowser(app.test_client())
    phone.login(crew.username("supervisor"))
    response = phone.get(f"/inspections/{inspection_id}")
    assert response.status_code == 200
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def _latest_round() -> int:
    return db.session.scalar(select(Inspection.id).order_by(Inspection.id.desc()).limit(1))


def _only_task() -> Task:
    return db.session.scalars(select(Task)).one()


def _counted(page: str) -> int:
    return int(re.search(r"<dt>Findings</dt><dd>(?:<a [^>]*>)?(\d+)", page).group(1))


def _step(app, crew, who: str, action: str) -> None:
    task = _only_task()
    given = ActionInput(action, task.version, note=f"{action} note")
    if action == "assign":
        given.assignee = db.session.get(User, crew.ids["fixer"])
    if action == "submit_fix":
        given.uploads = [fix_photo()]
    act(task, db.session.get(User, crew.ids[who]), given, photo_dir=app.config["PATROL_PHOTO_DIR"])
    db.session.commit()


def test_a_second_failure_shows_as_added_to_the_open_task_and_the_first_round_still_shows_it_new(app, crew):
    patrol(crew, "fail")
    first = _latest_round()
    task_id = _only_task().id
    patrol(crew, "fail", note="Still wedged open")
    second = _latest_round()

    page = _page(app, crew, second)
    assert _counted(page) == 1
    assert page.count('class="outcome"') == 1
    assert f'<a class="outcome" href="/tasks/{task_id}">Added to task #{task_id} (seen 2 times)</a>' in page
    assert "Fire door closed: Fail" in page
    earlier = _page(app, crew, first)
    assert _counted(earlier) == 1
    assert f'href="/tasks/{task_id}">New task #{task_id}: Fire door closed: Fail' in earlier


def test_a_round_failing_a_fix_sends_it_back_to_its_assignee_and_one_passing_it_closes_it(app, crew):
    patrol(crew, "fail")
    task_id = _only_task().id
    _step(app, crew, "supervisor", "assign")
    _step(app, crew, "fixer", "submit_fix")
    patrol(crew, "fail", note="Wedged open again")
    failed = _latest_round()
    _step(app, crew, "fixer", "submit_fix")
    patrol(crew, "pass")
    passed = _latest_round()

    page = _page(app, crew, failed)
    assert _counted(page) == 1
    assert f'href="/tasks/{task_id}">Fix not accepted, back to Fixer Person (task #{task_id})</a>' in page
    page = _page(app, crew, passed)
    assert _counted(page) == 0
    assert f'href="/tasks/{task_id}">Fix accepted, closed (task #{task_id})</a>' in page


def _round_failing(user: User, location: Location, version, failing: int) -> None:
    key = DraftKey(user, location, version, str(uuid.uuid4()), utcnow())
    for position, item in enumerate(version.items):
        answer = "fail" if position < failing else "pass"
        save_answer(key, item, AnswerInput(answer, note="Broken" if answer == "fail" else ""))
    assert submit_inspection(key, {}).ok


def test_the_page_runs_as_many_queries_for_many_findings_as_for_one(app, ctx, browser, queries):
    site = factories.site()
    butler = factories.user("butler", [site], locale="en")
    factories.user("supervisor", [site], username="sue", locale="en")
    version = factories.checklist([passfail(f"Item {n}", "high", photo=False) for n in range(8)])
    browser.login("sue")
    counts = {}
    for failing in (1, 8):
        location = factories.location(site)
        _round_failing(butler, location, version, failing)  # new tasks
        _round_failing(butler, location, version, failing)  # the same, seen again
        inspection_id = _latest_round()
        db.session.expire_all()
        queries.statements.clear()
        page = " ".join(html.unescape(browser.get(f"/inspections/{inspection_id}").get_data(as_text=True)).split())
        counts[failing] = len(queries)
        assert _counted(page) == failing == page.count("(seen 2 times)")
    assert counts[1] == counts[8], counts
