#!/usr/bin/env bash
# Install patrol with its test dependencies into .venv and run the whole test suite.
# On SQLite by default; set PATROL_TEST_DATABASE_URL to run it on PostgreSQL, e.g.
#   PATROL_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test bash scripts/test.sh
# The browser tests drive Debian's Chromium at /usr/bin/chromium (apt-get install chromium).
PATROL_EXTRAS=test source "$(dirname "$0")/_venv.sh"
exec .venv/bin/python -m pytest "$@"
