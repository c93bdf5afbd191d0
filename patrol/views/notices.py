"""The printable rectification notice (整改通知单): one task, or all open tasks of a unit or a site."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notices", __name__)
