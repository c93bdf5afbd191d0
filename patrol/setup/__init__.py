"""Setting up an estate (/admin): sites, locations, checklists, schedules, people, and the audit log.

- sites; locations (codes), location_admin (the list and edits), location_import (sheets), with
  sheets, sheet_encoding and import_uploads for reading uploaded CSV/XLSX.
- checklists (what applies where), checklist_editor (versions and items), item_settings,
  checklist_assignments, catalogue (the checklists a new one may start from).
- schedules (巡检计划) and occurrences (when their rounds fall due).
- people; audit (every change recorded with it); overview (the setup front page); search.
"""
