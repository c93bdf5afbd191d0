"""From an empty install to a submitted inspection, in a real Chromium, through the setup area only.

An administrator creates themselves on /setup, adds a site, imports 50 locations from an .xlsx,
builds a checklist with one item of every type, publishes it, assigns it to the site's floors,
prints the labels and adds a butler. The butler, on a phone-sized screen, scans one of the new
codes, changes the temporary password, answers every item and submits. Screenshots go to
/tmp/setup-browser-shots/ (outside the repo) for a human to look at.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import (
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    Inspection,
    Location,
    Site,
)
from tests.browser_steps import follow

# The live server and a Chromium whose pages fail the test on any Content-Security-Policy violation.
pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/setup-browser-shots")
SITE = "星河湾花园"
CHECKLIST = "Floor round"
ADMIN, ADMIN_PASSWORD = "admin", "first-admin-pass"
BUTLER, TEMPORARY, NEW_PASSWORD = "butler.li", "temp-pass-2024", "my-own-pass-99"
# One item of each type, with the settings the editor asks for; all answered with a passing value.
ITEMS = [
    ("Corridor lights work", "passfail", {}),
    ("Floors and walls clean", "rating", {"threshold": "4"}),
    ("Fire extinguishers in place", "count", {"expected": "2"}),
    ("Corridor temperature", "number", {"min_value": "10", "max_value": "30", "unit": "°C"}),
    ("Fire exit", "choice", {"choices": "Clear\nPartly blocked\nBlocked", "failing_choices": "Blocked"}),
    ("Anything else", "text", {}),
]


def shot(page: Page, name: str) -> None:
    """The screen as it is, and the whole page from the top (so fixed bars sit where they belong)."""
    # caret="initial": hiding the caret would leave style="" on inputs, which htmx's swaps then trip over.
    page.screenshot(path=str(SHOTS / f"{name}.png"), caret="initial")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}-full.png"), full_page=True, caret="initial")


def sheet_rows() -> list[tuple[str, str, str, str, str]]:
    """50 rows: floors and vacant units of five buildings (building, floor, unit, name, kind)."""
    rows = []
    for building in range(1, 6):
        for floor in range(1, 6):
            rows.append((f"{building}栋", f"{floor}F", "", f"{building}栋 {floor}F 楼层", "floor"))
            rows.append((f"{building}栋", f"{floor}F", f"{floor}02", f"{building}栋 {floor}02 空置房", "vacant_unit"))
    return rows


def xlsx(rows) -> bytes:
    book = Workbook()
    book.active.append(["building", "floor", "unit", "name", "kind"])
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def setup_link(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Setup").get_by_role("link", name=name)


def create_first_admin(page: Page) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    expect(page.locator("h1")).to_have_text("Welcome to patrol")
    page.locator("#f-username").fill(ADMIN)
    page.locator("#f-display_name").fill("陈经理")
    page.locator("#f-password").fill(ADMIN_PASSWORD)
    page.locator("#f-confirm").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create administrator").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("main h1")).to_have_text("Setup")


def create_site(page: Page) -> None:
    # The setup page has a "New site" link too: follow() waits for the list, lest the click lands on the page it leaves.
    follow(page, setup_link(page, "Sites"), "Sites")
    follow(page, page.get_by_role("link", name="New site"), "New site")
    page.locator("#f-name").fill(SITE)
    page.locator("#f-timezone").select_option("Asia/Hong_Kong")
    page.locator("#f-opens_at").fill("08:00")
    page.locator("#f-closes_at").fill("18:30")
    page.get_by_role("button", name="Create site").click()
    expect(page).to_have_url(re.compile(r"/admin/sites/$"))
    expect(page.locator(".alert-success")).to_have_text("The site was created. Next, add its locations.")
    expect(page.locator("#results .task-row")).to_have_text(
        re.compile(SITE + r"\s+Office hours 08:00–18:30 · Asia/Hong_Kong\s+0 locations in use")
    )


def import_locations(page: Page, site_id: int, rows) -> None:
    follow(page, setup_link(page, "Locations"), "Locations")
    follow(page, page.get_by_role("link", name="Import a sheet"), "Import locations")
    page.locator("#f-site_id").select_option(str(site_id))
    page.locator("#f-file").set_input_files(
        files=[
            {
                "name": "locations.xlsx",
                "buffer": xlsx(rows),
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        ]
    )
    page.get_by_role("button", name="Check the sheet").click()
    expect(page).to_have_url(re.compile(r"/admin/locations/import/[\w-]+$"))
    expect(page.locator("main h1")).to_have_text("Check the import")
    expect(page.get_by_text(f"50 rows for {SITE}.")).to_be_visible()
    expect(page.get_by_text("Will be created", exact=True)).to_have_count(50)
    expect(page.locator("main .field-error")).to_have_count(0)
    expect(page.get_by_role("heading", name="Rows to fix")).to_have_count(0)
    expect(page.locator("table.data tbody tr").first).to_contain_text("1栋 1F 楼层 · Floor · 1栋 · 1F")
    expect(page.locator("table.data tbody tr").nth(1)).to_contain_text("1栋 102 空置房 · Vacant unit · 1栋 · 1F · 102")
    shot(page, "01-import-preview")
    page.get_by_role("button", name="Import 50 locations").click()
    expect(page).to_have_url(re.compile(rf"/admin/locations/\?site={site_id}$"))
    expect(page.locator(".alert-success")).to_have_text("50 locations were imported. Print their labels below.")
    expect(page.locator("#results > p.muted")).to_have_text("50 locations")
    expect(page.locator("#results ul.list > li")).to_have_count(30)  # the first page of two
    expect(page.locator("#results .pager")).to_contain_text("Page 1 of 2")
    expect(page.locator("#results .task-row .title").first).to_have_text("1栋 1F 楼层")


def add_item(page: Page, number: int, prompt: str, item_type: str, settings: dict) -> None:
    """Open "Add an item", fill in one item of the given type and wait for the list to show it."""
    items = page.locator("#items")
    items.locator("summary", has_text="Add an item").click()
    page.locator("#f-new-prompt").fill(prompt)
    page.locator("#f-new-item_type").select_option(item_type)
    for name in {"threshold", "expected", "min_value", "choices"} - settings.keys():
        expect(page.locator(f"#f-new-{name}")).to_be_hidden()  # other types' settings are not
    for name, value in settings.items():
        expect(page.locator(f"#f-new-{name}")).to_be_visible()  # the type's own settings are shown
        page.locator(f"#f-new-{name}").fill(value)
    page.get_by_role("button", name="Add this item").click()
    expect(items.locator("ol.editor-items > li")).to_have_count(number)
    expect(items.locator("ol.editor-items > li").last.locator(".prompt")).to_have_text(prompt)


def build_checklist(page: Page) -> None:
    follow(page, setup_link(page, "Checklists"), "Checklists")
    follow(page, page.get_by_role("link", name="New checklist"), "New checklist")
    page.locator("#f-name").fill(CHECKLIST)
    expect(page.get_by_label("An empty checklist")).to_be_checked()
    page.get_by_role("button", name="Create checklist").click()
    expect(page).to_have_url(re.compile(r"/admin/checklists/\d+$"))
    expect(page.locator("main h1")).to_have_text(CHECKLIST)
    expect(page.locator("#items li.empty")).to_have_text("No items yet.")
    for number, (prompt, item_type, settings) in enumerate(ITEMS, start=1):
        add_item(page, number, prompt, item_type, settings)
    lines = page.locator("#items ol.editor-items > li .muted.small")
    expect(lines).to_have_text(
        [
            re.compile(r"^Pass / fail · Medium · photo on fail$"),
            re.compile(r"^Rating 1–5 · finding below 4 · Medium · photo on fail$"),
            re.compile(r"^Count · expected 2 · Medium · photo on fail$"),
            re.compile(r"^Reading · 10–30 °C · Medium · photo on fail$"),
            re.compile(r"^Single choice · Clear / Partly blocked / Blocked · Medium · photo on fail$"),
            re.compile(r"^Free text$"),
        ]
    )
    expect(page.locator("#items strong.overdue")).to_have_text("Blocked")  # the failing option stands out
    page.locator("#items").scroll_into_view_if_needed()
    shot(page, "02-editor-six-items")
    page.get_by_role("button", name="Publish as version 1").click()
    expect(page.locator(".alert-success")).to_contain_text("Version 1 is published.")
    expect(page.locator("dl.facts dd").first).to_contain_text("Version 1, published")
    follow(page, page.get_by_role("link", name="Where it applies"), "Where it applies")
    page.locator("#f-location_kind").select_option("floor")
    page.locator("#f-kind-site").select_option(label=SITE)
    page.get_by_role("button", name="Apply to every location of this kind").click()
    expect(page.locator("ul.placements > li > span")).to_have_text(re.compile(rf"^Every floor\s+· {SITE}$"))


def print_labels(page: Page, site_id: int, expected: list[tuple[str, str]]) -> None:
    """The locations list's label link opens the sheet in a new tab: one label per location."""
    page.goto(f"/admin/locations/?site={site_id}")
    link = page.get_by_role("link", name="Print labels for this filter")
    expect(link).to_have_attribute("href", f"/labels?site={site_id}")
    with page.context.expect_page() as opened:
        link.click()
    labels = opened.value
    labels.wait_for_load_state()
    expect(labels).to_have_url(re.compile(rf"/labels\?site={site_id}$"))
    expect(labels.locator("header")).to_contain_text("50 labels. Print on A4 at 100% scale")
    expect(labels.locator("article.label")).to_have_count(50)
    expect(labels.locator("article.label svg")).to_have_count(50)
    expect(labels.locator("article.label h2")).to_have_text([name for name, _ in expected])
    expect(labels.locator("article.label p.code")).to_have_text([code for _, code in expected])
    expect(labels.locator("article.label p.kind").first).to_have_text(f"楼层 · {SITE}")
    shot(labels, "03-labels")
    labels.close()


