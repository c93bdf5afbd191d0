"""Odd values a probe sends — ids past what the database holds, huge page numbers, a NUL byte in
text — get a clear 4xx (or just work), never a 500, on SQLite and PostgreSQL alike."""

import io
import re

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from patrol.database import utcnow
from patrol.extensions import db
from patrol.inspections.answers import AnswerInput
from patrol.inspections.drafts import DraftKey, save_answer
from patrol.inspections.photos import PhotoLimits, attach_photo
from patrol.inspections.submission import submit_inspection
from patrol.models import Answer, Inspection, Photo, Schedule, Site, Task
from patrol.setup.catalogue import passfail
from patrol.setup.checklists import assign_checklist
from patrol.validation import MAX_ID, whole_number, whole_numbers
from patrol.views.request_guards import MAX_PAGE
from tests.conftest import Browser
from tests.factories import PASSWORD, jpeg_bytes
from tests.phone import JSON, NOTHING, answer, next_seq, op_id, scan, stored, submit, text_of, upload

# Past PostgreSQL's integer (every id column), past 64 bits, and far past; MAX_ID itself is a real (if unused) id.
TOO_BIG = [MAX_ID + 1, 2**63 - 1, 2**63, 2**64, 10**30]
ODD_NUMBERS = [*TOO_BIG, "-1", "0", "²", "1" * 5000, "12abc"]
# Every number the views read from a query string.
QUERY_NUMBERS = ("page", "site", "person", "checklist", "id", "ids", "count", "published")
LISTS = [
    "/admin/sites/",
    "/admin/checklists/",
    "/admin/people/",
    "/admin/audit/",
    "/admin/schedules/",
    "/admin/locations/",
    "/tasks",
    "/locations",
]
PARAM = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")
NUL_MESSAGE = "The text contains a character that cannot be stored"


@pytest.fixture
def one_of_everything(app, make):
    """One of everything an id in a URL can name, and an administrator and a butler to ask for it."""
    site = make.site("翠湖苑")
    people = {
        "admin": make.user("admin", username="odd-admin", locale="en"),
        "butler": make.user("butler", [site], username="odd-butler", locale="en"),
    }
    location = make.location(site)
    version = make.checklist([passfail("消防通道无堵塞", "high")])
    assignment = assign_checklist(version.checklist, location_id=location.id)
    schedule = Schedule(
        site_id=site.id,
        name="每日巡楼",
        checklist_id=version.checklist_id,
        location_kind="floor",
        recurrence="daily",
        start_time=utcnow().time(),
        weekdays=[],
    )
    db.session.add(schedule)
    db.session.commit()
    key = DraftKey(people["butler"], location, version, "0d7c4b3e-5a2b-4a5e-8f6e-555555555555", utcnow())
    save_answer(key, version.items[0], AnswerInput("fail", note="楼梯间堆放纸箱", severity="high"))
    limits = PhotoLimits(app.config["PATROL_PHOTO_DIR"], 10**7, 5 * 10**7)
    assert attach_photo(key, version.items[0], jpeg_bytes(), limits, make.photo_op()).ok
    assert submit_inspection(key, {}).ok
    ids = {
        "site": site.id,
        "location": location.id,
        "checklist": version.checklist_id,
        "version": version.id,
        "number": version.number,
        "item": version.items[0].id,
        "assignment": assignment.id,
        "schedule": schedule.id,
        "user": people["butler"].id,
        "inspection": db.session.scalar(select(Inspection.id)),
        "task": db.session.scalar(select(Task.id)),
        "photo": db.session.scalar(select(Photo.id)),
        "sha256": db.session.scalar(select(Photo.sha256)),
        "token": location.qr_token,
    }
    return {role: user.username for role, user in people.items()}, ids


def _signed_in(client, username) -> Browser:
    browser = Browser(client)
    assert browser.login(username, PASSWORD).status_code in (302, 303)
    return browser


def _url(rule, ids, odd=None) -> str:
    """The rule's URL with real ids, except the argument named in `odd` (name, value)."""

    def fill(match):
        converter, arguments, name = match.groups()
        if odd and name == odd[0]:
            return str(odd[1])
        if converter == "any":
            return arguments.split(",")[0].strip().strip("'\"")
        return str(ids.get(name.removesuffix("_id"), "x" if converter in (None, "string", "path") else 1))

    return PARAM.sub(fill, rule.rule)


def _int_arguments(rule) -> list[str]:
    return [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]


def _ask(browser, rule, url):
    """GET where the rule answers GET, else POST (with the CSRF token, like the app's pages), as the
    phone's outbox sends it where only the outbox posts."""
    if "GET" in rule.methods:
        response = browser.get(url)
    elif getattr(browser.client.application.view_functions[rule.endpoint], "outbox_only", False):
        response = browser.post(url, {"op": op_id(), "seq": str(next_seq())}, headers=dict(JSON))
    else:
        response = browser.post(url, {})
    response.close()
    return response


