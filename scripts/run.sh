#!/usr/bin/env bash
# Set up and run Aktenwerk on the embedded default (SQLite, local store, Tantivy, local durable queue).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export AKTENWERK_DATA_DIR=${AKTENWERK_DATA_DIR:-./aktenwerk-data}
.venv/bin/aktenwerk init
exec .venv/bin/aktenwerk serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