def add_butler_and_sign_out(page: Page) -> None:
    follow(page, setup_link(page, "People"), "People")
    follow(page, page.get_by_role("link", name="Add a person"), "Add a person")
    page.locator("#f-username").fill(BUTLER)
    page.locator("#f-display_name").fill("李管家")
    page.locator("#f-role").select_option("butler")
    page.locator("#f-password").fill(TEMPORARY)
    page.locator("#person-form label", has_text=SITE).click()
    page.get_by_role("button", name="Add person").click()
    expect(page.locator("main h1")).to_have_text("李管家 was added")
    expect(page.locator("#temporary-password")).to_have_text(TEMPORARY)
    page.get_by_label("Menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def butler_changes_password(page: Page, token: str) -> None:
    page.goto(f"/c/{token}")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fc%2F" + token + "$"))
    page.locator("#username").fill(BUTLER)
    page.locator("#password").fill(TEMPORARY)
    page.get_by_role("button", name="Sign in").tap()
    expect(page).to_have_url(re.compile(r"/account#password$"))
    expect(page.locator(".notice")).to_have_text("Welcome, 李管家. Choose your own password to start.")
    page.locator("#f-password").fill(NEW_PASSWORD)
    page.locator("#f-confirm").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").tap()
    expect(page.locator(".alert-success")).to_have_text("Your password was changed.")


def tap_option(page: Page, item_id: int, option: str) -> None:
    """Tap a segmented option's label and wait for its save to come back and be swapped in."""
    with page.expect_response(lambda r: r.url.endswith(f"/items/{item_id}/answer")) as saved:
        page.locator(f"label[for='value-{item_id}-{option}']").tap()
    assert saved.value.status == 200, saved.value.text()
    expect(page.locator(f"#value-{item_id}-{option}")).to_be_checked()


def type_answer(page: Page, item_id: int, value: str) -> None:
    """Fill a box and tap the item's question: the blur saves it."""
    page.locator(f"#value-{item_id}").tap()
    page.locator(f"#value-{item_id}").fill(value)
    with page.expect_response(lambda r: r.url.endswith(f"/items/{item_id}/answer")) as saved:
        page.locator(f"#item-{item_id} h3.prompt").tap()
    assert saved.value.status == 200, saved.value.text()
    expect(page.locator(f"#value-{item_id}")).to_have_value(value)


def answer_and_submit(page: Page, token: str, location_name: str, items: list[int]) -> None:
    lights, clean, extinguishers, temperature, exit_, other = items
    page.goto(f"/c/{token}")
    expect(page.locator(".location-head h1")).to_have_text(location_name)
    expect(page.locator("#checklist h2")).to_contain_text(f"{CHECKLIST} v1")
    expect(page.locator("#checklist section.item")).to_have_count(6)
    tap_option(page, lights, "pass")
    tap_option(page, clean, "5")
    type_answer(page, extinguishers, "2")
    type_answer(page, temperature, "22.5")
    tap_option(page, exit_, "1")  # "Clear"
    type_answer(page, other, "Lift lobby freshly painted")
    expect(page.locator("#checklist .finding")).to_have_count(0)
    shot(page, "04-butler-filled")
    page.get_by_role("button", name="Submit inspection").tap()
    expect(page).to_have_url(re.compile(r"/inspections/\d+$"))
    expect(page.locator(".success")).to_have_text("Submitted")
    shot(page, "05-submitted")


def test_admin_sets_up_an_empty_install_and_a_butler_patrols_it(app, chromium):
    admin = chromium.new_page(chromium.DESKTOP, locale="en-US")

    # 1-2. The empty install asks for its administrator, who then adds a site.
    create_first_admin(admin)
    create_site(admin)
    with app.app_context():
        site_id = db.session.scalar(select(Site.id).where(Site.name == SITE))
        db.session.remove()

    # 3. Fifty locations from a sheet, checked first, then imported together.
    rows = sheet_rows()
    import_locations(admin, site_id, rows)
    with app.app_context():
        locations = db.session.scalars(select(Location).where(Location.site_id == site_id).order_by(Location.id)).all()
        assert [(loc.building, loc.floor, loc.unit, loc.name, loc.kind) for loc in locations] == rows
        floor = next(loc for loc in locations if loc.name == "3栋 2F 楼层")
        token, floor_id, floor_name = floor.qr_token, floor.id, floor.name
        # The sheet's rows are already in building / floor / unit order, as labels are printed.
        labels = [(loc.name, loc.short_code) for loc in locations]
        db.session.remove()

    # 4. The checklist: one item of each type, published, applied to the site's floors.
    build_checklist(admin)
    with app.app_context():
        version = db.session.scalars(select(ChecklistVersion).join(Checklist).where(Checklist.name == CHECKLIST)).one()
        assert version.number == 1 and version.published_at is not None
        items = db.session.scalars(
            select(ChecklistItem).where(ChecklistItem.version_id == version.id).order_by(ChecklistItem.position)
        ).all()
        assert [(i.prompt, i.item_type) for i in items] == [(p, t) for p, t, _ in ITEMS]
        rating, count, number, choice = items[1], items[2], items[3], items[4]
        assert (rating.threshold, count.expected) == (4, 2)
        assert (number.min_value, number.max_value, number.unit) == (10, 30, "°C")
        assert (choice.choices, choice.failing_choices) == (["Clear", "Partly blocked", "Blocked"], ["Blocked"])
        version_id, item_ids = version.id, [item.id for item in items]
        db.session.remove()

    # 5. The label sheet: fifty labels, each with its name and short code.
    print_labels(admin, site_id, labels)

    # 6. A butler for the site; then, on a phone, the butler's first scan of a new code.
    add_butler_and_sign_out(admin)
    phone = chromium.new_page(chromium.PHONE, locale="en-US", is_mobile=True, has_touch=True, device_scale_factor=2)
    butler_changes_password(phone, token)
    answer_and_submit(phone, token, floor_name, item_ids)

    # 7. One submitted inspection at that floor, on the published version, with six answers.
    with app.app_context():
        inspections = db.session.scalars(select(Inspection)).all()
        assert [(i.status, i.location_id, i.checklist_version_id) for i in inspections] == [
            ("submitted", floor_id, version_id)
        ]
        answers = {a.item_id: (a.value_text, a.value_number, a.is_finding) for a in inspections[0].answers}
        assert answers == {
            item_ids[0]: ("pass", None, False),
            item_ids[1]: (None, 5.0, False),
            item_ids[2]: (None, 2.0, False),
            item_ids[3]: (None, 22.5, False),
            item_ids[4]: ("Clear", None, False),
            item_ids[5]: ("Lift lobby freshly painted", None, False),
        }
        db.session.remove()
