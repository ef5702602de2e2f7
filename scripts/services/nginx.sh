#!/usr/bin/env bash
# Start (or stop) Debian's nginx on loopback in front of the app server, with the project's own server block
# (deploy/nginx/kexiang.conf) -- the same file production uses.
#   scripts/services/nginx.sh start    -> prints NGINX_URL=http://127.0.0.1:PORT
#   scripts/services/nginx.sh stop     ends only the nginx this script started (its pid file)
#   scripts/services/nginx.sh render   prints deploy/nginx/kexiang.conf with the placeholders filled in
#   scripts/services/nginx.sh render-rtmp   the same for deploy/nginx/kexiang-rtmp.conf (live lessons)
# Environment: NGINX_PORT (default 58080), NGINX_DIR (config, logs, pid, temp files; default
# /tmp/kexiang-nginx-$NGINX_PORT), KEXIANG_UPSTREAM (the app server, default 127.0.0.1:8000), MEDIA_ROOT and
# PRIVATE_MEDIA_ROOT (default var/media and var/private), KEXIANG_LIVE_ROOT (var/live), KEXIANG_PYTHON (the
# project's .venv/bin/python, which runs live/muxer.py), NGINX_LISTEN and NGINX_SERVER_NAME for render,
# NGINX_RTMP_LISTEN (1935) for render-rtmp.
# NGINX_RTMP_PORT: also receive live lessons by RTMP on 127.0.0.1:PORT (NGINX_RTMP_LISTEN=0.0.0.0 for phones on
# the network; deploy/nginx/kexiang-rtmp.conf: the app authorises each publisher through /live/hooks/publish, and
# nginx runs live/muxer.py for each stream) and print a second line, RTMP_URL=rtmp://127.0.0.1:PORT/live.
# Needs Debian's nginx: apt-get install nginx (libnginx-mod-rtmp for live lessons).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NGINX_PORT=${NGINX_PORT:-58080}
NGINX_DIR=${NGINX_DIR:-/tmp/kexiang-nginx-$NGINX_PORT}
UPSTREAM=${KEXIANG_UPSTREAM:-127.0.0.1:8000}
MEDIA=${MEDIA_ROOT:-$ROOT/var/media}
PRIVATE=${PRIVATE_MEDIA_ROOT:-$ROOT/var/private}
LIVE=${KEXIANG_LIVE_ROOT:-$ROOT/var/live}
PYTHON=${KEXIANG_PYTHON:-$ROOT/.venv/bin/python}
PIDFILE=$NGINX_DIR/nginx.pid
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

render() {  # $1 = listen, $2 = server name
    sed -e "s|__LISTEN__|$1|g" -e "s|__SERVER_NAME__|$2|g" -e "s|__UPSTREAM__|$UPSTREAM|g" \
        -e "s|__MEDIA_ROOT__|${MEDIA%/}|g" -e "s|__PRIVATE_MEDIA_ROOT__|${PRIVATE%/}|g" -e "s|__LIVE_ROOT__|${LIVE%/}|g" \
        "$ROOT/deploy/nginx/kexiang.conf"
}

render_rtmp() {  # $1 = listen, $2 = port
    local query=""
    [ -n "${KEXIANG_LIVE_HOOK_SECRET:-}" ] && query="?secret=$KEXIANG_LIVE_HOOK_SECRET"
    sed -e "s|__RTMP_LISTEN__|$1|g" -e "s|__RTMP_PORT__|$2|g" -e "s|__UPSTREAM__|$UPSTREAM|g" \
        -e "s|__HOOK_QUERY__|$query|g" -e "s|__LIVE_ROOT__|${LIVE%/}|g" -e "s|__PROJECT__|$ROOT|g" \
        -e "s|__PYTHON__|$PYTHON|g" -e "s|__SOCKET_DIR__|${NGINX_SOCKET_DIR:-$NGINX_DIR/rtmp-sockets}|g" \
        "$ROOT/deploy/nginx/kexiang-rtmp.conf"
}

running_pid() {
    local pid
    [ -f "$PIDFILE" ] || return 1
    pid=$(cat "$PIDFILE")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q nginx || return 1
    echo "$pid"
}

case "${1:-start}" in
render)
    render "${NGINX_LISTEN:-443 ssl}" "${NGINX_SERVER_NAME:-kexiang.example.org}"
    ;;
render-rtmp)
    listen=${NGINX_RTMP_LISTEN:-1935}
    render_rtmp "$listen" "${listen##*:}"
    ;;
start)
    if [ ! -x "$NGINX" ]; then
        echo "nginx is not installed. On Debian: apt-get install nginx" >&2
        exit 1
    fi
    mkdir -p "$NGINX_DIR/temp"
    mkdir -p "$MEDIA" "$PRIVATE"
    # A throw-away nginx started as root reads the files as root: test folders are private to their owner.
    user_line=""
    [ "$(id -u)" = 0 ] && user_line="user root;"
    modules=""
    for module in /usr/lib/nginx/modules/ngx_rtmp_module.so; do
        [ -f "$module" ] && modules="$modules
load_module $module;"
    done
    rtmp=""
    if [ -n "${NGINX_RTMP_PORT:-}" ]; then
        if [ -z "$modules" ]; then
            echo "NGINX_RTMP_PORT needs nginx's RTMP module. On Debian: apt-get install libnginx-mod-rtmp" >&2
            exit 1
        fi
        # nginx calls the app itself (loopback, no X-Forwarded-For): see live/views.py.
        mkdir -p "$LIVE/recordings" "$NGINX_DIR/rtmp-sockets"
        rtmp=$(render_rtmp "${NGINX_RTMP_LISTEN:-127.0.0.1}:$NGINX_RTMP_PORT" "$NGINX_RTMP_PORT")
    fi
    render "127.0.0.1:$NGINX_PORT" "127.0.0.1 localhost" >"$NGINX_DIR/kexiang.conf"
    cat >"$NGINX_DIR/nginx.conf" <<CONF
$user_line
$modules
worker_processes 2;
pid $PIDFILE;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    access_log $NGINX_DIR/access.log;
    client_body_temp_path $NGINX_DIR/temp/body;
    proxy_temp_path $NGINX_DIR/temp/proxy;
    fastcgi_temp_path $NGINX_DIR/temp/fastcgi;
    uwsgi_temp_path $NGINX_DIR/temp/uwsgi;
    scgi_temp_path $NGINX_DIR/temp/scgi;
    include $NGINX_DIR/kexiang.conf;
}
$rtmp
CONF
    if ! "$NGINX" -t -q -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" 2>"$NGINX_DIR/test.log"; then
        cat "$NGINX_DIR/test.log" >&2
        exit 1
    fi
    if pid=$(running_pid); then
        "$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -s reload 2>/dev/null
        sleep 0.3
    else
        "$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf"
    fi
    for _ in $(seq 1 50); do
        running_pid >/dev/null && break
        sleep 0.1
    done
    if ! running_pid >/dev/null; then
        echo "nginx did not start; see $NGINX_DIR/error.log" >&2
        tail -n 20 "$NGINX_DIR/error.log" >&2 || true
        exit 1
    fi
    echo "NGINX_URL=http://127.0.0.1:$NGINX_PORT"
    [ -n "${NGINX_RTMP_PORT:-}" ] && echo "RTMP_URL=rtmp://127.0.0.1:$NGINX_RTMP_PORT/live"
    true
    ;;
stop)
    if pid=$(running_pid); then
        kill -QUIT "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    ;;
*)
    echo "usage: $0 start|stop|render|render-rtmp" >&2
    exit 2
    ;;
esac
