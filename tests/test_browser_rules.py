"""The phone and the server decide alike: one table of answers, run through patrol/inspections/answers.py
and through static/js/outbox-item.js in a page, for every item type; and the outbox's own decisions
(static/js/outbox-send.js: which reply to retry, when, what waits for what) table-tested in a blank
page, without a server or a network.

The item's rule reaches the page as the server writes it (item_rule, rendered as in scan/_item.html);
the words the phone shows are the server's (rule_words), compared as text.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from flask import render_template_string
from playwright.sync_api import Page

from patrol.inspections.answers import InvalidAnswer, evaluate, missing, rule_words
from patrol.models import ChecklistItem

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parent.parent / "static" / "js"

ITEMS = {
    "passfail": ChecklistItem(id=1, item_type="passfail", required=True, photo_required_on_fail=True),
    "rating": ChecklistItem(id=2, item_type="rating", required=True, threshold=3, photo_required_on_fail=False),
    "count": ChecklistItem(id=3, item_type="count", required=True, expected=2, photo_required_on_fail=True),
    "reading": ChecklistItem(
        id=4, item_type="number", required=True, min_value=0.2, max_value=0.6, photo_required_on_fail=False
    ),
    "floor": ChecklistItem(id=5, item_type="number", required=False, min_value=-0.0, photo_required_on_fail=True),
    "open": ChecklistItem(id=6, item_type="number", required=True, photo_required_on_fail=False),
    "choice": ChecklistItem(
        id=7,
        item_type="choice",
        required=True,
        choices=["整洁", "Overflowing"],
        failing_choices=["Overflowing"],
        photo_required_on_fail=True,
    ),
    "text": ChecklistItem(id=8, item_type="text", required=False, photo_required_on_fail=False),
    "count_free": ChecklistItem(id=9, item_type="count", required=False, expected=None, photo_required_on_fail=False),
}

# Numbers as people (and copy-paste) type them: Python's own float syntax, full-width digits, U+2212.
NUMBERS = [
    "0.4", " 0.4 ", "0,4", ".5", "5.", "+3", "-1", "0", "-0", "−0", "−1", "１２", "１２．５", "－３", "０，５",
    "1_000", "1e3", "1E3", "1,000", "12,345", "1,2,3", "1.2.3", "inf", "-inf", "nan", "Infinity", "0x10",
    "١٢", "1000000000", "1000000001", "abc", "", "   ", "2 3", "1/2",
]  # fmt: skip
CASES = (
    [(name, raw) for name in ("rating", "count", "reading", "floor", "open", "count_free") for raw in NUMBERS]
    + [("rating", raw) for raw in ("1", "2", "3", "5", "6", "2.0", "2.5", "３")]
    + [("count", raw) for raw in ("1", "2", "3", "2.0", "2.5", "100000", "100001", "１")]
    + [("reading", raw) for raw in ("0.1", "0.2", "0.6", "0.61", "０．１")]
    + [("passfail", raw) for raw in ("pass", "fail", "na", " fail ", "PASS", "Fail", "maybe", "", " ")]
    + [("choice", raw) for raw in ("整洁", "Overflowing", " 整洁 ", "overflowing", "Other", "")]
    + [("text", raw) for raw in ("hello", "  ", "", "x" * 2000, "x" * 2001, "字" * 2001, "😀" * 1999)]
)

JUDGE = """([html, cases, words]) => {
  document.body.innerHTML = html;
  const items = window.patrolChecklistItem;
  return cases.map(([id, raw, photos]) => {
    const rule = items.ruleOf(document.querySelector('[data-item="' + id + '"]').dataset);
    const judged = raw.trim() ? items.judge(rule, raw, words) : {};
    return { error: judged.error || null, value: judged.error ? null : (judged.value ?? null),
      negative: Object.is(judged.value, -0), finding: Boolean(judged.finding),
      missing: items.missing(rule, raw, photos, words) || null };
  });
}"""


def server_decides(item: ChecklistItem, raw: str, photos: int) -> dict:
    """What answers.py makes of it: evaluate() for a value, missing() for what a submit still needs."""
    outcome = {"error": None, "value": None, "negative": False, "finding": False}
    if raw.strip():
        try:
            evaluated = evaluate(item, raw)
        except InvalidAnswer as error:
            return {**outcome, "error": str(error), "missing": str(error)}
        value = evaluated.value_text if evaluated.value_number is None else evaluated.value_number
        negative = isinstance(value, float) and value == 0 and math.copysign(1, value) < 0
        outcome.update(value=value, negative=negative, finding=evaluated.is_finding)
    needed = missing(item, outcome["finding"] if raw.strip() else None, photos)
    return {**outcome, "missing": str(needed) if needed else None}


@pytest.fixture
def blank_page(_chromium_process):
    """A page of its own with no server behind it; closed again."""
    context = _chromium_process.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    yield page
    context.close()


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_the_phone_judges_every_answer_as_the_server_does(app, blank_page: Page, locale):
    page = blank_page
    page.add_script_tag(path=str(STATIC / "outbox-item.js"))
    with app.test_request_context(headers={"Accept-Language": locale.replace("_Hans", "-CN")}):
        html = render_template_string(
            "{% for item in items %}<section {{ item_rule(item)|html_attrs }} data-item='{{ item.id }}'></section>"
            "{% endfor %}",
            items=list(ITEMS.values()),
        )
        words = rule_words(3)
        table = [(ITEMS[name], raw, photos) for name, raw in CASES for photos in (0, 1)]
        expected = [server_decides(item, raw, photos) for item, raw, photos in table]
    assert (words["needed"] == "This item needs an answer.") == (locale == "en")  # the page's language
    phone = page.evaluate(JUDGE, [html, [(item.id, raw, photos) for item, raw, photos in table], words])
    differences = [
        (item.item_type, item.id, raw, photos, server, client)
        for (item, raw, photos), server, client in zip(table, expected, phone, strict=True)
        if server != client
    ]
    assert differences == []
    # What the table settles, read back from the server's side (the phone agrees, above).
    settled = zip(table, expected, strict=True)
    decided = {(item.id, raw): server["error"] or server["value"] for (item, raw, _), server in settled}
    number = words["number"]
    assert [decided[(6, raw)] for raw in ("1_000", "1e3", "1,000", "inf", "١٢")] == [number] * 5
    assert [decided[(6, raw)] for raw in ("１２", "１２．５", "−1", "0,4")] == [12.0, 12.5, -1.0, 0.4]
    assert not any(server["negative"] for server in expected)  # −0 and -0 are 0


# --- The outbox's decisions, without a server ---------------------------------------------------

OP = "7d2b7a8e-95a3-4c6f-9a43-6b0f1f6f4d11"
DECIDE = """([name, args]) => {
  const decide = window.patrolOutboxSender.decide;
  if (name === "answered") {
    const [status, headers, redirected] = args;
    return decide.answered(status, { get: (key) => headers[key] ?? null }, redirected);
  }
  return decide[name](...args);
}"""


@pytest.fixture
def decisions(blank_page: Page):
    """The sender's pure decisions, from outbox.js and outbox-send.js loaded into a blank page."""
    for name in ("outbox.js", "outbox-send.js"):
        blank_page.add_script_tag(path=str(STATIC / name))
    return lambda name, *args: blank_page.evaluate(DECIDE, [name, list(args)])


