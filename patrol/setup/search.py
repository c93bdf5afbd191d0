"""Searching text columns: what a person types is looked for literally, whatever it holds."""

from __future__ import annotations

from sqlalchemy import ColumnElement

ESCAPE = "\\"


def contains(column, text: str) -> ColumnElement[bool]:
    """`column` holds `text`, ignoring case: "50%" finds only "50%", and "a_b" only "a_b".

    LIKE would read % and _ as wildcards, so they (and the escape character itself) are escaped.
    """
    literal = text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return column.ilike(f"%{literal}%", escape=ESCAPE)
