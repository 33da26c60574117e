#!/usr/bin/env bash
# The few DevStack functions devstack/plugin.sh calls, for
# solum/tests/functional/harness/devstack.py (see its docstring): each
# does for real what DevStack's does, against the minicloud on loopback.
# Only what needs DevStack's own machinery (systemd units, Apache, a
# global pip install) is done another way, said at each function.
# shellcheck shell=bash

function echo_summary { echo "[devstack-harness] $*"; }

function die {
    local line=$1
    shift
    echo "[devstack-harness] ERROR (line $line): $*" >&2
    exit 1
}

# The harness runs as root, where DevStack would use sudo.
function sudo { "$@"; }

function trueorfalse {
    local default=$1 value=${!2:-}
    case "${value,,}" in
        1|yes|true|on) echo True ;;
        0|no|false|off) echo False ;;
        "") echo "$default" ;;
        *) echo "$default" ;;
    esac
}

function enable_service {
    local s
    for s in "$@"; do
        [[ ",$ENABLED_SERVICES," == *",$s,"* ]] || ENABLED_SERVICES+=",$s"
    done
}

function is_service_enabled {
    local s
    for s in "$@"; do
        [[ ",$ENABLED_SERVICES," == *",$s,"* ]] && return 0
    done
    return 1
}

function get_python_exec_prefix { dirname "$(command -v python)"; }

# --- ini files (DevStack's inifile functions, same semantics) ---------
function iniset {
    python - "$@" <<'PY'
import re
import sys

path, section, option, value = sys.argv[1:5]
try:
    lines = open(path).read().splitlines()
except FileNotFoundError:
    lines = []
head = re.compile(r'^\[(.*)\]\s*$')
start = next((i for i, l in enumerate(lines)
              if head.match(l) and head.match(l).group(1) == section), None)
if start is None:
    lines += ['[%s]' % section, '%s = %s' % (option, value)]
else:
    end = next((i for i in range(start + 1, len(lines))
                if head.match(lines[i])), len(lines))
    key = re.compile(r'^\s*%s\s*=' % re.escape(option))
    hit = next((i for i in range(start + 1, end) if key.match(lines[i])),
               None)
    if hit is None:
        lines.insert(end, '%s = %s' % (option, value))
    else:
        lines[hit] = '%s = %s' % (option, value)
with open(path, 'w') as f:
    f.write('\n'.join(lines) + '\n')
PY
}

function iniget {
    python - "$@" <<'PY'
import configparser
import sys

parser = configparser.RawConfigParser(strict=False, interpolation=None)
parser.read(sys.argv[1])
print(parser.get(sys.argv[2], sys.argv[3], fallback=''))
PY
}

# --- services DevStack runs: MariaDB, RabbitMQ ------------------------
function database_connection_url {
    echo "mysql+pymysql://$DATABASE_USER@$DATABASE_HOST/$1?charset=utf8mb4"
}

function recreate_database {
    mysql -u"$DATABASE_USER" -h"$DATABASE_HOST" -e \
        "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1 CHARACTER SET utf8mb4;"
}

function get_transport_url {
    echo "rabbit://$RABBIT_USERID:$RABBIT_PASSWORD@$RABBIT_HOST:5672/$RABBIT_VHOST"
}

function iniset_rpc_backend {
    iniset "$2" "${3:-DEFAULT}" transport_url "$(get_transport_url)"
}

# --- Keystone: the minicloud's, through the openstack CLI as admin ----
function configure_keystone_authtoken_middleware {
    local conf=$1 user=$2 section=${3:-keystone_authtoken}
    iniset "$conf" "$section" auth_type password
    iniset "$conf" "$section" interface public
    iniset "$conf" "$section" auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$conf" "$section" username "$user"
    iniset "$conf" "$section" password "$SERVICE_PASSWORD"
    iniset "$conf" "$section" user_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$conf" "$section" project_name "$SERVICE_PROJECT_NAME"
    iniset "$conf" "$section" project_domain_name "$SERVICE_DOMAIN_NAME"
}

