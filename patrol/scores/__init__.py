"""Staff scores (考核, seed 000 chapter 4): each person's month, 100 points less what their lapses cost.

- month: a calendar month on a site's clock — its days (for rounds, by their local day) and its UTC
  bounds (for tasks), the months before and after.
- rules: a site's points per kind of lapse (1 unless an administrator changed them; 0 turns a kind
  off), the form that changes them, audited like every setup change.
- lapses: the five kinds of lapse as one SQL statement each, to whom each counts:
    a missed round → the person it was given to (none for a round given to a role);
    a late or made-up round → who did the visit that counted;
    a first response late, a task closed late, a re-check not passed → the task's assignee.
- table: a site's month per person in three queries whatever the month holds; people without a
  lapse score 100; lapses that count to nobody by name are totalled apart, never spread over people.
- person: one person's lapses (or those counting to nobody) in a month, newest first, offset-paged,
  with the round or task behind each, in a fixed number of queries.

Its own area, not part of rounds: it reads rounds (expected visits) and tasks alike, and neither of
them should depend on the other for it.
"""
