#!/usr/bin/env bash
# Start (or stop) a throw-away district education cloud's single sign-on on loopback, for trials and tests: an
# OpenID Connect provider (django-oauth-toolkit) and a CAS 3.0 server (django-cas-server) over one list of people,
# in scripts/services/oidc-idp/, on gunicorn; the test extra installs both.
#   scripts/services/oidc.sh start   -> prints the OIDC_* settings and CAS_SERVER_URL Kexiang's sign-in reads, and
#                                       KEXIANG_TEST_IDP (the provider's manage.py) and KEXIANG_TEST_IDP_STATE
#   scripts/services/oidc.sh stop
# Its one client is "kexiang" with redirect http://localhost/oidc/callback/ and http://127.0.0.1/oidc/callback/ on
# any port (RFC 8252 loopback); CAS lets in any http://localhost or 127.0.0.1 service. Add a person: IDP_STATE_DIR=$KEXIANG_TEST_IDP_STATE python $KEXIANG_TEST_IDP idp
# person LOGIN PASSWORD --name 李伟 --phone 13800138001 --staff T001
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${KEXIANG_PYTHON:-$ROOT/.venv/bin/python}
OIDC_PORT=${OIDC_PORT:-58080}
STATE=${OIDC_STATE_DIR:-/tmp/kexiang-oidc-$OIDC_PORT}
HERE=$ROOT/scripts/services/oidc-idp
BASE=http://127.0.0.1:$OIDC_PORT
SECRET=kexiang-trial-secret
up() { curl -fsS -o /dev/null "$BASE/o/.well-known/openid-configuration" 2>/dev/null; }
case "${1:-start}" in
start)
    if ! "$PYTHON" -c "import oauth2_provider, cas_server" 2>/dev/null; then
        echo "django-oauth-toolkit or django-cas-server is missing: run 'make install-test' first." >&2
        exit 1
    fi
    if ! up; then
        mkdir -p "$STATE"
        [ -s "$STATE/secret" ] || head -c 32 /dev/urandom | base64 > "$STATE/secret"
        [ -s "$STATE/key.pem" ] || openssl genrsa -out "$STATE/key.pem" 2048 2>/dev/null
        export IDP_STATE_DIR=$STATE
        (cd "$HERE" && "$PYTHON" manage.py migrate --run-syncdb -v0 \
            && "$PYTHON" manage.py idp client kexiang "$SECRET" http://localhost/oidc/callback/ \
                http://127.0.0.1/oidc/callback/ >/dev/null)
        "$(dirname "$PYTHON")/gunicorn" --chdir "$HERE" -b "127.0.0.1:$OIDC_PORT" -w 2 --daemon \
            --pid "$STATE/gunicorn.pid" --error-logfile "$STATE/gunicorn.log" --env IDP_STATE_DIR="$STATE" wsgi
        for _ in $(seq 1 50); do up && break; sleep 0.2; done
    fi
    up || { echo "the OpenID provider did not start: see $STATE/gunicorn.log" >&2; exit 1; }
    echo "OIDC_RP_CLIENT_ID=kexiang"
    echo "OIDC_RP_CLIENT_SECRET=$SECRET"
    echo "OIDC_OP_AUTHORIZATION_ENDPOINT=$BASE/o/authorize/"
    echo "OIDC_OP_TOKEN_ENDPOINT=$BASE/o/token/"
    echo "OIDC_OP_USER_ENDPOINT=$BASE/o/userinfo/"
    echo "OIDC_OP_JWKS_ENDPOINT=$BASE/o/.well-known/jwks.json"
    echo "CAS_SERVER_URL=$BASE/cas/"
    echo "KEXIANG_TEST_IDP=$HERE/manage.py"
    echo "KEXIANG_TEST_IDP_STATE=$STATE"
    ;;
stop)
    if [ -s "$STATE/gunicorn.pid" ]; then kill "$(cat "$STATE/gunicorn.pid")" 2>/dev/null || true; fi
    rm -rf "$STATE"
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
