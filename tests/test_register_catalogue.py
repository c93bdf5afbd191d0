"""The catalogue's model-room counts: the items are counted once, from the register, by one inventory item."""

from patrol.setup import catalogue


def _prompts(items):
    return [item["prompt"] for item in items]


def test_each_model_room_count_has_one_inventory_item_and_the_seed_002_checks():
    (opening_name, opening), (hourly_name, hourly), (closing_name, closing) = catalogue.model_room_checklists("样板间A")
    assert (opening_name, hourly_name, closing_name) == ("样板间A 开馆清点", "样板间A 每小时清点", "样板间A 闭馆清点")
    for items in (opening, hourly, closing):
        kinds = [item["item_type"] for item in items]
        assert kinds.count("inventory") == 1 and "count" not in kinds
    opening_text = "".join(_prompts(opening))
    for check in (
        "与夜班保安交接",
        "入口",
        "地毯",
        "灯光",
        "地面无脚印",
        "寝具平整",
        "家私无浮灰",
        "镜面光亮",
        "绿植",
        "鞋套",
        "成对",
        "灭火器封条完好",
    ):
        assert check in opening_text, check
    assert "".join(_prompts(hourly)).count("灭火器封条") == 1 and "物品完好" in "".join(_prompts(hourly))
    closing_text = "".join(_prompts(closing))
    assert "物品已归位" in closing_text and "门窗关严" in closing_text and "总电源断开" in closing_text


def test_the_register_of_model_room_a_goes_zone_by_zone_with_units_and_values():
    zones = list(dict.fromkeys(zone for zone, *_ in catalogue.MODEL_ROOM_ASSETS))
    assert zones == ["大堂", "客厅", "餐厅", "主卧", "次卧"]
    units = {unit for *_, unit, _value in catalogue.MODEL_ROOM_ASSETS}
    assert {"件", "张", "把", "盆", "个", "具"} <= units
    assert all(expected > 0 and float(value) > 0 for _z, _n, expected, _u, value in catalogue.MODEL_ROOM_ASSETS)


def test_the_checklist_editor_starts_an_hourly_count_with_its_inventory_item(browser, admin):
    from sqlalchemy import select

    from patrol.extensions import db
    from patrol.models import Checklist

    response = browser.post("/admin/checklists/new", data={"name": "", "start": "model_room_hourly"})
    checklist = db.session.scalar(select(Checklist))
    page = browser.get(response.location).get_data(as_text=True)
    assert checklist.name == "样板间 每小时清点"
    assert "清点样板间资产" in page and "Asset count (from the room&#39;s register)" in page
