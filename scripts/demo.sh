#!/usr/bin/env bash
# Install, then digitise the bundled sample scan in the embedded mode (no servers).
# Data goes to $SOHOA_HOME (default: .sohoa in the repo). A second run finds the
# document already stored and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export SOHOA_HOME=${SOHOA_HOME:-$PWD/.sohoa}
CODE=000.00.20.H56-240101-0001
.venv/bin/sohoa process examples/sample-scan.pdf --case "$CODE"
.venv/bin/sohoa show "$CODE"
