"""Inspections: a checklist filled in at a location — answers, photos, the submit, and what it did.

- scan: what scanning a location's code offers (its checklists, the draft to resume, open tasks).
- drafts: a draft that survives a reload, answers saved one by one (the outbox's sequence rules).
- answers: reading a raw answer for an item and deciding whether it is a finding.
- photos: photos attached to an answer, and who may see a photo.
- submission: checking and storing a submit once per client id, then raising tasks (patrol.tasks).
- visit_times: when a visit happened on the phone, checked against the server's clock.
- presence: proof-of-presence flags raised in the submit (too fast, a sticker sheet, one photo twice,
  a photo's time, the phone's clock), never refusals; a supervisor clears one with a comment.
- results: what a submitted round did to tasks; history: one submitted inspection's answers.
- filters, listing: past rounds — which ones a list shows (and to whom), newest first, a page at a time.
"""
