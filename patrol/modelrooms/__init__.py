"""Model rooms (样板间): the asset register of each room, the counts made against it, the loss cases
a short count opens, and the handovers between stewards and night security.

- register: the versioned register — its current version, a new version per change, the history;
- counting: what a count found of each line, pinned to the register version its page was built from;
- cases: one loss case per missing or damaged item, placed between the last complete count and the
  first short one, with the custodians of that interval;
- handover: a room passed to night security at closing and back at opening (a custody signature).

The models are in patrol.models.model_room. Counts are inspections (patrol.inspections) whose checklist
has an "inventory" item, so they ride the same outbox, rounds and coverage as every other visit.
"""
