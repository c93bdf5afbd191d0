"""Setup: locations."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_locations", __name__, url_prefix="/admin/locations")
