"""A task's page: what it is, what this person may do now (each a form of its own), its timeline; and
the re-check offered on the scan page of the location where a fix awaits it."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from sqlalchemy import select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.models import Task, TaskEvent, User
from patrol.tasks.photos import keep_all
from patrol.tasks.workflow import ActionInput, act
from tests import factories
from tests.task_crew import (
    crew_fixture,  # noqa: F401  (the "crew" fixture)
    fix_photo,
    jpeg_upload,
    page_text,
    patrol,
    phone_of,
    task_in,
    task_values,
)


class Forms(HTMLParser):
    """The forms of a page posting to a task's actions: their attributes, hidden fields, buttons and controls."""

    def __init__(self, page: str, task_id: int):
        super().__init__()
        self.target = f"/tasks/{task_id}/act"
        self.forms: list[dict] = []
        self.current: dict | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("action") == self.target:
            self.current = {"attrs": attrs, "hidden": {}, "buttons": [], "controls": []}
            self.forms.append(self.current)
        elif self.current is not None and tag == "input" and attrs.get("type") == "hidden":
            self.current["hidden"][attrs["name"]] = attrs.get("value", "")
        elif self.current is not None and tag == "button" and attrs.get("name") == "action":
            self.current["buttons"].append(attrs)
        elif self.current is not None and tag in ("input", "select", "textarea"):
            self.current["controls"].append({"tag": tag, **attrs})

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None

    def actions(self) -> dict[str, dict]:
        by_action = {}
        for form in self.forms:
            names = [form["hidden"]["action"]] if "action" in form["hidden"] else [b["value"] for b in form["buttons"]]
            for name in names:
                by_action[name] = form
        return by_action


def _finding(app, crew) -> int:
    with app.test_request_context():
        patrol(crew, "fail")
        task_id = db.session.scalar(select(Task.id))
        db.session.remove()
    return task_id


def _step(app, crew, task_id: int, who: str, action: str, **fields) -> None:
    with app.app_context():
        task = db.session.get(Task, task_id)
        given = ActionInput(action, task.version, **fields)
        if action == "submit_fix":
            given.uploads = [fix_photo()]
        act(task, db.session.get(User, crew.ids[who]), given, photo_dir=app.config["PATROL_PHOTO_DIR"])
        db.session.remove()


def _fixer(app, crew):
    with app.app_context():
        return db.session.get(User, crew.ids["fixer"])


# --- what each person is offered --------------------------------------------------------------------


def test_a_supervisor_on_an_open_finding_may_assign_acknowledge_change_cancel_and_comment(app, crew):
    task_id = _finding(app, crew)
    page = page_text(phone_of(app, crew, "supervisor").get(f"/tasks/{task_id}"))
    assert "<h1>Fire door closed: Fail</h1>" in page
    assert "Door wedged open" in page and "Tower 1, 12F" in page and "Harbour View" in page
    assert "Not assigned yet" in page and "Butler Person" in page and "Inspection of" in page
    assert f'href="/tasks/{task_id}/notice"' in page
    forms = Forms(page, task_id).actions()
    assert set(forms) == {"acknowledge", "assign", "change_due", "change_severity", "cancel", "comment"}
    (version,) = task_values(app, task_id, "version")
    client_ids = {form["hidden"]["client_id"] for form in forms.values()}
    assert len(client_ids) == len(forms) and all(re.fullmatch(r"[0-9a-f-]{36}", cid) for cid in client_ids)
    assert all(form["hidden"]["version"] == str(version) for form in forms.values())
    # Whom it may be assigned to: the site's people, by name and role; not someone of another site.
    people = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page)
    assert {int(pid) for pid, _name in people} == {
        crew.ids[w] for w in ("butler", "fixer", "spare", "steward", "supervisor")
    }
    assert (str(crew.ids["steward"]), "Steward Person (Model-room steward)") in people
    due = [c for c in forms["change_due"]["controls"] if c.get("name") == "due_at"][0]
    assert due["type"] == "datetime-local" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", due["value"])


