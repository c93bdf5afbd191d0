"""Every search box looks for what was typed, literally: % and _ are characters, not wildcards."""

from datetime import time

import pytest
from sqlalchemy import select

from patrol.extensions import db
from patrol.models import Checklist, Location, Schedule, Site
from patrol.setup.search import contains


@pytest.mark.parametrize(
    "typed, found",
    [
        ("50%", ["50% 完工"]),
        ("a_b", ["a_b 仓库"]),
        ("A_B", ["a_b 仓库"]),
        ("c\\d", ["c\\d 机房"]),
        ("%", ["50% 完工"]),
        ("_", ["a_b 仓库"]),
    ],
)
def test_contains_matches_the_text_typed_and_nothing_else(make, typed, found):
    site = make.site()
    for name in ("50% 完工", "500 号", "a_b 仓库", "axb 仓库", "c\\d 机房", "cxd 机房"):
        make.location(site, name=name)
    names = db.session.scalars(select(Location.name).where(contains(Location.name, typed)).order_by(Location.id))
    assert list(names) == found


def _listed(browser, url: str, query: str) -> str:
    return browser.get(url, query_string={"q": query}).get_data(as_text=True)


def test_every_search_box_takes_percent_and_underscore_literally(browser, admin, make):
    site = make.site()
    for name in ("50% 完工", "500 号", "a_b 仓库", "axb 仓库"):
        make.location(site, name=name)
    db.session.add_all([Site(name="50%物业"), Site(name="500号大厦")])
    for name in ("a_b 巡楼", "axb 巡楼"):
        db.session.add(
            Schedule(
                site=site,
                name=name,
                checklist=Checklist(name=name),
                location_kind="floor",
                recurrence="daily",
                start_time=time(9),
            )
        )
    make.user("butler", [site], username="a_b")
    make.user("butler", [site], username="axb")
    db.session.commit()

    for url in ("/locations", "/admin/locations/"):
        html = _listed(browser, url, "50%")
        assert "50% 完工" in html and "500 号" not in html, url
        html = _listed(browser, url, "a_b")
        assert "a_b 仓库" in html and "axb 仓库" not in html, url
    sites = _listed(browser, "/admin/sites/", "50%")
    assert "50%物业" in sites and "500号大厦" not in sites
    schedules = _listed(browser, "/admin/schedules/", "a_b")
    assert "a_b 巡楼" in schedules and "axb 巡楼" not in schedules
    people = _listed(browser, "/admin/people/", "a_b")
    assert "a_b · " in people and "axb" not in people
