"""Setup: sites."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_sites", __name__, url_prefix="/admin/sites")
