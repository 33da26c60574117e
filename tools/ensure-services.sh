#!/usr/bin/env bash
# Makes sure the servers Solum's tests and multi-process mode use are
# installed and listening on loopback: RabbitMQ (5672), MariaDB (3306),
# PostgreSQL (5432). Starts what is stopped; installs what is missing.
# Idempotent and quick when everything already runs.
set -euo pipefail

say() { printf '[ensure-services] %s\n' "$*"; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
    local port=$1 name=$2
    for _ in $(seq 1 60); do
        listening "$port" && { say "$name is listening on 127.0.0.1:$port"; return 0; }
        sleep 1
    done
    say "ERROR: $name did not start listening on 127.0.0.1:$port"
    return 1
}

apt_updated=0
ensure_package() {
    local cmd=$1; shift
    command -v "$cmd" >/dev/null 2>&1 && return 0
    if [ "$apt_updated" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    say "installing $*"
    # policy-rc.d may refuse service starts during install; we start below.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_package rabbitmq-server rabbitmq-server
if ! listening 5672; then
    say "starting RabbitMQ"
    rabbitmq-server -detached || true
    wait_port 5672 RabbitMQ
fi

ensure_package mariadbd mariadb-server
if ! listening 3306; then
    say "starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_port 3306 MariaDB
fi

ensure_package pg_ctlcluster postgresql
if ! listening 5432; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    wait_port 5432 PostgreSQL
fi
say "all services up"
