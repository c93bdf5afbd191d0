#!/usr/bin/env bash
# Install patrol into .venv and run it on SQLite with the demo estate, on 0.0.0.0:5000.
source "$(dirname "$0")/_venv.sh"
export PATROL_DEMO=1
exec .venv/bin/patrol demo "$@"