def reply(status: int, body=None, **more) -> dict:
    return {"status": status, "json": body is not None, "body": body, "retryAfter": 0, "signin": False, **more}


ANSWER = {"op": OP, "kind": "answer"}
PHOTO = {"op": OP, "kind": "photo", "sha256": "ab" * 32}
JUDGED = [
    (ANSWER, reply(200, {"ok": True, "op": OP}), {"ack": {"ok": True, "op": OP}}),
    (ANSWER, reply(201, {"ok": True, "op": OP, "seq": 5}), {"ack": {"ok": True, "op": OP, "seq": 5}}),
    (ANSWER, reply(200, {"ok": True, "op": "another"}), {"retry": True}),  # not this item's acknowledgement
    (ANSWER, reply(200, {"ok": False, "op": OP}), {"retry": True}),
    (ANSWER, reply(200), {"retry": True}),  # a Wi-Fi login page answering 200 in HTML
    (PHOTO, reply(200, {"ok": True, "op": OP, "received_sha256": "ab" * 32}),
     {"ack": {"ok": True, "op": OP, "received_sha256": "ab" * 32}}),
    (PHOTO, reply(200, {"ok": True, "op": OP, "received_sha256": "cd" * 32}), {"retry": True}),  # bytes lost
    (ANSWER, {"network": True}, {"retry": True, "stop": True}),
    (ANSWER, reply(302, signin=True), {"signin": True}),
    (ANSWER, reply(401, {"error": "signin", "message": "Sign in"}), {"signin": True}),
    (ANSWER, reply(400, {"error": "csrf", "message": "x"}), {"signin": True}),
    (ANSWER, reply(500), {"retry": True, "stop": True, "after": 0, "error": "HTTP 500"}),
    (ANSWER, reply(503, retryAfter=5000), {"retry": True, "stop": True, "after": 5000, "error": "HTTP 503"}),
    (ANSWER, reply(429, {"message": "Slow down"}), {"retry": True, "stop": False, "after": 0, "error": "Slow down"}),
    (ANSWER, reply(408), {"retry": True, "stop": False, "after": 0, "error": "HTTP 408"}),
    (PHOTO, reply(409, {"error": "incomplete", "message": "Answer first"}), {"retry": True, "error": "Answer first"}),
    (ANSWER, reply(409, {"error": "conflict", "message": "Other content"}), {"state": "conflict"}),
    (ANSWER, reply(409), {"state": "needs_user", "error": "HTTP 409"}),
    (ANSWER, reply(410, {"error": "gone", "message": "Retired"}), {"state": "needs_user", "error": "Retired"}),
    (ANSWER, reply(422, {"error": "attention", "message": "1 item", "errors": {"3": "Take a photo of the problem."}}),
     {"state": "needs_user", "error": "1 item", "errors": {"3": "Take a photo of the problem."}}),
    (PHOTO, {"missing": True}, {"state": "needs_user", "error": ""}),  # its bytes are gone from the phone
]  # fmt: skip


