"""The installable app: all of it is presentation, so it sits beside patrol.views in the import rule.

- views: the manifest, the root icon addresses, the service worker (templates/pwa/sw.js), the offline
  page, and the list of pages a phone prepares for an offline round.
- shell: what the service worker keeps (the app shell and its version, a person's prepared pages).

The icons are static files (static/icons/), drawn by scripts/draw_icons.py.
"""
