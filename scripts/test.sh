#!/usr/bin/env bash
# Install patrol with its test dependencies into .venv and run the whole test suite.
# On SQLite by default; set PATROL_TEST_DATABASE_URL to run it on PostgreSQL, e.g.
#   PATROL_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test bash scripts/test.sh
# The browser tests drive Debian's Chromium at /usr/bin/chromium (apt-get install chromium).
#
# The tests run in parallel (pytest-xdist): one worker more than the machine has cores, since a browser
# test spends much of its time waiting on Chromium. Each worker has its own Chromium and database, and
# its own keys in the Redis database (tests/workers.py). PATROL_TEST_WORKERS=0, or -n 0 after the command, runs them in one process.
PATROL_EXTRAS=test source "$(dirname "$0")/_venv.sh"
cores="$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)"
workers="${PATROL_TEST_WORKERS:-$((cores + 1))}"
exec .venv/bin/python -m pytest -n "$workers" --dist worksteal "$@"
