"""Filling in and submitting a checklist, through the services directly."""

from datetime import timedelta

from sqlalchemy import func, select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections.answers import AnswerInput
from patrol.inspections.drafts import DraftKey, find_resumable_draft, save_answer
from patrol.inspections.scan import scan_page
from patrol.inspections.submission import submit_inspection
from patrol.models import Answer, Inspection, Task, TaskEvent
from patrol.presenters.tasks import task_title
from patrol.setup.catalogue import choice, count, note, passfail, rating, reading

ITEMS = [
    passfail("消防通道无堵塞", "high", photo=False),
    rating("地面洁净", threshold=3),
    count("灭火器数量", 2, severity="medium", photo=False),
    reading("水压", 0.2, 0.6, "MPa"),
    choice("当日工种", ["水电", "油漆", "无人施工"], failing=["无人施工"]),
    note("其他情况"),
]


def a_patrol(make):
    """A site, a butler on it, a floor, and the ITEMS checklist published for every floor."""
    site = make.site()
    butler = make.user("butler", [site])
    location = make.location(site)
    version = make.checklist(ITEMS)
    return site, butler, location, version


def key_for(butler, location, version, client_id=None, minutes_ago=3):
    return DraftKey(
        butler,
        location,
        version,
        client_id or "3b8f0e7a-3f49-4f0e-9a53-0d4b0f5e4a11",
        utcnow() - timedelta(minutes=minutes_ago),
    )


def count_rows(model):
    return db.session.scalar(select(func.count()).select_from(model))


def all_passing(version):
    values = {"passfail": "pass", "rating": "4", "count": "2", "number": "0.4", "choice": "水电", "text": ""}
    return {item.id: AnswerInput(values[item.item_type]) for item in version.items}


def test_saving_an_answer_starts_a_draft_that_a_rescan_resumes(make):
    _site, butler, location, version = a_patrol(make)
    first = version.items[0]
    outcome = save_answer(key_for(butler, location, version), first, AnswerInput("fail", note="纸箱堵塞"))
    assert outcome.ok and outcome.value.is_finding
    page = scan_page(butler, location, None, resume_hours=6)
    assert page.draft is not None and page.draft.status == "draft"
    assert page.answers[first.id].value == "fail"
    assert page.answers[first.id].note == "纸箱堵塞"


def test_a_draft_older_than_the_resume_window_is_not_resumed(make):
    _site, butler, location, version = a_patrol(make)
    save_answer(key_for(butler, location, version, minutes_ago=60 * 8), version.items[0], AnswerInput("pass"))
    assert find_resumable_draft(butler, location, version.checklist_id, resume_hours=6) is None
    assert find_resumable_draft(butler, location, version.checklist_id, resume_hours=12) is not None


def test_each_kind_of_failed_answer_becomes_a_task_due_by_its_severity(make, app):
    _site, butler, location, version = a_patrol(make)
    given = all_passing(version)
    by_type = {item.item_type: item for item in version.items}
    given[by_type["passfail"].id] = AnswerInput("fail", note="堆放纸箱", severity="high")
    given[by_type["rating"].id] = AnswerInput("2")
    given[by_type["count"].id] = AnswerInput("1")
    given[by_type["number"].id] = AnswerInput("0.9")
    given[by_type["choice"].id] = AnswerInput("无人施工")
    result = submit_inspection(key_for(butler, location, version), given)
    assert result.ok and result.created
    tasks = {t.answer.item.item_type: t for t in db.session.scalars(select(Task))}
    assert set(tasks) == {"passfail", "rating", "count", "number", "choice"}
    hours = app.config["PATROL_DUE_HOURS"]
    submitted = result.inspection.submitted_at
    for task in tasks.values():
        assert task.status == "open" and task.location_id == location.id
        assert task.due_at == submitted + timedelta(hours=hours[task.severity])
    assert tasks["passfail"].severity == "high" and tasks["passfail"].detail == "堆放纸箱"
    # A task is titled by what is wrong, from its item and the answer (here in English, the request's language).
    assert {kind: task_title(task) for kind, task in tasks.items()} == {
        "passfail": "消防通道无堵塞: Fail",
        "rating": "地面洁净: 2 points (below 3)",
        "count": "灭火器数量: 1 short (1/2)",
        "number": "水压 0.9MPa (outside 0.2–0.6)",
        "choice": "当日工种: 无人施工",
    }
    assert tasks["rating"].severity == "low"  # the item's default severity
    events = list(db.session.scalars(select(TaskEvent)))
    assert len(events) == 5 and {e.kind for e in events} == {"created"}


