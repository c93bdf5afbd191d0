"""Exporting past rounds (/inspections): the rounds of the list's filter with their answers and their
proof-of-presence flags — three sheets of an .xlsx or three .csv files — in the reader's language,
formula-safe; a butler's export holds only their own rounds, as their list does."""

from __future__ import annotations

import pytest

from patrol.extensions import db
from patrol.models import Answer
from tests.export_steps import ask, csv_rows, download, export_id, run_worker, xlsx
from tests.rounds_scene import at
from tests.test_presence_pages import flagged  # noqa: F401  (the fixture: a round with two flags)

OTHER_ID = "5d2b9a71-8c3e-4f6a-9b1d-2e7f4c8a9d10"


@pytest.fixture
def rounds(flagged, make):  # noqa: F811
    """The flagged round with a failed answer whose note would start a formula; another butler's round."""
    item = flagged.version.items[0]
    db.session.add(
        Answer(inspection_id=flagged.inspection.id, item_id=item.id, value_text="fail", is_finding=True, note="=1+1")
    )
    colleague = make.user("butler", [flagged.site], username="wangwu", locale="en")
    flagged.theirs = flagged.visit(flagged.rooms[1], at(11), person=colleague)
    db.session.commit()
    return flagged


def built(browser, choice: str, client_id: str = "3c6f1e2a-7b4d-4e8f-a1c2-9d8e7f6a5b41", **args) -> bytes:
    number = export_id(ask(browser, choice, client_id=client_id, **args))
    run_worker()
    status, _headers, data = download(browser, number)
    assert status == 200
    return data


def test_a_supervisor_exports_rounds_answers_and_flags_on_three_sheets(rounds, browser):
    browser.login(rounds.supervisor.username)
    book = xlsx(built(browser, "inspections.xlsx"))
    assert book.sheetnames == ["Inspection records", "Answers", "Flags"]
    listed = list(book["Inspection records"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in listed] == [rounds.theirs.id, rounds.inspection.id]  # newest first, as the list
    mine = listed[1]
    assert mine[2] == rounds.rooms[0].name and mine[10] == 1  # one finding
    assert mine[11] == "The phone's clock was off、Submitted very quickly"  # in the order they were raised
    (answer,) = book["Answers"].iter_rows(min_row=2, values_only=True)
    assert answer[0] == rounds.inspection.id and answer[4:6] == ("Fail", "Yes") and answer[7] == "=1+1"
    assert book["Answers"].cell(row=2, column=8).data_type == "s"  # text, never a formula
    flags = list(book["Flags"].iter_rows(min_row=2, values_only=True))
    assert [row[3] for row in flags] == ["The phone's clock was off", "Submitted very quickly"]


def test_the_csv_kinds_carry_one_table_each_formula_safe(rounds, browser):
    browser.login(rounds.supervisor.username)
    answers = csv_rows(built(browser, "inspection_answers.csv"))
    assert answers[0][:5] == ["Inspection no.", "Location", "Completed at", "Item", "Answer"]
    assert answers[1][7] == "'=1+1"
    flags = csv_rows(built(browser, "presence_flags.csv", client_id=OTHER_ID))
    assert len(flags) == 3 and flags[1][0] == str(rounds.inspection.id)


def test_a_butlers_export_holds_only_their_own_rounds(rounds, browser):
    browser.login(rounds.butler.username)
    listed = csv_rows(built(browser, "inspections.csv", person=str(rounds.theirs.inspector_id)))
    assert [row[0] for row in listed[1:]] == [str(rounds.inspection.id)]  # the colleague's is not theirs


def test_the_list_offers_the_export_of_what_it_shows(rounds, browser):
    browser.login(rounds.supervisor.username)
    page = browser.get(f"/inspections?site={rounds.site.id}&findings=1").get_data(as_text=True)
    assert 'value="inspections.xlsx"' in page
    assert f'<input type="hidden" name="site" value="{rounds.site.id}">' in page
    assert '<input type="hidden" name="findings" value="1">' in page
