"""A room's register imported from a sheet: the first import starts it; later ones only add; bad rows import nothing."""

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from patrol.extensions import db
from patrol.modelrooms.register import current_version, lines_of
from patrol.models import RegisterEvent


@pytest.fixture
def room(make, browser):
    site = make.site()
    room = make.location(site, kind="model_room", name="样板间A")
    make.user("supervisor", sites=[site], username="boss", locale="en")
    browser.login("boss")
    return room


def _csv(rows) -> bytes:
    return ("\ufeff" + "\r\n".join(",".join(row) for row in rows)).encode()


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(browser, room, data: bytes, name="register.csv"):
    page = browser.get(f"/rooms/{room.id}/register/import").get_data(as_text=True)
    hidden = dict(re.findall(r'<input type="hidden" name="(client_id|version)" value="([^"]*)"', page))
    return browser.post(
        f"/rooms/{room.id}/register/import",
        data={**hidden, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _lines(room):
    return [(line.zone, line.name, line.expected, line.unit) for line in lines_of(current_version(room.id).id)]


def test_the_first_import_starts_the_register_from_chinese_headers(room, browser):
    sheet = _csv(
        [
            ("区域", "物品", "数量", "单位", "单价"),
            ("客厅", "抱枕", "6", "个", "180"),
            ("主卧", "台灯", "2", "个", "¥560.50"),
        ]
    )
    response = _upload(browser, room, sheet)
    assert response.status_code == 303
    assert _lines(room) == [("客厅", "抱枕", 6, "个"), ("主卧", "台灯", 2, "个")]
    assert str(lines_of(current_version(room.id).id)[1].unit_value) == "560.50"
    [event] = db.session.scalars(select(RegisterEvent).where(RegisterEvent.location_id == room.id))
    assert event.kind == "imported"


def test_an_excel_sheet_with_english_headers_imports_too(room, browser):
    sheet = _xlsx([("Zone", "Item", "Quantity", "Unit", "Value"), ("Dining", "Chair", 4, "把", 980)])
    assert _upload(browser, room, sheet, "register.xlsx").status_code == 303
    assert _lines(room) == [("Dining", "Chair", 4, "把")]


def test_bad_rows_are_listed_row_by_row_and_nothing_is_imported(room, browser):
    sheet = _csv(
        [
            ("区域", "物品", "数量"),
            ("客厅", "抱枕", "6"),
            ("客厅", "", "2"),
            ("主卧", "台灯", "两个"),
            ("客厅", "抱枕", "1"),
            ("主卧", "床", "-1"),
        ]
    )
    response = _upload(browser, room, sheet)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was imported." in page and "4 rows need fixing" in page
    assert "Fill this in." in page and "Enter a whole number." in page
    assert "The same item in the same zone is already on row 2." in page and "Enter a number from 0 to 9999." in page
    assert current_version(room.id) is None


def test_a_sheet_without_the_needed_columns_says_which(room, browser):
    response = _upload(browser, room, _csv([("名称", "数量"), ("抱枕", "6")]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "The sheet needs the columns 区域/zone" in page


def test_onto_an_existing_register_a_sheet_may_only_add_lines(room, browser, make):
    assert _upload(browser, room, _csv([("区域", "物品", "数量"), ("客厅", "抱枕", "6")])).status_code == 303
    page = browser.get(f"/rooms/{room.id}/register/import").get_data(as_text=True)
    assert "a sheet may only add items that are not on it" in page

    refused = _upload(browser, room, _csv([("区域", "物品", "数量"), ("客厅", "抱枕", "8"), ("客厅", "茶几", "1")]))
    assert refused.status_code == 422 and "Already on the register: a sheet only adds new items." in refused.get_data(
        as_text=True
    )
    assert _lines(room) == [("客厅", "抱枕", 6, "")]

    added = _upload(browser, room, _csv([("区域", "物品", "数量"), ("客厅", "茶几", "1"), ("主卧", "台灯", "2")]))
    assert added.status_code == 303
    assert _lines(room) == [("客厅", "抱枕", 6, ""), ("客厅", "茶几", 1, ""), ("主卧", "台灯", 2, "")]
    kinds = list(db.session.scalars(select(RegisterEvent.kind).order_by(RegisterEvent.id)))
    assert kinds == ["imported", "added", "added"] and current_version(room.id).number == 2


def test_the_same_upload_sent_twice_imports_once(room, browser):
    page = browser.get(f"/rooms/{room.id}/register/import").get_data(as_text=True)
    hidden = dict(re.findall(r'<input type="hidden" name="(client_id|version)" value="([^"]*)"', page))
    sheet = _csv([("区域", "物品", "数量"), ("客厅", "抱枕", "6")])
    for _ in range(2):
        response = browser.post(
            f"/rooms/{room.id}/register/import",
            data={**hidden, "file": (io.BytesIO(sheet), "r.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 303
    assert current_version(room.id).number == 1 and _lines(room) == [("客厅", "抱枕", 6, "")]
