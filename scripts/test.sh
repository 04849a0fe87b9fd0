#!/usr/bin/env bash
# Install, then run the whole test suite (real tesseract, SeaweedFS S3, PostgreSQL),
# plus the linters. This is exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/pytest "$@"
