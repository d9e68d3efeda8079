#!/usr/bin/env bash
# Install everything the test suite needs (Python packages, Debian's Chromium and nginx) and run all of it,
# slow tests included (a plain `pytest` leaves them out). Extra arguments go to pytest after that, so a marker
# expression of their own replaces it, e.g. `bash scripts/test.sh -m "not browser"` or `bash scripts/test.sh -m browser`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh
python -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r requirements-dev.txt

# Debian's packages the tests drive: Chromium (browser tests, the review pack; install.sh brings it), nginx (the
# hosted stack's reverse proxy) and poppler-utils (pdftoppm draws the review pack's pages as images).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -x /usr/bin/pdftoppm ] || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

exec python -m pytest -m "" "$@"
