"""Text people type or upload reaches every page escaped, however it got there.

A message that quotes a spreadsheet cell, a name or a search term is text, never markup: the
Flask-Babel lazy strings these messages once were declare themselves markup and went out
unescaped (stored XSS through an imported sheet). Each route such a value takes is walked here
with a script payload, and the source is checked so that the way in stays closed.
"""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

import pytest
from flask import render_template_string
from markupsafe import escape
from sqlalchemy import select

from patrol.accounts.accounts import create_user
from patrol.extensions import db
from patrol.i18n import lazy_gettext, lazy_pgettext
from patrol.models import Checklist, Location, Site, User
from tests import factories

PACKAGE = Path(__file__).resolve().parent.parent / "patrol"
TEMPLATES = PACKAGE.parent / "templates"
PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def assert_escaped(html: str, payload: str) -> None:
    assert payload not in html, "the payload reached the page as markup"
    assert str(escape(payload)) in html, "the payload is not on the page at all: this check proves nothing"


@pytest.fixture(params=PAYLOADS, ids=["script", "attribute"])
def payload(request):
    return request.param


# --- the lazy strings themselves -------------------------------------------------------------------------


def test_a_lazy_translation_is_escaped_when_a_template_shows_it(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert render_template_string("{{ m }}", m=lazy_gettext("x %(v)s", v="<b>")) == "x &lt;b&gt;"
        assert render_template_string("{{ m }}", m=lazy_pgettext("ctx", "y %(v)s", v="<i>")) == "y &lt;i&gt;"
        # Joined with other text too.
        assert render_template_string("{{ m ~ '!' }}", m=lazy_gettext("x %(v)s", v="<b>")) == "x &lt;b&gt;!"


# --- a sheet of locations ----------------------------------------------------------------------------------


def _csv(rows, header=("building", "floor", "unit", "name", "kind", "checklist")) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _upload(browser, site, data: bytes, filename: str = "locations.csv"):
    return browser.post("/admin/locations/import", data={"site_id": str(site.id), "file": (io.BytesIO(data), filename)})


def _preview(browser, site, data: bytes, filename: str = "locations.csv") -> str:
    uploaded = _upload(browser, site, data, filename)
    assert uploaded.status_code == 303, uploaded.get_data(as_text=True)
    return browser.get(uploaded.location).get_data(as_text=True)


@pytest.fixture
def garden(make, admin):
    return make.site("花园")


def test_an_unknown_kind_is_quoted_escaped(browser, garden, payload):
    html = _preview(browser, garden, _csv([("1栋", "3F", "", "1栋 3F", payload, "")]))
    assert "Unknown kind" in html
    assert_escaped(html, payload)


def test_an_unknown_checklist_is_quoted_escaped(browser, garden, payload):
    html = _preview(browser, garden, _csv([("1栋", "3F", "", "1栋 3F", "floor", payload)]))
    assert "No checklist is called" in html
    assert_escaped(html, payload)


def test_a_checklist_name_given_to_two_checklists_is_quoted_escaped(browser, garden, make, payload):
    make.checklist(name=payload)
    make.checklist(name=payload)
    html = _preview(browser, garden, _csv([("1栋", "3F", "", "1栋 3F", "floor", payload)]))
    assert "Several checklists are called" in html
    assert_escaped(html, payload)


def test_a_name_already_on_the_site_is_quoted_escaped(browser, garden, make, payload):
    make.location(garden, name=payload)
    html = _preview(
        browser, garden, _csv([("1栋", "3F", "", payload, "floor", ""), ("1栋", "4F", "", payload, "floor", "")])
    )
    assert "already exists on this site" in html and "The same name is already on row 2" in html
    assert_escaped(html, payload)


def test_the_headers_found_are_listed_escaped(browser, garden, payload):
    response = _upload(browser, garden, _csv([("1栋", "3F")], header=(payload, "备注")))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Its header row has:" in html
    assert_escaped(html, payload)


# A double quote cannot travel in a multipart file name, so this one goes without.
@pytest.mark.parametrize("filename", ["<script>alert(1)</script>.csv", "'><img src=x onerror=alert(1)>.csv"])
def test_the_file_name_is_shown_escaped(browser, garden, filename):
    html = _preview(browser, garden, _csv([("1栋", "3F", "", "1栋 3F", "floor", "")]), filename=filename)
    assert_escaped(html, filename)


def test_every_cell_shown_in_the_preview_is_escaped(browser, garden, payload):
    html = _preview(browser, garden, _csv([(payload, payload, payload, payload, "floor", "")]))
    assert "<td>2</td>" in html
    assert_escaped(html, payload)


# --- checklist items ---------------------------------------------------------------------------------------


def _item(**fields):
    return {
        "prompt": "Fire exit",
        "item_type": "choice",
        "choices": "Clear\nBlocked",
        "default_severity": "high",
        "required": "1",
        **fields,
    }


@pytest.mark.parametrize("htmx", [True, False], ids=["fragment", "page"])
def test_a_failing_choice_not_among_the_options_is_quoted_escaped(browser, admin, make, payload, htmx):
    version = make.checklist(name="Floor patrol")
    response = browser.post(
        f"/admin/checklists/{version.checklist_id}/items", data=_item(failing_choices=payload), htmx=htmx
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "is not one of the options" in html
    assert_escaped(html, payload)


def test_an_item_prompt_is_escaped_in_the_editor_and_its_confirmations(browser, admin, make, payload):
    version = make.checklist(name="Floor patrol")
    response = browser.post(f"/admin/checklists/{version.checklist_id}/items", data=_item(prompt=payload), htmx=True)
    assert response.status_code == 200
    html = browser.get(f"/admin/checklists/{version.checklist_id}").get_data(as_text=True)
    assert "Move up: " in html and "Remove “" in html  # labels and questions that quote the prompt
    assert_escaped(html, payload)


# --- names -------------------------------------------------------------------------------------------------


def _created(response) -> None:
    assert response.status_code in {201, 303}, response.get_data(as_text=True)  # 201: the new person's password


def test_names_are_escaped_on_every_page_that_shows_them(browser, admin, make, payload):
    _created(
        browser.post(
            "/admin/sites/new",
            data={"name": payload, "timezone": "Asia/Shanghai", "opens_at": "08:00", "closes_at": "18:00"},
        )
    )
    site = db.session.scalar(select(Site).where(Site.name == payload))
    _created(browser.post("/admin/locations/new", data={"site_id": site.id, "name": payload, "kind": "floor"}))
    location = db.session.scalar(select(Location).where(Location.name == payload))
    _created(browser.post("/admin/checklists/new", data={"name": payload, "start": ""}))
    checklist = db.session.scalar(select(Checklist).where(Checklist.name == payload))
    _created(
        browser.post(
            "/admin/people/new",
            data={
                "username": "zhangwei",
                "display_name": payload,
                "role": "butler",
                "password": "",
                "sites": str(site.id),
            },
        )
    )
    person = db.session.scalar(select(User).where(User.username == "zhangwei"))
    for url in [
        "/admin/sites/",
        f"/admin/sites/{site.id}",
        "/admin/locations/",
        f"/admin/locations/{location.id}",
        "/locations",
        f"/locations/{location.id}",
        f"/labels?site={site.id}",
        "/admin/checklists/",
        f"/admin/checklists/{checklist.id}",
        "/admin/people/",
        f"/admin/people/{person.id}",
        "/admin/audit/",
    ]:
        response = browser.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert payload not in html, url
        assert str(escape(payload)) in html, url


def test_a_display_name_is_escaped_in_the_menu_of_every_page(browser, client, make, payload):
    with_name = create_user("zhangwei", factories.PASSWORD, display_name=payload, role="admin")
    db.session.commit()
    assert with_name.display_name == payload
    browser.login("zhangwei")
    for url in ["/", "/tasks", "/locations", "/account", "/admin/"]:
        assert_escaped(browser.get(url).get_data(as_text=True), payload)


# --- what is typed back at you ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/admin/sites/", "/admin/locations/", "/admin/checklists/", "/admin/people/", "/admin/schedules/", "/locations"],
)
def test_a_search_term_is_echoed_escaped(browser, admin, make, payload, url):
    response = browser.get(url, query_string={"q": payload})
    assert response.status_code == 200
    assert_escaped(response.get_data(as_text=True), payload)


def test_a_search_term_is_echoed_escaped_among_a_checklists_locations(browser, admin, make, payload):
    version = make.checklist(name="Floor patrol")
    response = browser.get(f"/admin/checklists/{version.checklist_id}/assignments", query_string={"q": payload})
    assert response.status_code == 200
    assert_escaped(response.get_data(as_text=True), payload)


def test_the_login_page_shows_the_typed_user_name_escaped(browser, make, payload):
    make.user("admin")  # past the first run, which asks for an administrator instead
    page = browser.client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = browser.client.post("/login", data={"username": payload, "password": "wrong", "csrf_token": token})
    assert response.status_code == 401
    assert_escaped(response.get_data(as_text=True), payload)


# --- the source: how markup could be made from text again --------------------------------------------------

LAZY = {"lazy_gettext", "lazy_pgettext", "lazy_ngettext", "lazy_npgettext", "LazyString"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE.parent).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_no_module_takes_its_lazy_strings_from_flask_babel():
    """Flask-Babel's lazy strings are markup to Jinja; patrol.i18n's are text. Only i18n may wrap theirs."""
    offenders = []
    for name, tree in _modules():
        if name == "patrol/i18n.py":
            continue
        # The names flask_babel (or a module of it) is imported as here: `import flask_babel as fb`.
        aliases = {
            alias.asname or alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
            if alias.name.split(".")[0] == "flask_babel"
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "flask_babel":
                offenders += [
                    f"{name}:{node.lineno} imports {alias.name}"
                    for alias in node.names
                    if alias.name in LAZY or alias.name == "*"
                ]
            elif isinstance(node, ast.Attribute) and node.attr in LAZY:
                owner = node.value
                while isinstance(owner, ast.Attribute):
                    owner = owner.value
                if isinstance(owner, ast.Name) and owner.id in aliases:
                    offenders.append(f"{name}:{node.lineno} uses {owner.id}…{node.attr}")
    assert offenders == []


def _formats_text(node: ast.AST) -> bool:
    """A string built from values: `"..." % x`, `"...".format(x)`, an f-string, or "..." + x."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"format", "format_map", "join", "replace"}
    )


def test_no_markup_is_made_from_formatted_text():
    """`Markup(text % value)` trusts the value; `Markup(text) % value` (escaping it) is the safe order."""
    offenders = []
    for name, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called == "Markup" and any(_formats_text(arg) for arg in node.args):
                offenders.append(f"{name}:{node.lineno}")
    assert offenders == []


def test_templates_mark_nothing_safe_but_the_qr_code_we_drew():
    """`|safe` and `{% autoescape false %}` switch escaping off; only our own QR SVG may pass that way."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        found += [
            (path.relative_to(TEMPLATES).as_posix(), match.group(0))
            for match in re.finditer(r"\{\{[^}]*\|\s*safe\b[^}]*\}\}|autoescape\s+false", text)
        ]
    assert found == [("locations/labels.html", "{{ svg|safe }}"), ("locations/view.html", "{{ svg|safe }}")]
