#!/usr/bin/env bash
# Install what the dashboard needs to run (the pinned Python packages). The container image runs exactly this, and
# so does the test command (scripts/test.sh) before it adds the test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --no-cache-dir --disable-pip-version-check --root-user-action=ignore -r requirements.txt
