"""A site's report for a day, a week or a month: the figures a supervisor answers for.

- periods: `Period` — a day, an ISO week (Monday–Sunday) or a calendar month of the site's local
  days, with its bounds as UTC instants in the site's zone, and the periods before and after it.
- spreads: median and 90th percentile of durations in SQL (PostgreSQL's percentile_cont; on SQLite
  the rows either side of each rank, from one ordered window query), the same figures on both.
- figures: `site_report(site, period, now)` — coverage (patrol.rounds.coverage: the one definition),
  findings by checklist item and by location kind, tasks raised, still open and overdue, first
  response and close times against the site's promise, the reopen rate, and each person's visits,
  findings and tasks closed on time — in a fixed number of queries whatever the period's length.

A report reads rounds, inspections and tasks alike, so it is an area of its own rather than a
part of any one of them (and `patrol.tasks.reports` is already 随手拍, the on-the-spot report).
"""
