"""The demo estate the quick start runs on: seed (sites, locations, checklists, people, rounds) and
tasks (follow-ups further along the workflow). It builds everything through the areas' own functions.
"""