# --- ids in the path ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "butler"])
def test_every_id_in_a_path_past_what_the_database_holds_is_not_found(app, client, one_of_everything, role):
    people, ids = one_of_everything
    browser = _signed_in(client, people[role])
    asked = 0
    for rule in app.url_map.iter_rules():
        for name in _int_arguments(rule):
            for value in TOO_BIG:
                url = _url(rule, ids, (name, value))
                response = _ask(browser, rule, url)
                assert response.status_code == 404, f"{role} {url} → {response.status_code}"
                assert "This page or record does not exist" in text_of(response)
                asked += 1
    assert asked >= 3 * 12  # the walk really reached the id-taking routes


@pytest.mark.parametrize("role", ["admin", "butler"])
def test_the_largest_possible_id_reaches_each_view_and_is_answered_without_error(app, client, one_of_everything, role):
    people, ids = one_of_everything
    browser = _signed_in(client, people[role])
    for rule in app.url_map.iter_rules():
        for name in _int_arguments(rule):
            url = _url(rule, ids, (name, MAX_ID))
            status = _ask(browser, rule, url).status_code
            assert status in (400, 403, 404, 405, 409, 410, 422), f"{role} {url} → {status}"


def test_a_huge_id_asked_by_htmx_answers_with_the_message_fragment(client, one_of_everything):
    people, _ = one_of_everything
    browser = _signed_in(client, people["admin"])

    response = browser.get(f"/admin/sites/{2**64}", headers={"HX-Request": "true"})

    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#messages"
    assert "This page or record does not exist" in text_of(response)
    assert "<html" not in text_of(response)


def test_a_huge_id_is_not_found_in_the_users_language(client, make):
    make.user("butler", [make.site()], username="odd-hant", locale="zh_Hant")
    browser = _signed_in(client, "odd-hant")

    response = browser.get(f"/tasks/{10**30}")

    assert response.status_code == 404
    assert '<html lang="zh-Hant"' in text_of(response) and "找不到" in text_of(response)


# --- numbers in the query string ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "butler"])
def test_a_huge_page_number_on_every_list_shows_a_page(client, one_of_everything, role):
    people, _ = one_of_everything
    browser = _signed_in(client, people[role])
    for url in LISTS:
        for value in [MAX_PAGE, *TOO_BIG]:
            status = browser.get(f"{url}?page={value}").status_code
            # A butler is kept out of setup; everyone else gets the list, never an error.
            assert status == (403 if role == "butler" and url.startswith("/admin") else 200), f"{url} → {status}"


@pytest.mark.parametrize("role", ["admin", "butler"])
def test_odd_numbers_in_the_query_string_of_any_page_are_ignored(app, client, one_of_everything, role):
    people, ids = one_of_everything
    browser = _signed_in(client, people[role])
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = _url(rule, ids)
        for value in ODD_NUMBERS:
            query = {name: str(value) for name in QUERY_NUMBERS}
            response = browser.get(url, query_string=query)
            response.close()  # a photo answers with an open file
            status = response.status_code
            assert status < 500, f"{role} {url}?…={str(value)[:30]} → {status}"


# --- ids in a form ------------------------------------------------------------------------------


def _shown(value) -> str:
    return str(value) if len(str(value)) < 40 else f"{len(str(value))} digits"


@pytest.mark.parametrize("value", ODD_NUMBERS, ids=_shown)
def test_odd_ids_in_setup_forms_come_back_as_mistakes(client, one_of_everything, value):
    people, ids = one_of_everything
    browser = _signed_in(client, people["admin"])
    checklist = ids["checklist"]
    forms = {
        f"/admin/checklists/{checklist}/assignments/locations": {"location": [str(value), str(ids["location"])]},
        f"/admin/checklists/{checklist}/assignments/kind": {"location_kind": "floor", "site": str(value)},
        "/admin/locations/new": {"name": "2栋 1F", "kind": "floor", "site_id": str(value)},
        "/admin/people/new": {"username": "newbie", "display_name": "新人", "role": "butler", "sites": str(value)},
        "/admin/schedules/new": {
            "name": "夜巡",
            "site": str(value),
            "checklist": str(checklist),
            "scope": "picked",
            "locations": [str(value)],
            "recurrence": "daily",
            "start_time": "08:00",
        },
    }
    for url, form in forms.items():
        status = browser.post(url, form).status_code
        # The location list also names a real location, so that one is assigned; the rest are mistakes.
        expected = 303 if url.endswith("/assignments/locations") else 422
        assert status == expected, f"{url} with {_shown(value)} → {status}"
    # And a schedule for the right site naming an odd location among real ones.
    picked = {
        **forms["/admin/schedules/new"],
        "site": str(ids["site"]),
        "locations": [str(ids["location"]), str(value)],
    }
    assert browser.post("/admin/schedules/new", picked).status_code == 422
    assert browser.get("/admin/schedules/new", query_string=picked).status_code == 200


@pytest.mark.parametrize("value", ["²", "1" * 5000], ids=_shown)
def test_an_odd_site_for_a_location_import_comes_back_as_a_mistake(client, one_of_everything, value):
    people, _ = one_of_everything
    browser = _signed_in(client, people["admin"])

    response = browser.post(
        "/admin/locations/import", {"site_id": value, "file": (io.BytesIO(b"name,kind\n1F,floor\n"), "sheet.csv")}
    )

    assert response.status_code == 422


