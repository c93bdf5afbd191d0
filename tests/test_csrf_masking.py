"""The CSRF token is spelled afresh in every response, so compressed pages give BREACH nothing to guess."""

from __future__ import annotations

import base64
import json
import re

from patrol.csrf_masking import mask, unmask
from tests import factories

EN = {"Accept-Language": "en"}
# A page that reflects the visitor's text (the search box) next to the token: what BREACH needs.
SEARCH_PAGE = "/admin/sites/?q=csrf_token"


def tokens_in(html: str) -> list[str]:
    form_tokens = re.findall(r'name="csrf_token" value="([^"]+)"', html)
    header_tokens = [json.loads(found)["X-CSRFToken"] for found in re.findall(r"hx-headers='([^']+)'", html)]
    return form_tokens + header_tokens


def longest_shared_run(first: str, second: str) -> int:
    """The longest run of characters the two strings share (what a compression oracle latches onto)."""
    best = 0
    for start in range(len(first)):
        length = best + 1
        while start + length <= len(first) and first[start : start + length] in second:
            best = length
            length += 1
    return best


def outbox_token(browser) -> str:
    return browser.get("/outbox/token", headers={"Accept": "application/json"}).get_json()["token"]


def change_language(browser, token):
    return browser.client.post("/language", data={"language": "en", "next": "/"}, headers={**EN, "X-CSRFToken": token})


def test_two_responses_of_the_same_page_carry_tokens_that_share_nothing_and_both_work(admin, browser):
    first = tokens_in(browser.get(SEARCH_PAGE).get_data(as_text=True))
    second = tokens_in(browser.get(SEARCH_PAGE).get_data(as_text=True))

    assert first and second
    for mine in first:
        for theirs in second:
            assert mine != theirs
            # A random pad in front: no run of characters repeats to be guessed one by one.
            assert longest_shared_run(mine, theirs) < 12, (mine, theirs)
    for token in first + second:
        assert change_language(browser, token).status_code == 303


def test_the_sign_in_form_s_token_is_fresh_each_time_and_lets_the_person_in(client, make):
    make.user("butler", username="fresh", locale="en")
    tokens = [tokens_in(client.get("/login", headers=EN).get_data(as_text=True))[0] for _ in range(2)]

    assert tokens[0] != tokens[1] and longest_shared_run(*tokens) < 12
    response = client.post(
        "/login", headers=EN, data={"username": "fresh", "password": factories.PASSWORD, "csrf_token": tokens[0]}
    )
    assert response.status_code in (302, 303)


def test_the_outbox_token_endpoint_hands_out_a_fresh_spelling_each_time(admin, browser):
    tokens = [outbox_token(browser), outbox_token(browser)]

    assert tokens[0] != tokens[1] and longest_shared_run(*tokens) < 12
    assert all(change_language(browser, token).status_code == 303 for token in tokens)


def _with_other_pad(token: str) -> str:
    data = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    data[0] ^= 0x5A  # the pad changes, the masked half does not: it no longer unmasks to the token
    return base64.urlsafe_b64encode(bytes(data)).decode().rstrip("=")


def test_a_token_with_a_wrong_pad_or_garbage_is_refused_with_the_expired_page(admin, browser):
    good = tokens_in(browser.get("/").get_data(as_text=True))[0]
    signed = unmask(good)  # the token unmasked: valid once, but never what a page hands out
    for bad in (_with_other_pad(good), good[: len(good) // 2], "garbage!!", "☃" * 20, signed, good + "AA"):
        response = change_language(browser, bad)
        assert response.status_code == 400, bad
        page = response.get_data(as_text=True)
        assert "This page has expired" in page and "Reload the page and try again" in page


def test_masking_round_trips_and_garbage_unmasks_to_nothing():
    assert unmask(mask("abc.def-ghi")) == "abc.def-ghi"
    assert mask("abc.def-ghi") != mask("abc.def-ghi")
    assert unmask("") is None and unmask("A") is None and unmask("!!!") is None