def test_the_assignee_may_start_and_submit_a_fix_with_photos_from_the_camera(app, crew):
    task_id = task_in(app, crew, "assigned")
    page = page_text(phone_of(app, crew, "fixer").get(f"/tasks/{task_id}"))
    forms = Forms(page, task_id).actions()
    assert set(forms) == {"start", "submit_fix", "comment"}
    fix = forms["submit_fix"]
    assert fix["attrs"]["enctype"] == "multipart/form-data" and fix["attrs"]["hx-encoding"] == "multipart/form-data"
    [photos] = [c for c in fix["controls"] if c.get("name") == "photos"]
    assert (photos["type"], photos["accept"], photos["capture"]) == ("file", "image/jpeg,image/png", "environment")
    assert "multiple" in photos and "required" in photos
    # Someone else on the site sees the task, and may only comment.
    assert set(Forms(page_text(phone_of(app, crew, "spare").get(f"/tasks/{task_id}")), task_id).actions()) == {
        "comment"
    }


def test_a_fix_awaiting_recheck_is_offered_to_others_but_not_to_its_fixer(app, crew):
    task_id = task_in(app, crew, "fixed")
    page = page_text(phone_of(app, crew, "butler").get(f"/tasks/{task_id}"))
    forms = Forms(page, task_id).actions()
    assert set(forms) == {"recheck_pass", "recheck_fail", "comment"}
    recheck = forms["recheck_pass"]
    assert recheck is forms["recheck_fail"]  # one form, two buttons
    passed = [b for b in recheck["buttons"] if b["value"] == "recheck_pass"][0]
    assert "formnovalidate" in passed  # a pass needs no note; not passed does
    assert ">Passed</button>" in page and ">Not passed</button>" in page
    # Beside it, the fix to look at: who, its note and photo.
    summary = page.split('class="fix-summary"', 1)[1].split("</div>", 1)[0]
    assert "Fixed by Fixer Person" in summary and "submit_fix note" in summary and "/thumb.jpg" in summary
    assert set(Forms(page_text(phone_of(app, crew, "fixer").get(f"/tasks/{task_id}")), task_id).actions()) == {
        "comment"
    }
    supervisor = set(Forms(page_text(phone_of(app, crew, "supervisor").get(f"/tasks/{task_id}")), task_id).actions())
    assert supervisor == {"change_due", "change_severity", "recheck_pass", "recheck_fail", "cancel", "comment"}


def test_a_closed_task_may_only_be_commented_on(app, crew):
    task_id = task_in(app, crew, "closed")
    page = page_text(phone_of(app, crew, "supervisor").get(f"/tasks/{task_id}"))
    assert set(Forms(page, task_id).actions()) == {"comment"}
    assert 'class="badge status-closed">Closed</span>' in page


def test_the_head_says_overdue_feedback_overdue_seen_again_and_reopened(app, crew):
    task_id = _finding(app, crew)
    with app.test_request_context():
        patrol(crew, "fail")
        task = db.session.get(Task, task_id)
        task.respond_by = task.due_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        db.session.remove()
    page = page_text(phone_of(app, crew, "supervisor").get(f"/tasks/{task_id}"))
    assert '<span class="badge alarm">Overdue</span>' in page
    assert '<span class="badge alarm">Feedback overdue</span>' in page
    assert "Seen 2 times since" in page
    _step(app, crew, task_id, "supervisor", "assign", assignee=_fixer(app, crew))
    _step(app, crew, task_id, "fixer", "submit_fix", note="closer fixed")
    _step(app, crew, task_id, "butler", "recheck_fail", note="still open")
    page = page_text(phone_of(app, crew, "supervisor").get(f"/tasks/{task_id}"))
    assert "Failed re-check 1 time" in page and "Feedback overdue" not in page


# --- the timeline ----------------------------------------------------------------------------------


