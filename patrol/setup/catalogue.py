"""The checklist catalogue: the demo estate's checklists, and what a new checklist may start from."""

from __future__ import annotations


def passfail(prompt: str, severity: str = "medium", photo: bool = True, help_text: str = "") -> dict:
    return {
        "prompt": prompt,
        "item_type": "passfail",
        "default_severity": severity,
        "photo_required_on_fail": photo,
        "help_text": help_text,
    }


def rating(prompt: str, threshold: int = 3, help_text: str = "") -> dict:
    return {
        "prompt": prompt,
        "item_type": "rating",
        "threshold": threshold,
        "default_severity": "low",
        "help_text": help_text,
    }


def count(prompt: str, expected: int, severity: str = "high", photo: bool = True) -> dict:
    return {
        "prompt": prompt,
        "item_type": "count",
        "expected": expected,
        "default_severity": severity,
        "photo_required_on_fail": photo,
    }


def reading(prompt: str, low: float | None, high: float | None, unit: str, required: bool = True) -> dict:
    return {
        "prompt": prompt,
        "item_type": "number",
        "min_value": low,
        "max_value": high,
        "unit": unit,
        "required": required,
    }


def choice(prompt: str, options: list[str], failing: list[str] | None = None) -> dict:
    return {"prompt": prompt, "item_type": "choice", "choices": options, "failing_choices": failing or []}


def note(prompt: str) -> dict:
    return {"prompt": prompt, "item_type": "text", "required": False}


FLOOR_PATROL = (
    "巡楼检查",
    [
        passfail("走廊/楼梯灯正常", "low"),
        passfail("疏散指示灯常亮", "high"),
        passfail("防火门常闭、未上锁", "high"),
        passfail("消防栓完好无滴漏", "high"),
        passfail("灭火器无漏气、未过期、封条完好", "high", help_text="看压力表指针在绿区，封条完整"),
        passfail("消防通道无堵塞", "high"),
        rating("地面/墙面/天花洁净"),
        passfail("垃圾桶已清理", "low", photo=False),
        passfail("公共区域无杂物堆放", "medium"),
        passfail("给排水管无滴漏", "medium"),
        passfail("电梯运行、照明、通风正常", "high"),
        note("其他情况"),
    ],
)

RENOVATION = (
    "装修巡查",
    [
        passfail("装修许可证张贴", "medium"),
        passfail("施工人员佩戴施工证（左胸）", "low"),
        count("灭火器数量（≥2具）", 2),
        passfail("现场无吸烟", "high"),
        passfail("无私拉乱接电线", "high"),
        passfail("无明火作业，动火有证", "high"),
        passfail("无易燃易爆物品存放（油漆、天那水当日带离）", "high"),
        passfail("工作时段无高噪音作业（含12:00–14:00）", "medium"),
        passfail("材料垃圾未占公共区域、未用客梯运料", "medium"),
        passfail("未拆改承重结构/燃气/烟道", "high"),
        choice("当日工种", ["水电", "泥瓦", "木工", "油漆", "安装", "无人施工"]),
        note("其他情况"),
    ],
)

VACANT_UNIT = (
    "空置房巡查",
    [
        passfail("门窗完好关牢", "medium"),
        passfail("无进水漏水（暴雨后必查）", "high"),
        passfail("下水地漏畅通", "medium"),
        passfail("物品、电线与交付时一致", "medium"),
        passfail("通风无异味", "low", photo=False),
        rating("卫生整洁"),
        reading("电表读数", None, None, "kWh", required=False),
        note("其他情况"),
    ],
)


def inventory(prompt: str = "清点样板间资产") -> dict:
    """The room's count: one item, answered line by line against the room's asset register."""
    return {"prompt": prompt, "item_type": "inventory", "default_severity": "high", "photo_required_on_fail": False}


# The register of model room A (89㎡), zone by zone: zone, item, expected quantity, unit, unit value (元).
MODEL_ROOM_ASSETS = [
    ("大堂", "迎宾地毯", 1, "张", "1800"),
    ("大堂", "鞋套机", 1, "台", "650"),
    ("大堂", "灭火器（封条完好）", 2, "具", "120"),
    ("客厅", "三人位沙发", 1, "张", "12800"),
    ("客厅", "茶几", 1, "张", "3600"),
    ("客厅", "抱枕", 6, "个", "180"),
    ("客厅", "装饰画", 3, "件", "900"),
    ("客厅", "落地灯", 1, "个", "1500"),
    ("客厅", "绿植", 2, "盆", "260"),
    ("餐厅", "餐桌", 1, "张", "5600"),
    ("餐厅", "餐椅", 4, "把", "980"),
    ("餐厅", "餐具摆件", 4, "套", "320"),
    ("主卧", "1.8米床", 1, "张", "9800"),
    ("主卧", "床头柜", 2, "个", "1200"),
    ("主卧", "台灯", 2, "个", "560"),
    ("主卧", "床品四件套", 1, "套", "1600"),
    ("次卧", "1.5米床", 1, "张", "6800"),
    ("次卧", "书桌", 1, "张", "2200"),
    ("次卧", "书椅", 1, "把", "780"),
    ("次卧", "绿植", 1, "盆", "260"),
]

MODEL_ROOM_CLEAN = [
    passfail("地面无脚印", "low"),
    passfail("寝具平整", "low"),
    passfail("家私无浮灰", "low"),
    passfail("镜面光亮", "low"),
]


def model_room_checklists(room: str) -> list[tuple[str, list[dict]]]:
    """Opening, hourly and closing counts (seed 002): the room's items are counted once, from its
    register, by the one inventory item; the checks around it stay ordinary items."""
    return [
        (
            f"{room} 开馆清点",
            [
                passfail("与夜班保安交接记录无异常", "high"),
                inventory(),
                passfail("物品摆放如初", "medium"),
                passfail("入口、地毯平整洁净，灯光全部开启", "low"),
                *MODEL_ROOM_CLEAN,
                passfail("绿植无枯叶、已浇水", "low"),
                passfail("鞋套充足、成对摆放", "low", photo=False),
                passfail("灭火器封条完好", "high"),
            ],
        ),
        (
            f"{room} 每小时清点",
            [
                inventory(),
                passfail("物品完好无损", "high"),
                passfail("灭火器封条完好", "high"),
                passfail("照明正常", "low"),
            ],
        ),
        (
            f"{room} 闭馆清点",
            [
                inventory(),
                passfail("物品已归位", "medium"),
                passfail("门窗关严", "high"),
                passfail("灯具电器关闭、总电源断开", "high"),
            ],
        ),
    ]
