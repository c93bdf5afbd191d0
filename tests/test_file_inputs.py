"""Every file input as the phone reads it: photos ask for the camera and a JPEG or PNG (so iOS hands over
a JPEG), the sheet import asks for a sheet; and the form macro's attributes arrive as attributes.

Pages are parsed as a browser parses them (html.parser), never searched as text: an attribute escaped
into the page (accept=&#34;image/*&#34;) must fail here, as it fails on the phone.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Asset, Location, Site, User
from tests import factories
from tests.conftest import SeparateBrowser
from tests.task_crew import make_crew, task_in

PHOTO = {"accept": "image/jpeg,image/png", "capture": "environment"}
SHEET = {
    "accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "capture": None,
}
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class Controls(HTMLParser):
    """Every input and textarea of a page, as {attribute: value} (a bare attribute's value is None)."""

    def __init__(self, page: str):
        super().__init__()
        self.controls: list[dict] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "textarea"):
            self.controls.append({"tag": tag, **dict(attrs)})

    def files(self) -> list[dict]:
        return [control for control in self.controls if control.get("type") == "file"]

    def named(self, tag: str, name: str) -> dict:
        [control] = [c for c in self.controls if c["tag"] == tag and c.get("name") == name]
        return control


@pytest.fixture
def crew(app, ctx):
    return make_crew(app)


def page_of(app, crew, who: str, url: str) -> str:
    phone = SeparateBrowser(app.test_client())
    phone.login(crew.username(who))
    response = phone.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# (who opens it, the page, what its file inputs ask for): every page with a file input.
PAGES = {
    "checklist photos on the scan page": ("butler", lambda app, crew: f"/c/{crew.token}", PHOTO),
    "photos of a fix": ("fixer", lambda app, crew: f"/tasks/{task_in(app, crew, 'assigned')}", PHOTO),
    "photos of a re-check": ("butler", lambda app, crew: f"/tasks/{task_in(app, crew, 'fixed')}", PHOTO),
    "photos of a report (随手拍)": ("butler", lambda app, crew: "/report", PHOTO),
    "a sheet of locations": ("admin", lambda app, crew: "/admin/locations/import", SHEET),
    "a model room's reference photo, on its register": (
        "admin",
        lambda app, crew: f"/rooms/{room(crew)}/register",
        PHOTO,
    ),
    "an item's new reference photo": (
        "admin",
        lambda app, crew: f"/rooms/{room(crew)}/register/lines/{asset(crew)}",
        PHOTO,
    ),
    "a sheet of a model room's assets": ("admin", lambda app, crew: f"/rooms/{room(crew)}/register/import", SHEET),
}


def room(crew) -> int:
    """The crew's site's model room, with a register of one line (made on first use)."""
    site = db.session.get(Site, crew.site_id)
    found = db.session.scalar(select(Location).where(Location.site_id == site.id, Location.kind == "model_room"))
    if found is None:
        found = factories.location(site, kind="model_room", name="样板间A")
        factories.register(found, [("客厅", "抱枕", 6)], db.session.scalar(select(User).where(User.role == "admin")))
    return found.id


def asset(crew) -> int:
    return db.session.scalar(select(Asset.id).where(Asset.location_id == room(crew)))


@pytest.mark.parametrize("page", PAGES)
def test_each_file_input_asks_the_phone_for_the_right_kind_of_file(app, crew, page):
    who, url, wanted = PAGES[page]
    files = Controls(page_of(app, crew, who, url(app, crew))).files()
    assert files, f"no file input on {page}"
    for control in files:
        assert {"accept": control.get("accept"), "capture": control.get("capture")} == wanted, control


def test_no_template_has_a_file_input_that_the_pages_above_do_not_open():
    holding = {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"""type=["']file["']""", path.read_text(encoding="utf-8"))
    }
    assert holding == {
        "scan/_finding.html",
        "tasks/_actions.html",
        "reports/form.html",
        "admin/locations/import.html",
        "rooms/register.html",
        "rooms/register_line.html",
        "rooms/register_import.html",
    }


def test_the_report_form_limits_what_is_typed(app, crew):
    controls = Controls(page_of(app, crew, "butler", "/report"))
    assert controls.named("textarea", "note")["maxlength"] == "2000"
    assert controls.named("input", "place")["maxlength"] == "120"
    assert controls.named("input", "place")["autocomplete"] == "off"


def test_a_bare_attribute_is_present_and_one_set_false_is_left_out(app):
    with app.test_request_context():
        forms = app.jinja_env.get_template("_forms.html").module
        html = str(forms.field("note", "Note", attrs={"required": True, "readonly": False, "title": 'a "b" <c>'}))
    [control] = Controls(html).controls
    assert control["required"] == "" and "readonly" not in control and control["title"] == 'a "b" <c>'
