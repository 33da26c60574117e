#!/usr/bin/env bash
# Solum on one machine, from nothing: installs the system packages and the
# project, starts solum-all (SQLite, in-process RPC, noauth on loopback),
# deploys examples/python-hello and prints its URL. Idempotent: run it
# again and it reuses what is there.
#
#   SOLUM_SAMPLE=examples/python-hello  the sample to deploy
#   SOLUM_STATE=/var/lib/solum          where solum-all keeps its state
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$(pwd)
SAMPLE=${SOLUM_SAMPLE:-examples/python-hello}
STATE=${SOLUM_STATE:-/var/lib/solum}
VENV=${SOLUM_VENV:-$TOP/.venv}
PORT=9777
API=http://127.0.0.1:$PORT

say() { printf '\n==> %s\n' "$*"; }

say "System packages (git, podman, buildah, haproxy, ...)"
tools/install-container-tools.sh

say "Solum into $VENV"
# A regular file at .venv is a PEP 832 redirect that a tool (tox) left.
[ -f "$VENV" ] && rm -f "$VENV"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q -e "$TOP[cli]"

say "Configuration in /etc/solum"
mkdir -p /etc/solum "$STATE"
if [ ! -f /etc/solum/solum.conf ]; then
    cat > /etc/solum/solum.conf <<CONF
[DEFAULT]
auth_strategy = noauth
state_path = $STATE
rpc_transport = local

[api]
host = 127.0.0.1
port = $PORT
CONF
fi
cp -n "$TOP/etc/solum/api-paste.ini" /etc/solum/api-paste.ini

say "solum-all"
if curl -fsS "$API/healthcheck" >/dev/null 2>&1; then
    echo "already running on $API"
else
    nohup "$VENV/bin/solum-all" --config-file /etc/solum/solum.conf \
        >> "$STATE/solum-all.log" 2>&1 &
    echo $! > "$STATE/solum-all.pid"
    for _ in $(seq 1 60); do
        curl -fsS "$API/healthcheck" >/dev/null 2>&1 && break
        sleep 0.5
    done
    curl -fsS "$API/healthcheck" >/dev/null || {
        tail -20 "$STATE/solum-all.log"; exit 1; }
    echo "listening on $API (log: $STATE/solum-all.log)"
fi

# The sample becomes a git repository of its own (refreshed on every run,
# so edits to the sample are picked up).
NAME=$(basename "$SAMPLE")
REPO=$STATE/samples/$NAME
say "Sample $SAMPLE -> git repository $REPO"
rm -rf "$REPO"
mkdir -p "$(dirname "$REPO")"
cp -r "$SAMPLE" "$REPO"
git -C "$REPO" init -q -b main
git -C "$REPO" add -A
git -C "$REPO" -c user.name=solum -c user.email=solum@localhost \
    commit -q -m "$NAME sample"

# What a user types next: the OpenStackClient plugin against solum-all.
OS=("$VENV/bin/openstack" --os-auth-type none --os-endpoint "$API")
APP=$(awk '$1 == "name:" {print $2; exit}' "$SAMPLE/app.yaml")
say "openstack app create / deploy $APP"
if "${OS[@]}" app show "$APP" >/dev/null 2>&1; then
    "${OS[@]}" app set "$APP" --git-url "file://$REPO" -f value -c name
else
    "${OS[@]}" app create --app-file "$SAMPLE/app.yaml" \
        --git-url "file://$REPO" -f value -c name
fi
"${OS[@]}" app deploy "$APP" --wait -f value -c status
URL=$("${OS[@]}" app show "$APP" -f value -c app_url)
say "$APP is running at $URL"
echo "Next: openstack --os-auth-type none --os-endpoint $API app list"
