#!/usr/bin/env bash
# Sets up everything Aktenwerk needs on a fresh Debian machine: system packages, .venv, Python deps,
# front-end assets. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng ghostscript unpaper pngquant qpdf
  libzbar0 zbar-tools libmagic1 poppler-utils fonts-dejavu-core
  chromium
  dovecot-imapd  # the test suite starts its own throw-away IMAP server for the mailbox intake of invoices
  wrk            # load generator of bench/api_latency.py --wrk
)
missing=()
for p in "${SYSTEM_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/pip install -q -U pip wheel setuptools
fi
# Re-install only when pyproject.toml changed since the last successful install.
stamp=.venv/.aktenwerk-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/pip install -q -e '.[dev]'
  touch "$stamp"
fi

# Front-end assets for the browser tests (axe-core) come from the npm registry.
if command -v npm >/dev/null 2>&1 && [ ! -f .cache/npm/node_modules/axe-core/axe.min.js ]; then
  mkdir -p .cache/npm
  npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@4 >/dev/null 2>&1 || \
    echo "setup: warning: could not install axe-core (browser accessibility tests will fail)"
fi
echo "setup: ready (.venv/bin/aktenwerk)"
