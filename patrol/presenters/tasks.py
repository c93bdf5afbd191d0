"""How a task reads: a title that says what is wrong, in the reader's language.

A finding's title is built from its item and the answer given — "消防通道无堵塞：不合格",
"抱枕：少 1（5/6）" — from translatable templates with named fields; the item's wording and the
answer are parameters, so Jinja escapes them like any other value. A report (随手拍) is titled by
its category and the reporter's own words.
"""

from __future__ import annotations

from flask_babel import gettext

from patrol.vocabulary import PASSFAIL_VALUES, REPORT_CATEGORIES

SHORT_NOTE = 40


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def finding_title(item, answer) -> str:
    """What is wrong, from the item that was asked and the answer given."""
    prompt = item.prompt
    if answer is None:
        return prompt
    value = answer.value_number
    if item.item_type == "count" and value is not None and item.expected is not None:
        if value < item.expected:
            return gettext(
                "%(item)s: %(missing)s short (%(count)s/%(expected)s)",
                item=prompt,
                missing=_number(item.expected - value),
                count=_number(value),
                expected=item.expected,
            )
        return gettext(
            "%(item)s: %(extra)s too many (%(count)s/%(expected)s)",
            item=prompt,
            extra=_number(value - item.expected),
            count=_number(value),
            expected=item.expected,
        )
    if item.item_type == "rating" and value is not None:
        return gettext(
            "%(item)s: %(score)s points (below %(threshold)s)",
            item=prompt,
            score=_number(value),
            threshold=item.threshold if item.threshold is not None else "",
        )
    if item.item_type == "number" and value is not None:
        bounds = _bounds(item)
        if bounds:
            return gettext(
                "%(item)s %(value)s%(unit)s (outside %(bounds)s)",
                item=prompt,
                value=_number(value),
                unit=item.unit,
                bounds=bounds,
            )
        return gettext("%(item)s %(value)s%(unit)s", item=prompt, value=_number(value), unit=item.unit)
    if item.item_type == "choice" and answer.value_text:
        return gettext("%(item)s: %(choice)s", item=prompt, choice=answer.value_text)
    if item.item_type == "passfail" and answer.value_text == "fail":
        return gettext("%(item)s: %(result)s", item=prompt, result=str(PASSFAIL_VALUES["fail"]))
    return prompt


def _bounds(item) -> str:
    low, high = _number(item.min_value), _number(item.max_value)
    if low and high:
        return gettext("%(low)s–%(high)s", low=low, high=high)
    if low:
        return gettext("below %(low)s", low=low)
    if high:
        return gettext("above %(high)s", high=high)
    return ""


def report_title(task) -> str:
    """A report (随手拍): its category, and the start of what the reporter wrote — or, for a photo
    alone, where it was taken ("消防与安全：3号楼B2车库"), so a list of them says something."""
    note = " ".join(task.detail.split())
    if len(note) > SHORT_NOTE:
        note = note[: SHORT_NOTE - 1] + "…"
    category = REPORT_CATEGORIES.get(task.category) if task.category else None
    if category and note:
        return gettext("%(category)s: %(note)s", category=str(category), note=note)
    if note:
        return note
    place = task.where
    if category and place:
        return gettext("%(category)s: %(place)s", category=str(category), place=place)
    if place:
        return gettext("Problem reported at %(place)s", place=place)
    return str(category) if category else gettext("Problem reported on the spot")


def task_title(task) -> str:
    if task.source == "report":
        return report_title(task)
    if task.answer is not None:
        return finding_title(task.answer.item, task.answer)
    return task.title
