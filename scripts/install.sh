#!/usr/bin/env bash
# Install what the dashboard needs to run: the pinned Python packages, and Debian's Chromium, which draws and prints
# the review pack. The container image runs exactly this, and so does the test command (scripts/test.sh) before it
# adds the test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --no-cache-dir --disable-pip-version-check --root-user-action=ignore -r requirements.txt

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
fi
