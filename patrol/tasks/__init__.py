"""Follow-up tasks (整改): every finding or report becomes a task that is assigned, fixed, re-checked and closed.

- actions: the action table — each action one row: from-states, who, to-state, event, note, check,
  effect, the words once done, whom it tells.
- rules: who may see a task and who may take which action on it now (read from the table).
- workflow: acting on a task by its row — the one writer of a task's status; each action is one timeline
  event. The task page, the board's bulk assign and a round's re-check all act through it.
- raising: a submitted round's failed answers become tasks or join open ones; reports: 随手拍.
- board (and filters): which tasks a list shows, in which order, a page at a time.
- timeline: one task's page; photos: photos sent with an action or a report (report_photos: ahead of it).
- rechecks: fixes waiting to be re-checked where someone scans; notices, notice_issuing: 整改通知单.
Tasks tell people through patrol.alerts; they read photos through patrol.photos.
"""
