"""Photos, whoever takes them: answers, task actions and reports all keep pictures the same way.

- processing: verify a picture by its content and re-encode it without metadata (no database).
- store: one row and two files per picture hash, removed once nothing shows them.
Its own area rather than part of inspections: tasks and reports use it as much as rounds do.
"""
