"""Follow-up tasks (整改): every finding or report becomes a task that is assigned, fixed, re-checked and closed.

- rules: who may see a task and who may act on it, from which state (the action table).
- workflow: acting on a task — the one writer of a task's status; each action is one timeline event.
- raising: a submitted round's failed answers become tasks or join open ones; reports: 随手拍.
- board (and filters): which tasks a list shows, in which order, a page at a time.
- timeline: one task's page; photos: photos sent with an action or a report (report_photos: ahead of it).
- rechecks: fixes waiting to be re-checked where someone scans; notices, notice_issuing: 整改通知单.
Tasks tell people through patrol.alerts; they read photos through patrol.photos.
"""
