#!/usr/bin/env bash
# Set up and run the whole test suite: unit, contract, integration (embedded and PostgreSQL + Redis),
# and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/services.sh
export AKTENWERK_TEST_PG_URL=${AKTENWERK_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
export AKTENWERK_TEST_REDIS_URL=${AKTENWERK_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}
exec .venv/bin/python -m pytest -n 2 --dist loadgroup -p no:cacheprovider "$@"