def test_which_reply_lets_an_item_go_and_which_keeps_it(decisions):
    for op, result, wanted in JUDGED:
        verdict = decisions("judge", op, result)
        assert {key: verdict.get(key) for key in wanted} == wanted, (op["kind"], result, verdict)
        assert ("ack" in verdict) == ("ack" in wanted), (result, verdict)  # nothing else lets an item go


def test_what_a_reply_says_about_itself(decisions):
    json = {"Content-Type": "application/json; charset=utf-8"}
    assert decisions("answered", 200, json, "")["json"] is True
    assert decisions("answered", 200, {"Content-Type": "text/html"}, "")["json"] is False
    assert decisions("answered", 503, {"Retry-After": "7"}, "")["retryAfter"] == 7000
    assert decisions("answered", 503, {"Retry-After": "soon"}, "")["retryAfter"] == 0
    assert decisions("answered", 200, {}, "http://x.test/login?next=/c/1")["signin"] is True
    assert decisions("answered", 200, {}, "http://x.test/tasks")["signin"] is False


def op(order: int, kind: str = "answer", inspection: str = "A", item=None, state: str = "queued", **more) -> dict:
    return {"op": f"op{order}", "order": order, "kind": kind, "inspection": inspection, "item": item,
            "state": state, "user": "7", "nextAt": 0, **more}  # fmt: skip


def test_what_waits_for_what(decisions):
    answer, photo = op(1, item=3), op(2, "photo", item=3)
    other_answer = op(3, item=4)
    submit = op(4, "submit")
    ops = [answer, photo, other_answer, submit]
    waits = {o["op"]: decisions("waitsFor", ops, o) for o in ops}
    assert waits == {"op1": False, "op2": True, "op3": False, "op4": True}
    # A refused answer holds up its own photo, and so the submit, which waits for that photo; another
    # inspection waits for nothing of this one.
    refused = [
        op(1, item=3, state="needs_user"), op(2, "photo", item=3), op(3, "submit"), op(4, inspection="B", item=3),
    ]  # fmt: skip
    assert [decisions("waitsFor", refused, o) for o in refused] == [False, True, True, False]
    # A refused item alone holds up nothing: the submit goes, and the server says what is missing.
    alone = [op(1, item=3, state="needs_user"), op(2, "submit")]
    assert decisions("waitsFor", alone, alone[1]) is False
    paused = [op(1, item=3, state="needs_signin"), op(2, "submit")]
    assert decisions("waitsFor", paused, paused[1]) is True


def test_which_item_goes_next(decisions):
    now = 1_000_000
    ops = [
        op(1, item=1, user="8", inspection="B"),  # another person's: waits for them to sign in here
        op(2, item=2, state="needs_user"),
        op(3, item=3, nextAt=now + 5000),  # backing off
        op(4, item=4),
        op(5, "submit"),
    ]
    assert decisions("nextDue", ops, "7", False, {}, now)["op"] == "op4"
    assert decisions("nextDue", ops, "7", True, {}, now)["op"] == "op3"  # "Send now" skips the wait
    assert decisions("nextDue", ops, "7", False, {"op4": True}, now) is None  # the submit waits for op3
    assert decisions("nextDue", ops, "8", False, {}, now)["op"] == "op1"


def test_how_long_a_retry_waits(decisions):
    assert [decisions("backoff", attempts, 0.5) for attempts in (1, 2, 3, 4, 9, 10, 30)] == [
        1000, 2000, 4000, 8000, 256_000, 300_000, 300_000,
    ]  # fmt: skip
    assert decisions("backoff", 1, 0) == 800 and decisions("backoff", 1, 0.999999) == 1200  # ±20 %
