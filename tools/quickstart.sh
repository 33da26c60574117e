#!/usr/bin/env bash
# Solum on one machine, from nothing: installs the system packages and the
# project, bootstraps the base image, starts solum-all (SQLite, in-process
# RPC, noauth on loopback), deploys examples/python-hello and prints its
# URL once it answers. Idempotent: a second run with nothing changed
# redeploys nothing; after an edit of the sample it deploys a new release
# at the same URL.
#
#   SOLUM_SAMPLE=examples/python-hello  the sample to deploy
#   SOLUM_STATE=/var/lib/solum          where solum-all keeps its state
#   SOLUM_ETC=/etc/solum                its configuration (kept if present)
#   SOLUM_VENV=.venv                    the virtualenv Solum goes into
#   SOLUM_PORT=9777 SOLUM_ROUTER_PORT=8088   API and router ports (loopback)
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$(pwd)
SAMPLE=${SOLUM_SAMPLE:-examples/python-hello}
STATE=${SOLUM_STATE:-/var/lib/solum}
ETC=${SOLUM_ETC:-/etc/solum}
VENV=${SOLUM_VENV:-$TOP/.venv}
PORT=${SOLUM_PORT:-9777}
ROUTER_PORT=${SOLUM_ROUTER_PORT:-8088}
API=http://127.0.0.1:$PORT

say() { printf '\n==> %s\n' "$*"; }

say "System packages (git, podman, buildah, haproxy, ...)"
tools/install-container-tools.sh

say "Solum into $VENV"
# A regular file at .venv is a PEP 832 redirect that a tool (tox) left.
[ -f "$VENV" ] && rm -f "$VENV"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q -e "$TOP[cli]"

say "Configuration in $ETC"
mkdir -p "$ETC" "$STATE"
if [ ! -f "$ETC/solum.conf" ]; then
    cat > "$ETC/solum.conf" <<CONF
[DEFAULT]
auth_strategy = noauth
state_path = $STATE
rpc_transport = local

[api]
host = 127.0.0.1
port = $PORT

[deployer]
router_port = $ROUTER_PORT
CONF
fi
cp -n "$TOP/etc/solum/api-paste.ini" "$ETC/api-paste.ini"

# Once per machine (~35 s), then reused; the first build would do it
# anyway, this shows it as a step of its own.
PACK=$(awk '$1 == "languagepack:" {print $2; exit}' "$SAMPLE/app.yaml")
case $PACK in
    python|nodejs)
        say "Base image for $PACK"
        "$VENV/bin/python" -m solum.builder.base_images "$PACK" ;;
esac

say "solum-all"
if curl -fsS "$API/healthcheck" >/dev/null 2>&1; then
    echo "already running on $API"
else
    nohup "$VENV/bin/solum-all" --config-file "$ETC/solum.conf" \
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

# The sample becomes a git repository of its own; a new commit only when
# the sample changed, so a second run with nothing changed redeploys
# nothing.
NAME=$(basename "$SAMPLE")
REPO=$STATE/samples/$NAME
say "Sample $SAMPLE -> git repository $REPO"
mkdir -p "$REPO"
[ -d "$REPO/.git" ] || git -C "$REPO" init -q -b main
mirror_sample() {
    # The repository mirrors the sample: files gone from it go here too.
    find "$REPO" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
    cp -r "$SAMPLE"/. "$REPO"/
}
mirror_sample
git -C "$REPO" add -A
if git -C "$REPO" rev-parse -q --verify HEAD >/dev/null &&
        git -C "$REPO" diff --cached --quiet; then
    echo "unchanged since the last run"
else
    git -C "$REPO" -c user.name=solum -c user.email=solum@localhost \
        commit -q -m "$NAME sample"
fi
COMMIT=$(git -C "$REPO" rev-parse HEAD)
DEPLOYED=$STATE/samples/$NAME.deployed

# What a user types next: the OpenStackClient plugin against solum-all.
OS=("$VENV/bin/openstack" --os-auth-type none --os-endpoint "$API")
APP=$(awk '$1 == "name:" {print $2; exit}' "$SAMPLE/app.yaml")

answers() {  # the app's URL answers 200 through the router
    curl -fsS -o /dev/null --max-time 5 "$1" 2>/dev/null
}

say "openstack app create / deploy $APP"
URL=
if "${OS[@]}" app show "$APP" >/dev/null 2>&1; then
    URL=$("${OS[@]}" app show "$APP" -f value -c app_url)
    if [ "$(cat "$DEPLOYED" 2>/dev/null)" = "$COMMIT" ] && [ -n "$URL" ] &&
            answers "$URL"; then
        echo "$APP already serves commit ${COMMIT:0:12}: nothing to deploy"
    else
        "${OS[@]}" app set "$APP" --git-url "file://$REPO" -f value -c name
        URL=
    fi
else
    "${OS[@]}" app create --app-file "$SAMPLE/app.yaml" \
        --git-url "file://$REPO" -f value -c name
fi
if [ -z "$URL" ]; then
    "${OS[@]}" app deploy "$APP" --wait -f value -c status
    URL=$("${OS[@]}" app show "$APP" -f value -c app_url)
    for _ in $(seq 1 40); do
        answers "$URL" && break
        sleep 0.25
    done
    answers "$URL" || {
        echo "$APP was deployed but $URL does not answer; see" \
             "'openstack app logs $APP' and $STATE/solum-all.log" >&2
        exit 1; }
    echo "$COMMIT" > "$DEPLOYED"
fi
say "$APP is running at $URL"
curl -fsS --max-time 5 "$URL" | head -c 300; echo
echo "Next: openstack --os-auth-type none --os-endpoint $API app list"
