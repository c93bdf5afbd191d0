"""Setup: schedules."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_schedules", __name__, url_prefix="/admin/schedules")