def test_a_submit_naming_items_past_the_id_range_is_answered_without_error(butler, scene):
    form = scan(butler, scene)
    odd = {f"value-{9_999_999_999}": "pass", f"note-{MAX_ID + 1}": "x", "value-١٢": "pass"}

    sent = submit(butler, scene, form, {}, **odd)
    posted_whole = butler.post(scene.form_url, {**form, **odd})  # the page's own form, without JavaScript

    assert sent.status_code < 500 and posted_whole.status_code < 500


def test_whole_number_takes_plain_digits_in_range_only():
    assert [whole_number(raw) for raw in ("7", " 42 ", "007", str(MAX_ID))] == [7, 42, 7, MAX_ID]
    assert [
        whole_number(raw) for raw in (str(MAX_ID + 1), "0", "-3", "+3", "²", "١٢", "1_000", "", None, "9" * 5000)
    ] == [None] * 10
    assert whole_number("0", minimum=0) == 0 and whole_number("11", maximum=10) is None
    assert whole_numbers(["3", "x", str(2**64), "5"]) == [3, 5]


# --- a NUL byte in text -------------------------------------------------------------------------


def test_a_note_with_a_nul_byte_is_refused_with_the_reason_and_nothing_is_stored(app, butler, scene):
    form = scan(butler, scene)
    item_id = scene.item_ids[1]

    response = answer(butler, scene, form, item_id, "fail", note="垃圾桶\x00已满")

    assert response.status_code == 400 and response.json["ok"] is False
    assert response.json["title"].startswith(NUL_MESSAGE)
    assert response.json["message"] == "It may have come with pasted text. Type that part again and send it once more."
    assert stored(app) == NOTHING


def test_a_nul_byte_in_a_page_s_htmx_form_is_said_in_place(client, one_of_everything):
    people, _ = one_of_everything
    browser = _signed_in(client, people["admin"])
    fields = {"name": "星河湾\x00花园", "timezone": "Asia/Shanghai", "opens_at": "08:30", "closes_at": "18:00"}

    response = browser.post("/admin/sites/new", fields, htmx=True)

    assert response.status_code == 400
    assert NUL_MESSAGE in text_of(response) and "<html" not in text_of(response)
    assert response.headers["HX-Retarget"] == "#messages"
    assert db.session.scalar(select(Site).where(Site.name.like("星河湾%"))) is None


def test_an_answer_with_a_nul_byte_is_refused_and_the_same_answer_without_it_is_saved(app, butler, scene):
    form = scan(butler, scene)
    item_id = scene.item_ids[1]

    refused = answer(butler, scene, form, item_id, "fail\x00")
    saved = answer(butler, scene, form, item_id, "fail")

    assert refused.status_code == 400 and refused.json["title"].startswith(NUL_MESSAGE)
    assert saved.status_code == 200 and saved.json["ok"] is True
    with app.app_context():
        assert db.session.scalar(select(Answer.value_text)) == "fail"


def test_a_photo_whose_bytes_hold_nul_is_not_refused(app, butler, scene):
    form = scan(butler, scene)
    item_id = scene.item_ids[0]
    answer(butler, scene, form, item_id, "fail")

    response = upload(butler, scene, form, item_id, jpeg_bytes(), "门.jpg")

    assert b"\x00" in jpeg_bytes()
    assert response.status_code == 200 and response.json["ok"] is True
    assert stored(app)["photos"] == 1


def test_a_site_name_with_a_nul_byte_is_refused_with_the_reason(client, one_of_everything):
    people, _ = one_of_everything
    browser = _signed_in(client, people["admin"])

    response = browser.post(
        "/admin/sites/new",
        {"name": "星河湾\x00花园", "timezone": "Asia/Shanghai", "opens_at": "08:30", "closes_at": "18:00"},
    )

    assert response.status_code == 400
    assert NUL_MESSAGE in text_of(response)
    assert "<html" in text_of(response)  # the whole error page, not a fragment
    assert db.session.scalar(select(Site).where(Site.name.like("星河湾%"))) is None


@pytest.mark.parametrize(
    "ask",
    [
        lambda b: b.get("/admin/locations/", query_string={"q": "1栋\x00"}),
        lambda b: b.get("/c/abc%00def"),
        lambda b: b.get("/locations", query_string={"q\x00": "x"}),
        lambda b: b.client.post(
            "/admin/sites/new", json={"name": ["星河湾\x00花园"]}, headers={"X-CSRFToken": b.token}
        ),
        lambda b: b.post("/login", {"username": "odd-admin\x00", "password": PASSWORD}),
    ],
    ids=["query value", "path", "query name", "json", "login"],
)
def test_a_nul_byte_anywhere_in_a_request_is_refused_before_any_view(client, one_of_everything, ask):
    people, _ = one_of_everything
    browser = _signed_in(client, people["admin"])

    response = ask(browser)

    assert response.status_code == 400
    assert NUL_MESSAGE in text_of(response)
