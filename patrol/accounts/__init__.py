"""Accounts: signing in and out, passwords and logins — what a person's own identity needs.

- accounts: checking a password, creating accounts, changing one's password or language.
- sessions: signing a person in and out of this browser; logins: one row per signed-in device.
- throttle: slowing password guessing without letting a guesser lock the owner out.
Password hashing itself (patrol.passwords) sits below the models, which use it.
Inviting and managing other people is setup (patrol.setup.people).
"""