def test_the_timeline_shows_who_did_what_when_with_notes_and_photos(app, crew):
    task_id = _finding(app, crew)
    later = utcnow() + timedelta(days=3)
    _step(app, crew, task_id, "supervisor", "assign", assignee=_fixer(app, crew), note="Today please")
    _step(app, crew, task_id, "supervisor", "change_due", due_at=later)
    _step(app, crew, task_id, "supervisor", "change_severity", severity="medium")
    _step(app, crew, task_id, "fixer", "start")
    _step(app, crew, task_id, "fixer", "submit_fix", note="New door closer fitted")
    _step(app, crew, task_id, "butler", "recheck_fail", note="Closes too slowly")
    _step(app, crew, task_id, "steward", "comment", note="Parts ordered")
    page = page_text(phone_of(app, crew, "supervisor").get(f"/tasks/{task_id}"))
    timeline = page.split("<h2>Timeline</h2>", 1)[1]
    entries = re.findall(r"<li class=\"event-(\w+)\">(.*?)</li>", timeline, re.S)
    assert [kind for kind, _body in entries] == [
        "created", "assigned", "due_changed", "severity_changed", "started", "fixed", "recheck_failed", "comment",
    ]  # fmt: skip
    body = dict(entries)
    assert "Raised from inspection" in body["created"] and "Butler Person" in body["created"]
    assert "Supervisor Person" in body["assigned"] and "Open → Assigned" in body["assigned"]
    assert "To Fixer Person" in body["assigned"] and "Today please" in body["assigned"]
    shown_due = later.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert f"New due time: {shown_due}" in body["due_changed"]
    assert "New severity: Medium" in body["severity_changed"]
    assert "Assigned → Being fixed" in body["started"]
    assert "Being fixed → Awaiting re-check" in body["fixed"] and "New door closer fitted" in body["fixed"]
    assert re.search(r"/photos/[0-9a-f]{64}/thumb\.jpg", body["fixed"])
    assert "Awaiting re-check → Assigned" in body["recheck_failed"] and "Closes too slowly" in body["recheck_failed"]
    assert "Steward Person" in body["comment"] and "Parts ordered" in body["comment"]
    assert re.search(r"<time datetime=\"[^\"]+\">\d{4}-\d\d-\d\d \d\d:\d\d</time>", body["assigned"])


def test_the_page_runs_as_many_queries_with_a_long_timeline_as_with_a_short_one(app, crew, queries):
    short, long = task_in(app, crew, "fixed"), task_in(app, crew, "fixed")
    for number in range(25):
        _step(app, crew, long, "steward", "comment", note=f"comment {number}")
    supervisor = phone_of(app, crew, "supervisor")
    counts = {}
    for task_id in (short, long):
        supervisor.get(f"/tasks/{task_id}")  # warm: the signed-in user, the site list
        queries.statements.clear()
        assert supervisor.get(f"/tasks/{task_id}").status_code == 200
        counts[task_id] = len(queries)
    assert counts[short] == counts[long] <= 12, counts


def test_a_reported_problem_shows_its_place_and_the_photos_it_came_with(app, crew):
    with app.app_context():
        now = utcnow()
        task = Task(
            site_id=crew.site_id, place="Lobby, by the lifts", source="report", category="repair", title="",
            detail="Ceiling tile hanging", severity="medium", raised_by_id=crew.ids["steward"],
            due_at=now + timedelta(days=1), created_at=now,
        )  # fmt: skip
        db.session.add(task)
        db.session.flush()
        kept = keep_all([fix_photo()], crew.ids["steward"], app.config["PATROL_PHOTO_DIR"])
        reported = TaskEvent(task=task, kind="reported", actor_id=crew.ids["steward"], to_status="open")
        reported.photos = kept.photos
        db.session.add(reported)
        db.session.commit()
        task_id, sha256 = task.id, kept.photos[0].sha256
        db.session.remove()
    page = page_text(phone_of(app, crew, "butler").get(f"/tasks/{task_id}"))
    assert "Lobby, by the lifts" in page and "Reported by" in page and "Steward Person" in page
    assert "Repair: Ceiling tile hanging" in page
    head = page.split('class="card task-head"', 1)[1].split("</section>", 1)[0]
    assert f"/photos/{sha256}/thumb.jpg" in head


# --- htmx: a refusal beside its form, a success a full navigation -------------------------------------


