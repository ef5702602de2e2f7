#!/usr/bin/env bash
# Start (or stop) a throw-away Redis on loopback (Celery broker and cache in tests and trials).
#   scripts/services/redis.sh start   -> prints REDIS_URL=redis://127.0.0.1:PORT/0
#   scripts/services/redis.sh stop
# Needs Debian's redis-server package.
set -euo pipefail
REDIS_PORT=${REDIS_PORT:-56379}
REDIS_DIR=${REDIS_DIR:-/tmp/kexiang-redis-$REDIS_PORT}
if ! command -v redis-server >/dev/null; then
    echo "Redis is not installed. On Debian: apt-get install redis-server" >&2
    exit 1
fi
case "${1:-start}" in
start)
    mkdir -p "$REDIS_DIR"
    if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --dir "$REDIS_DIR" \
            --logfile "$REDIS_DIR/redis.log" --pidfile "$REDIS_DIR/redis.pid" --save "" --appendonly no
        for _ in $(seq 1 50); do
            redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
            sleep 0.2
        done
    fi
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null
    echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    ;;
stop)
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
