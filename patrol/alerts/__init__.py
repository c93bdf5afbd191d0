"""Who hears about what happens to tasks, and when: in-app notifications and the sites' group robots.

- sweep: after a task is raised or acted on, who is told (notifications, robot messages: an action's
  audience comes from its row, audience.Audience); and the sweep for tasks past their
  first-response or due time.
- notifications: the in-app list and bell; settling: which action settles which notification.
- robots: setting up a site's group robots; messages: queuing their deliveries (the words are
  presentation: patrol.presenters.robot_messages, handed over by create_app);
  sending: claiming and posting due deliveries with back-off.
- worker: the one loop that runs the rounds step (patrol.rounds), the sweep and the sending, beside
  the app (`patrol worker`) or in the demo's process;
  wakeup: a commit that queues a message wakes it (PostgreSQL's NOTIFY).
"""
