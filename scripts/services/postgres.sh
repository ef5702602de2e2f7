#!/usr/bin/env bash
# Start (or stop) a throw-away PostgreSQL server on loopback for tests and local at-scale trials.
#   scripts/services/postgres.sh start   -> prints DATABASE_URL=postgres://kexiang:kexiang@127.0.0.1:PORT/kexiang
#   scripts/services/postgres.sh stop
# Needs Debian's postgresql package (apt-get install postgresql). The cluster lives in $PGDATA
# (default /tmp/kexiang-pg-$PGPORT) and is owned by the postgres user when run as root.
set -euo pipefail
PGPORT=${PGPORT:-55432}
PGDATA=${PGDATA:-/tmp/kexiang-pg-$PGPORT}
SOCKDIR=${PGDATA}-sock
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PGBIN" ]; then
    echo "PostgreSQL is not installed. On Debian: apt-get install postgresql" >&2
    exit 1
fi

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
start)
    mkdir -p "$PGDATA" "$SOCKDIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA" "$SOCKDIR"
    chmod 700 "$PGDATA"
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
            --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -t 60 -l "$PGDATA/server.log" \
            -o "-p $PGPORT -k $SOCKDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start >/dev/null
    fi
    psql_pg() { as_pg psql -h "$SOCKDIR" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
    if [ "$(psql_pg -c "SELECT 1 FROM pg_roles WHERE rolname='kexiang'")" != 1 ]; then
        psql_pg -c "CREATE ROLE kexiang LOGIN CREATEDB PASSWORD 'kexiang'"
    fi
    if [ "$(psql_pg -c "SELECT 1 FROM pg_database WHERE datname='kexiang'")" != 1 ]; then
        psql_pg -c "CREATE DATABASE kexiang OWNER kexiang"
    fi
    echo "DATABASE_URL=postgres://kexiang:kexiang@127.0.0.1:$PGPORT/kexiang"
    ;;
stop)
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w stop -m fast >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