function create_service_user {
    local user=$1 role=${2:-service}
    openstack user create --or-show --domain "$SERVICE_DOMAIN_NAME" \
        --password "$SERVICE_PASSWORD" "$user" -f value -c id >/dev/null
    local r
    for r in "$role" service; do
        openstack role add --user "$user" --user-domain "$SERVICE_DOMAIN_NAME" \
            --project "$SERVICE_PROJECT_NAME" \
            --project-domain "$SERVICE_DOMAIN_NAME" "$r"
    done
}

function get_or_create_service {
    openstack service show "$2" -f value -c id 2>/dev/null ||
        openstack service create "$2" --name "$1" --description "$3" \
            -f value -c id
}

function get_or_create_endpoint {
    local service=$1 region=$2
    openstack region show "$region" >/dev/null 2>&1 ||
        openstack region create "$region" >/dev/null
    local interface url
    for interface in public admin internal; do
        case $interface in
            public) url=$3 ;; admin) url=${4:-$3} ;; internal) url=${5:-$3} ;;
        esac
        if [[ -z "$(openstack endpoint list --service "$service" \
                --region "$region" --interface "$interface" -f value -c ID)" ]]; then
            openstack endpoint create --region "$region" "$service" \
                "$interface" "$url" -f value -c id
        fi
    done
}

# --- install: Solum is already installed, in develop mode, in the
# virtualenv under test (tox usedevelop); installing it again into the
# running interpreter's venv would change what is being tested. -------
function setup_develop {
    local here
    here=$(python -c 'import os, solum; print(os.path.dirname(os.path.dirname(os.path.abspath(solum.__file__))))')
    [[ "$(realpath "$here")" == "$(realpath "$1")" ]] ||
        die $LINENO "solum is installed from $here, not from $1"
}

# --- the web server: uWSGI serves its own HTTP socket on a port of the
# test's (SOLUM_SERVICE_HOST names host:port), mounting the application
# at the URL path Apache's ProxyPass would. ----------------------------
function write_uwsgi_config {
    local file=$1 wsgi=$2 url=$3
    rm -f "$file"
    iniset "$file" uwsgi http-socket "$SOLUM_SERVICE_HOST"
    iniset "$file" uwsgi virtualenv "$VIRTUAL_ENV"
    iniset "$file" uwsgi mount "$url=$wsgi"
    iniset "$file" uwsgi manage-script-name true
    iniset "$file" uwsgi processes "$API_WORKERS"
    iniset "$file" uwsgi master true
    iniset "$file" uwsgi die-on-term true
    iniset "$file" uwsgi exit-on-reload true
    iniset "$file" uwsgi enable-threads true
    iniset "$file" uwsgi thunder-lock true
    iniset "$file" uwsgi buffer-size 65535
    iniset "$file" uwsgi add-header "Connection: close"
    iniset "$file" uwsgi lazy-apps true
    iniset "$file" uwsgi need-app true
}

function remove_uwsgi_config { rm -f "$1"; }

# --- processes: a session of their own each, a pidfile instead of a
# systemd unit, the log in $LOGDIR/NAME.log. ---------------------------
function run_process {
    local name=$1 command=$2
    is_service_enabled "$name" || return 0
    mkdir -p "$LOGDIR" "$HARNESS_RUN_DIR"
    # shellcheck disable=SC2086
    setsid $command >>"$LOGDIR/$name.log" 2>&1 </dev/null &
    echo $! >"$HARNESS_RUN_DIR/$name.pid"
}

function stop_process {
    local name=$1 pidfile="$HARNESS_RUN_DIR/$1.pid" pid i
    [[ -f "$pidfile" ]] || return 0
    pid=$(<"$pidfile")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for i in $(seq 1 150); do
        kill -0 -- "-$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 -- "-$pid" 2>/dev/null; then
        echo "[devstack-harness] $name ($pid) ignored SIGTERM for ${i}0 ms: SIGKILL"
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

function wait_for_service {
    local timeout=$1 url=$2
    timeout "$timeout" bash -c "until curl -g -s --noproxy '*' -o /dev/null \
        -w '%{http_code}' '$url' | grep -q '^\(200\|401\|403\)$'; do sleep 0.5; done"
}