def test_submit_records_who_where_which_version_and_how_long(make):
    _site, butler, location, version = a_patrol(make)
    result = submit_inspection(key_for(butler, location, version, minutes_ago=5), all_passing(version))
    inspection = result.inspection
    assert inspection.status == "submitted"
    assert (inspection.inspector_id, inspection.location_id, inspection.checklist_version_id) == (
        butler.id,
        location.id,
        version.id,
    )
    assert 295 <= inspection.duration_seconds <= 330
    assert abs((inspection.submitted_at - inspection.scanned_at).total_seconds() - inspection.duration_seconds) < 1
    assert count_rows(Task) == 0


def test_submitting_the_same_client_id_twice_yields_one_inspection(make):
    _site, butler, location, version = a_patrol(make)
    given = all_passing(version)
    given[version.items[0].id] = AnswerInput("fail")
    first = submit_inspection(key_for(butler, location, version), given)
    again = submit_inspection(key_for(butler, location, version), given)
    assert first.ok and again.ok and not again.created
    assert again.inspection.id == first.inspection.id
    assert count_rows(Inspection) == 1 and count_rows(Task) == 1


def test_missing_required_answers_submit_nothing_but_keep_the_answers_given(make):
    _site, butler, location, version = a_patrol(make)
    given = all_passing(version)
    missing = version.items[1]
    del given[missing.id]
    result = submit_inspection(key_for(butler, location, version), given)
    assert not result.ok and result.status == 422
    assert set(result.errors) == {str(missing.id)}
    assert "needs an answer" in result.errors[str(missing.id)]
    # Not submitted and no task, but every answer it carried is in the draft: nothing given is lost.
    inspection = db.session.scalar(select(Inspection))
    assert inspection.status == "draft" and count_rows(Task) == 0
    assert count_rows(Answer) == sum(1 for answer in given.values() if answer.raw)  # an empty note is no answer
    # What the person had entered comes back to the form.
    assert result.snapshots[version.items[0].id].value == "pass"


def test_an_invalid_value_is_refused_with_a_reason(make):
    _site, butler, location, version = a_patrol(make)
    rating_item = next(i for i in version.items if i.item_type == "rating")
    outcome = save_answer(key_for(butler, location, version), rating_item, AnswerInput("9"))
    assert not outcome.ok and "1 to 5" in outcome.errors["value"]
    assert count_rows(Answer) == 0


def test_a_fail_that_needs_a_photo_cannot_be_submitted_without_one(make):
    site = make.site()
    butler = make.user("butler", [site])
    location = make.location(site)
    version = make.checklist([passfail("灭火器封条完好", "high", photo=True)])
    item = version.items[0]
    result = submit_inspection(key_for(butler, location, version), {item.id: AnswerInput("fail")})
    assert result.errors == {str(item.id): "Take a photo of the problem."}
    assert count_rows(Task) == 0


def test_publishing_a_new_version_leaves_past_inspections_as_they_were(make):
    _site, butler, location, version = a_patrol(make)
    submit_inspection(key_for(butler, location, version), all_passing(version))
    newer = make.next_version(version, ["新增：电梯运行正常"], name="巡楼检查（修订）")
    inspection = db.session.scalar(select(Inspection))
    assert inspection.checklist_version.number == 1
    assert [i.prompt for i in inspection.checklist_version.items] == [i["prompt"] for i in ITEMS]
    assert newer.number == 2
    page = scan_page(butler, location, None, resume_hours=6)
    assert page.version.id == newer.id and [i.prompt for i in page.items] == ["新增：电梯运行正常"]


def test_a_draft_keeps_its_version_when_a_new_one_is_published(make):
    _site, butler, location, version = a_patrol(make)
    save_answer(key_for(butler, location, version), version.items[0], AnswerInput("pass"))
    make.next_version(version, ["只有一项"])
    page = scan_page(butler, location, None, resume_hours=6)
    assert page.version.id == version.id and len(page.items) == len(ITEMS)


def test_someone_elses_client_id_is_refused(make):
    site, butler, location, version = a_patrol(make)
    other = make.user("butler", [site])
    save_answer(key_for(butler, location, version), version.items[0], AnswerInput("pass"))
    outcome = save_answer(key_for(other, location, version), version.items[0], AnswerInput("fail"))
    assert not outcome.ok and outcome.status == 409
    assert db.session.scalar(select(Answer.value_text)) == "pass"
