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

"$BIN/celery" -A config worker --beat --schedule "$VAR/celery-beat-schedule" --loglevel=INFO --concurrency=1 \
    -Q default,media -n "kexiang-local@%h" \
    > "$VAR/log/celery.log" 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true; wait $WORKER 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  课享 Kexiang is starting at  http://127.0.0.1:${PORT}/
  管理后台 admin:              http://127.0.0.1:${PORT}/admin/
  示例账号 demo logins:        admin (管理员) · liwei (教研组长, 13800138000) · zhangfang (教师, 13900139000) · wangjing (教研员)
  密码 password:               kexiang-demo
  上传录像 upload a recording: http://127.0.0.1:${PORT}/my/media/upload/
  Celery worker log:           $VAR/log/celery.log      web access log: $KEXIANG_WEB_ACCESS_LOG
  (Ctrl-C stops the server and the worker)

MSG
"$BIN/gunicorn" -c config/gunicorn.py
