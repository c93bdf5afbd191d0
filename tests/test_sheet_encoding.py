"""A CSV in an encoding we cannot read reliably is previewed with a warning, never imported as garbage in silence."""

import io

import pytest

from patrol.setup.sheet_encoding import decode_csv

GARBLED = "The text in this file may be garbled."
JAPANESE_ROWS = [("東京タワー", "展望台"), ("大阪城", "天守閣"), ("さくらビル", "会議室")]


@pytest.fixture
def import_site(make):
    site = make.site("花园")
    make.user("admin", username="boss", locale="en")
    return site


def csv_bytes(rows, encoding: str, header=("name", "kind", "unit")) -> bytes:
    lines = [",".join(header)] + [f"{name},floor,{unit}" for name, unit in rows]
    return "\r\n".join(lines).encode(encoding)


def preview(browser, site, data: bytes) -> str:
    uploaded = browser.post(
        "/admin/locations/import", data={"site_id": str(site.id), "file": (io.BytesIO(data), "a.csv")}
    )
    assert uploaded.status_code == 303
    return browser.get(uploaded.location).get_data(as_text=True)


def test_a_shift_jis_sheet_is_previewed_with_a_warning_that_the_text_may_be_garbled(browser, import_site):
    browser.login("boss")
    html = preview(browser, import_site, csv_bytes(JAPANESE_ROWS, "shift_jis"))

    assert GARBLED in html and "save the sheet as “CSV UTF-8” or as an Excel .xlsx file" in html
    assert "東京タワー" not in html  # what the warning is about: the names came out as other characters
    assert f"3 rows for {import_site.name}." in html  # shown, so the person can see it for themselves


def test_a_big5_sheet_is_previewed_with_the_warning_too(browser, import_site):
    browser.login("boss")
    html = preview(browser, import_site, csv_bytes([("1棟大堂電梯廳", "樓層"), ("2棟地下停車場", "B1")], "big5"))
    assert GARBLED in html


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_a_chinese_sheet_in_gbk_or_utf_8_imports_without_a_warning(browser, import_site, encoding):
    rows = [("1栋大堂电梯厅", "1F"), ("翠湖苑地下车库", "B1"), ("消防通道·北", "")]
    browser.login("boss")
    html = preview(browser, import_site, csv_bytes(rows, encoding, header=("名称", "类型", "单元")))

    assert GARBLED not in html
    assert "1栋大堂电梯厅" in html and "翠湖苑地下车库" in html and "Import 3 locations" in html


def test_japanese_in_utf_8_is_read_as_written(browser, import_site):
    browser.login("boss")
    html = preview(browser, import_site, csv_bytes(JAPANESE_ROWS, "utf-8"))
    assert GARBLED not in html and "東京タワー" in html and "さくらビル" in html


def test_a_header_that_came_out_garbled_says_why_its_columns_are_missing(browser, import_site):
    browser.login("boss")
    data = csv_bytes(JAPANESE_ROWS, "shift_jis", header=("名前", "種類", "部屋"))
    response = browser.post(
        "/admin/locations/import", data={"site_id": str(import_site.id), "file": (io.BytesIO(data), "a.csv")}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The sheet needs the columns name/名称, kind/类型." in page
    assert "The text in this file may be garbled: save the sheet as “CSV UTF-8”" in page


def test_a_site_whose_name_has_a_rare_character_on_every_row_is_not_doubted():
    rows = [(f"{n}栋 堃园 {n}F", "") for n in range(1, 20)] + [("喆楼大堂", "")]
    assert not decode_csv(csv_bytes(rows, "gbk")).doubtful
