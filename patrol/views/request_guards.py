"""Checks on every request's raw values (ids, page numbers, text) before any view sees them.

Both databases refuse some values a URL or a form can carry, and a refusal deep in a query is a
500. So numbers are bounded where they are read and text with a NUL byte never reaches a view:

- `<int:…>` in a route only matches 1 .. 2**31-1 (other numbers are a 404);
- `arg_int` reads a query-string number, `whole_numbers` a list of ids from a form or a query:
  a value that is not a plain number in range is treated like a missing one;
- a NUL byte in the path, a query value, a form field or JSON is refused with a 400 that says so.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from patrol.i18n import lazy_gettext as _l
from patrol.validation import MAX_ID, whole_number
from patrol.views.errors import error_response

# OFFSET is sent as an integer too, so (page - 1) * page size must stay below MAX_ID; a million
# pages of 50 is 50 million rows, far more than any list here will hold.
MAX_PAGE = 1_000_000

NUL_TITLE = _l("The text contains a character that cannot be stored")
NUL_DETAIL = _l("It may have come with pasted text. Type that part again and send it once more.")


def init_app(app: Flask) -> None:
    # A rule takes its converters when it is added: this must run before the blueprints register.
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_nul_bytes)


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` that only matches an id a database can hold; a rule may still ask for other bounds.

    The bound is in the regex, not only in `to_python`: werkzeug chooses a rule by its method
    before converting, so a number refused there is a 405 wherever the same path also has a rule
    for another method. A number the regex does not take fails like any word would: a 404.
    """

    def __init__(
        self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID, signed: bool = False
    ) -> None:
        bounded = MAX_ID if max is None else builtins.min(max, MAX_ID)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bounded, signed=signed)
        if not signed and not fixed_digits:
            self.regex = digits_up_to(bounded, zero=min is None or min <= 0)


def digits_up_to(bound: int, *, zero: bool = False) -> str:
    """A regex for the numbers 1..`bound` (and 0 if `zero`) written without leading zeros.

    Shorter numbers, then for each digit of `bound` the numbers that share its digits up to there
    and are smaller at that one: for 345 that is [1-9][0-9]{0,1} | [1-2][0-9]{2} | 3[0-3][0-9] | 34[0-5].
    """
    text = str(bound)
    choices = ["0"] if zero else []
    if len(text) > 1:
        choices.append(f"[1-9][0-9]{{0,{len(text) - 2}}}")
    for position, digit in enumerate(text):
        lowest = 1 if position == 0 else 0
        highest = int(digit) if position == len(text) - 1 else int(digit) - 1
        if highest >= lowest:
            rest = len(text) - position - 1
            choices.append(f"{text[:position]}[{lowest}-{highest}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    return "(?:" + "|".join(choices) + ")"


def arg_int(
    name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID, source: Mapping | None = None
) -> int | None:
    """A number from the query string (or `source`), or `default` when it is missing or unusable.

    Like `request.args.get(name, type=int)`, which this replaces: "abc", "-1" and 10**30 are all
    just not a usable value here, never an error.
    """
    number = whole_number((request.args if source is None else source).get(name), minimum=minimum, maximum=maximum)
    return default if number is None else number


def refuse_nul_bytes():
    """A 400 for a NUL byte anywhere in the text of the request (PostgreSQL cannot store one).

    Refused rather than removed: the text is not what the person meant to send, and quietly
    changing it (a password, a name) would store something they never saw. File parts of a
    multipart body are binary and are not looked at.
    """
    if not _carries_nul(request):
        return None
    return error_response(400, NUL_TITLE, NUL_DETAIL)


def _carries_nul(req) -> bool:
    if "\x00" in req.path or _has_nul(list(req.args.items(multi=True))):
        return True
    if req.is_json:
        return _has_nul(_json_of(req))
    return _has_nul(list(req.form.items(multi=True)))


def _json_of(req):
    """The JSON body, or None: unreadable JSON is no view's input (none reads JSON today)."""
    try:
        return req.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes: silent=True only covers ValueError
        return None


def _has_nul(value) -> bool:
    """Whether any text in `value` (a string, lists of pairs, or parsed JSON) holds a NUL byte.

    Walked with a list rather than recursion, so JSON nested as deep as the parser allows is fine.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, Mapping):
            pending.extend(item.items())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
    return False