def test_a_refused_action_comes_back_beside_its_form_and_keeps_what_was_typed(app, crew):
    task_id = task_in(app, crew, "in_progress")
    fixer = phone_of(app, crew, "fixer")
    (version,) = task_values(app, task_id, "version")
    data = {
        "action": "submit_fix",
        "version": version,
        "client_id": factories.client_id(),
        "note": "Closer <b>swapped</b>",
    }
    response = fixer.post(f"/tasks/{task_id}/act", data=data, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.lstrip().startswith('<div id="task">') and "<html" not in body
    fix_form = body.split('value="submit_fix"', 1)[1]
    assert fix_form.index("Add at least one photo of the fix.") < fix_form.index("</form>")
    assert "Closer &lt;b&gt;swapped&lt;/b&gt;</textarea>" in fix_form
    # Without htmx the whole page comes back, with the same status and words.
    whole = fixer.post(f"/tasks/{task_id}/act", data=data)
    assert (
        whole.status_code == 422
        and "<html" in page_text(whole)
        and "Add at least one photo of the fix." in page_text(whole)
    )


def test_a_done_action_sends_htmx_to_the_task_page_with_a_message(app, crew):
    task_id = task_in(app, crew, "assigned")
    fixer = phone_of(app, crew, "fixer")
    (version,) = task_values(app, task_id, "version")
    response = fixer.post(f"/tasks/{task_id}/act", data={"action": "start", "version": version}, htmx=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/tasks/{task_id}"
    assert "Marked as being fixed." in page_text(fixer.get(f"/tasks/{task_id}"))


# --- the re-check offered on the scan page -----------------------------------------------------------


def test_scanning_a_location_offers_the_recheck_of_a_fix_there(app, crew):
    task_id = task_in(app, crew, "fixed")
    butler = phone_of(app, crew, "butler")
    page = page_text(butler.get(f"/c/{crew.token}"))
    assert f'href="/report?location={crew.location_id}"' in page and "Report a problem here" in page
    offer = page.split('class="card recheck-offer"', 1)[1].split("</section>", 1)[0]
    assert "Fixed by Fixer Person" in offer and "submit_fix note" in offer
    assert re.search(r"/photos/[0-9a-f]{64}/thumb\.jpg", offer)
    assert 'value="recheck_pass" formnovalidate' in offer and 'value="recheck_fail"' in offer
    assert 'name="return_to" value="scan"' in offer
    # Its fixer is not offered their own fix.
    assert "recheck-offer" not in page_text(phone_of(app, crew, "fixer").get(f"/c/{crew.token}"))
    form = Forms(page, task_id).forms[0]["hidden"]
    response = butler.post(f"/tasks/{task_id}/act", data={**form, "action": "recheck_pass"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/c/{crew.token}")
    assert task_values(app, task_id, "status") == ("closed",)
    after = page_text(butler.get(f"/c/{crew.token}"))
    assert "Re-check passed: the task is closed." in after and "recheck-offer" not in after


def test_not_passed_from_the_scan_page_needs_a_note(app, crew):
    task_id = task_in(app, crew, "fixed")
    butler = phone_of(app, crew, "butler")
    form = Forms(page_text(butler.get(f"/c/{crew.token}")), task_id).forms[0]["hidden"]
    response = butler.post(f"/tasks/{task_id}/act", data={**form, "action": "recheck_fail"})
    assert response.status_code == 422 and "Say what is still wrong." in page_text(response)
    assert task_values(app, task_id, "status") == ("fixed",)
    response = butler.post(f"/tasks/{task_id}/act", data={**form, "action": "recheck_fail", "note": "Still sticks"})
    assert response.status_code == 303 and task_values(app, task_id, "status", "reopen_count") == ("assigned", 1)


def test_a_fix_photo_sent_through_the_page_is_on_the_timeline(app, crew):
    task_id = task_in(app, crew, "in_progress")
    fixer = phone_of(app, crew, "fixer")
    (version,) = task_values(app, task_id, "version")
    data = {
        "action": "submit_fix",
        "version": version,
        "note": "Fitted",
        "photos": [jpeg_upload("a.jpg"), jpeg_upload("b.jpg", color=(0, 0, 200))],
    }
    assert fixer.post(f"/tasks/{task_id}/act", data=data).status_code == 303
    page = page_text(fixer.get(f"/tasks/{task_id}"))
    fixed = page.split('<li class="event-fixed">', 1)[1].split("</li>", 1)[0]
    assert len(re.findall(r"/photos/[0-9a-f]{64}/thumb\.jpg", fixed)) == 2
