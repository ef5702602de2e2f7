#!/usr/bin/env bash
# The embedded default: migrate SQLite, load demo content once, then run a Celery worker on the
# filesystem transport and the production app server (gunicorn, config/gunicorn.py). Ctrl-C stops both.
# KEXIANG_BIND (default 127.0.0.1:$PORT) serves other machines too, e.g. 0.0.0.0:8000 with ALLOWED_HOSTS set.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PORT=${PORT:-8000}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.dev}
export KEXIANG_BIND=${KEXIANG_BIND:-127.0.0.1:${PORT}}
VAR=${KEXIANG_VAR_DIR:-var}
export KEXIANG_WEB_ACCESS_LOG=${KEXIANG_WEB_ACCESS_LOG:-$VAR/log/access.log}

mkdir -p "$VAR/log"
"$BIN/python" manage.py migrate --noinput -v 0
"$BIN/python" manage.py load_demo_data

# Live lessons: Debian's nginx with its RTMP module receives the broadcasts (phones, OBS) and runs the muxing
# session of each; without it the live pages say what to install.
ROOT=$(pwd)
case "$VAR" in /*) VAR_PATH=$VAR ;; *) VAR_PATH=$ROOT/$VAR ;; esac
live_line="直播 live lessons:            need nginx and its RTMP module (apt-get install nginx libnginx-mod-rtmp)"
export KEXIANG_LIVE_ROOT=${KEXIANG_LIVE_ROOT:-$VAR_PATH/live}
NGINX_ENV=(NGINX_PORT="${KEXIANG_NGINX_PORT:-58080}" NGINX_DIR="$VAR_PATH/nginx" KEXIANG_UPSTREAM="$KEXIANG_BIND"
           KEXIANG_PYTHON="$ROOT/$BIN/python" KEXIANG_LIVE_ROOT="$KEXIANG_LIVE_ROOT"
           MEDIA_ROOT="${MEDIA_ROOT:-$VAR_PATH/media}" PRIVATE_MEDIA_ROOT="${PRIVATE_MEDIA_ROOT:-$VAR_PATH/private}")
RTMP_PORT=${KEXIANG_RTMP_PORT:-1935}
case "$KEXIANG_BIND" in
0.0.0.0:*) RTMP_LISTEN=0.0.0.0; RTMP_HOST=$(hostname -I 2>/dev/null | awk '{print $1}') ;;
*) RTMP_LISTEN=127.0.0.1; RTMP_HOST=127.0.0.1 ;;
esac
if [ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] && { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; } \
    && env "${NGINX_ENV[@]}" NGINX_RTMP_PORT="$RTMP_PORT" NGINX_RTMP_LISTEN="$RTMP_LISTEN" \
       scripts/services/nginx.sh start >"$VAR/log/nginx-start.log" 2>&1; then
    export KEXIANG_LIVE_RTMP_URL="rtmp://${RTMP_HOST:-127.0.0.1}:$RTMP_PORT/live"
    live_line="直播推流 live ingest:         $KEXIANG_LIVE_RTMP_URL  (stream key from the lesson's page)"
    NGINX_STARTED=1
else
    export KEXIANG_LIVE_AVAILABLE=false
fi

"$BIN/celery" -A config worker --beat --schedule "$VAR/celery-beat-schedule" --loglevel=INFO --concurrency=1 \
    -Q default,media -n "kexiang-local@%h" \
    > "$VAR/log/celery.log" 2>&1 &
WORKER=$!
stop_all() {
    kill $WORKER 2>/dev/null || true
    wait $WORKER 2>/dev/null || true
    [ -n "${NGINX_STARTED:-}" ] && env "${NGINX_ENV[@]}" scripts/services/nginx.sh stop || true
}
trap stop_all EXIT INT TERM

cat <<MSG

  课享 Kexiang is starting at  http://127.0.0.1:${PORT}/
  管理后台 admin:              http://127.0.0.1:${PORT}/admin/
  示例账号 demo logins:        admin (管理员) · liwei (教研组长, 13800138000) · zhangfang (教师, 13900139000) · wangjing (教研员)
  密码 password:               kexiang-demo
  上传录像 upload a recording: http://127.0.0.1:${PORT}/my/media/upload/
  $live_line
  Celery worker log:           $VAR/log/celery.log      web access log: $KEXIANG_WEB_ACCESS_LOG
  (Ctrl-C stops the server and the worker)

MSG
"$BIN/gunicorn" -c config/gunicorn.py
