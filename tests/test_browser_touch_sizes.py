"""Fingers and eyes: on a 390×844 phone, every control is at least 44×44 px to tap and no text is
smaller than 14 px, on the main pages each role opens (the demo estate, in a real Chromium).

A control's hit box is what a tap can land on: a check box or radio button counts with its label
(the input itself is small or hidden; tapping the label ticks it). Print sheets are not walked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy import select

from patrol.demo.seed import DEMO_PASSWORD, seed_demo
from patrol.extensions import db
from patrol.models import Location, Schedule, Site, Task
from tests.browser_steps import sign_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots14")
MIN_TAP, MIN_TEXT = 44, 14

# What on the page is too small: controls whose hit box is under 44 px either way, text under 14 px.
TOO_SMALL = """([minTap, minText]) => {
  // On screen for a person: rendered (not in a closed <details>, not display:none or hidden), and not
  // a screen reader's text (.visually-hidden).
  const shown = (el) => el.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true })
    && !el.closest(".visually-hidden") && el.getClientRects().length > 0;
  const classes = (el) => (typeof el.className === "string" && el.className.trim()
    ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const said = (el) => (el.innerText || el.value || el.getAttribute("aria-label") || el.outerHTML).trim();
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes(el)
    + " " + JSON.stringify(said(el).slice(0, 60));
  // What folds away (the menu, more filters) is measured open: a finger taps it once it is.
  document.querySelectorAll("details").forEach((fold) => { fold.open = true; });
  const problems = [];
  const measured = new Set();
  for (const el of document.querySelectorAll("a[href], button, input, select, textarea, summary, label")) {
    let target = el;
    if (el.tagName === "INPUT" && el.type === "hidden") continue;
    if (el.tagName === "INPUT" && (el.type === "checkbox" || el.type === "radio")) {
      target = el.labels && el.labels.length ? el.labels[0] : el;  // the label is what a finger taps
    } else if (el.tagName === "LABEL") {
      const control = el.control;
      // Only a tick box's label is tapped; another label is text.
      if (!control || (control.type !== "checkbox" && control.type !== "radio")) continue;
    }
    if (measured.has(target) || !shown(target)) continue;
    measured.add(target);
    const box = target.getBoundingClientRect();
    if (box.width < minTap - 0.5 || box.height < minTap - 0.5) {
      problems.push(`tap ${Math.round(box.width)}×${Math.round(box.height)} ${name(target)}`);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !parent || seen.has(parent) || !shown(parent)) continue;
    if (parent.closest("option, script, style, template")) continue;
    seen.add(parent);
    const size = parseFloat(getComputedStyle(parent).fontSize);
    if (size < minText - 0.01) problems.push(`text ${size}px ${name(parent)}`);
  }
  return problems;
}"""


def too_small(page: Page) -> list[str]:
    page.wait_for_load_state("networkidle")
    return page.evaluate(TOO_SMALL, [MIN_TAP, MIN_TEXT])


@pytest.fixture
def demo(app) -> dict:
    with app.app_context():
        seed_demo()
        location = db.session.scalar(select(Location).order_by(Location.id))
        ids = {
            "token": location.qr_token,
            "location": location.id,
            "task": db.session.scalar(select(Task.id).order_by(Task.id)),
            "schedule": db.session.scalar(select(Schedule.id).order_by(Schedule.id)),
            "site": db.session.scalar(select(Site.id).order_by(Site.id)),
        }
        db.session.remove()
    return ids


def pages_for(role: str, ids: dict) -> list[str]:
    everyone = [
        "/",
        f"/tasks/{ids['task']}",
        "/tasks",
        "/notifications",
        "/locations",
        f"/locations/{ids['location']}",
        "/outbox",
        "/account",
    ]
    if role == "butler":
        return [*everyone, f"/c/{ids['token']}"]
    if role == "supervisor":
        return [*everyone, "/admin/schedules/", f"/admin/schedules/{ids['schedule']}"]
    return [
        *everyone,
        "/admin/",
        "/admin/sites/",
        f"/admin/sites/{ids['site']}",
        "/admin/locations/",
        "/admin/checklists/",
        "/admin/schedules/",
        "/admin/schedules/new",
        f"/admin/schedules/{ids['schedule']}",
        "/admin/people/",
        "/admin/people/new",
        "/admin/robots/",
        "/admin/audit/",
    ]


@pytest.mark.parametrize("role", ["butler", "supervisor", "admin"])
def test_every_control_is_big_enough_to_tap_and_every_text_to_read(phone: Page, demo, role):
    sign_in(phone, role, DEMO_PASSWORD)
    found = {}
    for url in pages_for(role, demo):
        response = phone.goto(url)
        assert response and response.ok, url
        problems = too_small(phone)
        if problems:
            found[url] = problems
            phone.screenshot(
                path=str(SHOTS / f"touch-{role}-{url.strip('/').replace('/', '-') or 'home'}.png"), full_page=True
            )
    assert found == {}, "\n".join(f"{url}:\n  " + "\n  ".join(p) for url, p in found.items())
