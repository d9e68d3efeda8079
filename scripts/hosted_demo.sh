#!/usr/bin/env bash
# The hosted dashboard on this machine, for evaluation: a local OpenID Connect test provider with demo identities,
# two app replicas (`streamlit run serve.py`) on the same database, and nginx in front with sticky sessions.
# Prints the URL and the demo identities, and stops everything on Ctrl-C.
#
# Settings (environment): CX_DEMO_PORT (the proxy's port, default 8500; the provider and the replicas take the next
# three), CX_DB (the database; default: the sample world, built into var/hosted-demo.duckdb on first run),
# CX_ACCESS_LIST (default: deploy/demo_access.toml), CX_DEMO_DIR (where logs and generated settings go; default a new
# temporary folder).
set -euo pipefail
cd "$(dirname "$0")/.."

PROXY_PORT="${CX_DEMO_PORT:-8500}"
PROVIDER_PORT=$((PROXY_PORT + 1))
REPLICA_1_PORT=$((PROXY_PORT + 2))
REPLICA_2_PORT=$((PROXY_PORT + 3))
RUN_DIR="${CX_DEMO_DIR:-$(mktemp -d -t cx-hosted-demo.XXXXXX)}"
mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
PYTHON="${PYTHON:-python}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# What the demo needs beyond the dashboard: nginx (Debian) and the test identity provider (PyPI, the pinned version).
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nginx-light >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
if ! "$PYTHON" -c "import oidc_provider_mock" 2>/dev/null; then
  "$PYTHON" -m pip install --quiet --disable-pip-version-check "$(grep -i '^oidc-provider-mock==' requirements-dev.txt)"
fi

if [ -z "${CX_DB:-}" ]; then
  export CX_DB="var/hosted-demo.duckdb"
  if [ ! -f "$CX_DB" ]; then
    echo "Building the sample database (once, about 20 seconds) ..."
    "$PYTHON" -m cxmetrics load sample_data --db "$CX_DB" >"$RUN_DIR/load.log"
  fi
fi
export CX_ACCESS_LIST="${CX_ACCESS_LIST:-deploy/demo_access.toml}"

# The same secrets on every replica: the sign-in cookie of one replica must be valid on the other. Only this user
# may read them.
umask 077
COOKIE_SECRET="$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')"
cat >"$RUN_DIR/secrets.toml" <<EOT
[auth]
redirect_uri = "http://127.0.0.1:$PROXY_PORT/oauth2callback"
cookie_secret = "$COOKIE_SECRET"
client_id = "cx-dashboard-demo"
client_secret = "demo-client-secret"
server_metadata_url = "http://127.0.0.1:$PROVIDER_PORT/.well-known/openid-configuration"
EOT

children=()
stop() {
  trap - INT TERM EXIT
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped. Logs are in $RUN_DIR."
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

identity() {  # sub, email, name
  printf '{"sub": "%s", "email": "%s", "email_verified": true, "name": "%s"}' "$1" "$2" "$3"
}
"$PYTHON" -m oidc_provider_mock --port "$PROVIDER_PORT" \
  --user-claims "$(identity exec exec@example.com 'Erin Executive')" \
  --user-claims "$(identity emea emea.lead@example.com 'Emil Leader')" \
  --user-claims "$(identity cx cx@example.com 'Casey Insights')" \
  --user-claims "$(identity admin admin@example.com 'Ada Admin')" \
  --user-claims "$(identity someone someone@example.com 'Sam Someone')" \
  >"$RUN_DIR/provider.log" 2>&1 &
children+=($!)

for port in "$REPLICA_1_PORT" "$REPLICA_2_PORT"; do
  STREAMLIT_SERVER_COOKIE_SECRET="$COOKIE_SECRET" "$PYTHON" -m streamlit run serve.py --server.port "$port" \
    --server.address 127.0.0.1 --secrets.files "$RUN_DIR/secrets.toml" >"$RUN_DIR/replica-$port.log" 2>&1 &
  children+=($!)
  echo $! >"$RUN_DIR/replica-$port.pid"
done

sed -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@PROXY_PORT@|$PROXY_PORT|g" \
  -e "s|@REPLICA_1_PORT@|$REPLICA_1_PORT|g" -e "s|@REPLICA_2_PORT@|$REPLICA_2_PORT|g" \
  deploy/nginx.conf.template >"$RUN_DIR/nginx.conf"
"$NGINX" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" >"$RUN_DIR/nginx.log" 2>&1 &
children+=($!)

ready() {  # url pid: waits until the url answers 200 while its process lives
  for _ in $(seq 1 180); do
    if ! kill -0 "$2" 2>/dev/null; then
      echo "error: the server for $1 exited; see the logs in $RUN_DIR" >&2
      return 1
    fi
    if "$PYTHON" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$1" 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  echo "error: $1 did not answer; see the logs in $RUN_DIR" >&2
  return 1
}
ready "http://127.0.0.1:$PROVIDER_PORT/.well-known/openid-configuration" "${children[0]}"
ready "http://127.0.0.1:$REPLICA_1_PORT/_cx/ready" "${children[1]}"
ready "http://127.0.0.1:$REPLICA_2_PORT/_cx/ready" "${children[2]}"
ready "http://127.0.0.1:$PROXY_PORT/_cx/ready" "${children[3]}"

cat <<EOT
The hosted dashboard is ready at http://127.0.0.1:$PROXY_PORT
(two replicas behind nginx; readiness: http://127.0.0.1:$PROXY_PORT/_cx/ready)
Sign in and choose one of the demo identities at the test provider:
  exec     exec@example.com        executive: everything
  emea     emea.lead@example.com   regional leader: EMEA only
  cx       cx@example.com          CX team: everything, and the Data page
  admin    admin@example.com       admin: everything, and "view as" another user
  someone  someone@example.com     not on the access list: no access
Press Ctrl-C to stop.
EOT
wait
