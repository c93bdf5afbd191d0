"""Exports: a spreadsheet (.xlsx or .csv) of what someone is looking at, built by the worker, never by a request.

A request of its own would hold a web worker for as long as a year of rows takes to write, and a
sync worker is killed after 30 s. So asking for an export only records it, and the worker builds it:
- jobs: asking (idempotent by the page's client id), the worker's claim with a lease (a killed
  worker's export is taken again), the exports step of each worker pass, and finding one's own
  exports (anyone else's is not found).
- building: one export, start to end — the requester's filter read again as far as they may still
  ask it, in their language; its tables written row by row to a private file; ready or failed with a
  plain message.
- writing: the streaming writers — openpyxl's write-only workbook (every text cell a string, never
  a formula) and csv (UTF-8 with a BOM; a text cell that would start a formula gets a leading ').
- kinds: what a kind of export is (its permission, its filter, its tables) and the registry of them,
  handed over by create_app: the kinds word their headers and values, which is presentation
  (patrol.presenters.exports), and an area never imports a presenter. `in_chunks` reads a query a
  chunk at a time by keyset, so memory holds one chunk whatever the export's size.
"""
