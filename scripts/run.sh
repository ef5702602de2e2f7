#!/usr/bin/env bash
# The embedded default: migrate SQLite, load demo content once, then run a Celery worker on the
# filesystem transport and the web server. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PORT=${PORT:-8000}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.dev}

mkdir -p var/log
"$BIN/python" manage.py migrate --noinput -v 0
"$BIN/python" manage.py load_demo_data

"$BIN/celery" -A config worker --beat --schedule var/celery-beat-schedule --loglevel=INFO --concurrency=1 \
    -Q default,media -n "kexiang-local@%h" \
    > var/log/celery.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true; wait $WORKER 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  课享 Kexiang is starting at  http://127.0.0.1:${PORT}/
  管理后台 admin:              http://127.0.0.1:${PORT}/admin/
  示例账号 demo logins:        admin (管理员) · liwei (教研组长, 13800138000) · zhangfang (教师, 13900139000) · wangjing (教研员)
  密码 password:               kexiang-demo
  上传录像 upload a recording: http://127.0.0.1:${PORT}/my/media/upload/
  Celery worker log:           var/log/celery.log      (Ctrl-C stops the server and the worker)

MSG
"$BIN/python" manage.py runserver "127.0.0.1:${PORT}" --noreload
