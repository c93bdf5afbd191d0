"""Rounds that are kept: schedules turned into expected visits, each one done, late, missed or accounted for.

- versions: a schedule's terms, one version per change, so the past is judged by the version then in force.
- planning: `plan_visits(now)` writes the expected visits (version × round × location in use then)
  a day ahead; idempotent.
- changes: a schedule's edit or stop, a location's or a site's change re-plans the rounds still to
  come (re-pointed to the version now in force, or cancelled — by whom, why — never deleted).
- counting: `count_visit` — a submitted inspection counts once, at the time it was done on the phone,
  toward the round whose window holds it (on time, late, or made up after a miss); another is extra.
- missed: `mark_missed(now)` — missed is final at grace_end, and each missed round is alerted once
  (in-app notifications and the site's group robots, through patrol.alerts).
- dispositions: explaining, excusing (supervisors) a missed round; never closed without a comment.
- coverage: on time ÷ (expected − excused − cancelled), per site, location, person, day, in one query.
- review: the supervisor's look back — the missed rounds, keyset-paged, and one site's day as a grid
  of locations × time slots whose counts are the day's coverage figure.
- due: each person's day — `rounds_for(person, now)`: the rounds given to them (by name, or to their
  role on their sites) open now, each schedule's next, and today's missed, in walking order, in a
  fixed number of queries; `due_here` — the checklists due at a location now (the scan page's first).
- worker: `run_rounds(now)`, the periodic step (plan, then mark missed) the job worker calls.

Setup calls changes when a schedule, a location or a site changes; inspections call counting when
a visit is submitted. This area reads setup's occurrences (when a schedule's rounds fall due).
"""
