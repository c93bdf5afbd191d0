"""Blueprints, one per area: parse the request, call one service, render or redirect."""
