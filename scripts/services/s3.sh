#!/usr/bin/env bash
# Start (or stop) a throw-away S3 API server on loopback for tests and local trials: S3Proxy 2.6.0
# (org.gaul:s3proxy from Maven Central, Apache-2.0) on jclouds' filesystem back end, with signed requests
# required (anonymous reads of the buckets are refused) and CORS open to any origin (hls.js in a browser
# fetches signed segment URLs across origins).
#   scripts/services/s3.sh start   -> prints, one NAME=value a line, what django-storages reads:
#       AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_STORAGE_BUCKET_NAME,
#       KEXIANG_PRIVATE_BUCKET_NAME, AWS_S3_REGION_NAME, AWS_S3_ADDRESSING_STYLE
#   scripts/services/s3.sh stop
# Both buckets are created on start (S3_BUCKET, default kexiang-media; S3_PRIVATE_BUCKET, default
# kexiang-private). PORT is the first free one from $S3_PORT (default 59300) up to $S3_PORT+99. Data, log and
# pid file live in $S3_DIR (default /tmp/kexiang-s3-$S3_PORT); stop keeps the data: remove $S3_DIR after stop
# for empty buckets. Needs a JDK (java; 17 works) and Maven 3 with access to Maven Central; on Debian:
# apt-get install default-jdk-headless maven. The first start resolves the jars into ~/.m2 (about 40 MB).
set -euo pipefail
S3_PORT=${S3_PORT:-59300}
S3_DIR=${S3_DIR:-/tmp/kexiang-s3-$S3_PORT}
S3_BUILD_DIR=${S3_BUILD_DIR:-/tmp/kexiang-s3proxy}
S3_BUCKET=${S3_BUCKET:-kexiang-media}
S3_PRIVATE_BUCKET=${S3_PRIVATE_BUCKET:-kexiang-private}
S3_KEY=${S3_KEY:-kexiang-test}
S3_SECRET=${S3_SECRET:-kexiang-test-secret}
S3_REGION=${S3_REGION:-us-east-1}
S3_START_TIMEOUT=${S3_START_TIMEOUT:-90}
POM=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/s3proxy/pom.xml
PIDFILE=$S3_DIR/s3proxy.pid
PORTFILE=$S3_DIR/s3proxy.port
LOG=$S3_DIR/s3proxy.log
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

running_pid() {  # the pid of our server if it is alive
    local pid
    [ -f "$PIDFILE" ] || return 1
    pid=$(cat "$PIDFILE")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'org\.gaul\.s3proxy\.Main' || return 1  # not a reused pid
    echo "$pid"
}

answers() {  # $1 = port: any S3 answer (an anonymous request is refused with 403, which is an answer)
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$1/" || true)
    [ "$code" = 403 ] || [ "$code" = 200 ]
}

free_port() {
    local port
    for port in $(seq "$S3_PORT" $((S3_PORT + 99))); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "no free port from $S3_PORT to $((S3_PORT + 99))" >&2
    return 1
}

classpath() {  # resolve the jars with Maven once; later starts reuse the list
    if [ -s "$S3_BUILD_DIR/classpath.txt" ] && [ "$S3_BUILD_DIR/classpath.txt" -nt "$POM" ] \
        && [ -f "$(tr ':' '\n' <"$S3_BUILD_DIR/classpath.txt" | head -n 1)" ]; then
        return 0
    fi
    for tool in mvn "$JAVA"; do
        if ! command -v "$tool" >/dev/null; then
            echo "$tool is missing. On Debian: apt-get install default-jdk-headless maven" >&2
            exit 1
        fi
    done
    mkdir -p "$S3_BUILD_DIR"
    echo "Resolving S3Proxy 2.6.0 from Maven Central (unless already in ~/.m2)..." >&2
    if ! mvn -q -B -f "$POM" dependency:build-classpath -Dmdep.outputFile="$S3_BUILD_DIR/classpath.txt" \
        >"$S3_BUILD_DIR/mvn.log" 2>&1; then
        cat "$S3_BUILD_DIR/mvn.log" >&2
        rm -f "$S3_BUILD_DIR/classpath.txt"
        exit 1
    fi
}

signed() {  # $1 = method, $2 = path: a request signed with AWS SigV4 (curl's own --aws-sigv4)
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X "$1" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" --aws-sigv4 "aws:amz:$S3_REGION:s3" \
        --user "$S3_KEY:$S3_SECRET" "http://127.0.0.1:$(cat "$PORTFILE")$2"
}

print_env() {
    local port
    port=$(cat "$PORTFILE")
    echo "AWS_S3_ENDPOINT_URL=http://127.0.0.1:$port"
    echo "AWS_ACCESS_KEY_ID=$S3_KEY"
    echo "AWS_SECRET_ACCESS_KEY=$S3_SECRET"
    echo "AWS_STORAGE_BUCKET_NAME=$S3_BUCKET"
    echo "KEXIANG_PRIVATE_BUCKET_NAME=$S3_PRIVATE_BUCKET"
    echo "AWS_S3_REGION_NAME=$S3_REGION"
    echo "AWS_S3_ADDRESSING_STYLE=path"
}

case "${1:-start}" in
start)
    mkdir -p "$S3_DIR/data"
    if ! { pid=$(running_pid) && [ -s "$PORTFILE" ] && answers "$(cat "$PORTFILE")"; }; then
        if [ -n "${pid:-}" ]; then
            kill "$pid" 2>/dev/null || true
            sleep 1
        fi
        classpath
        port=$(free_port)
        echo "$port" >"$PORTFILE"
        cat >"$S3_DIR/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_KEY
s3proxy.credential=$S3_SECRET
s3proxy.cors-allow-all=true
jclouds.provider=filesystem
jclouds.filesystem.basedir=$S3_DIR/data
CONF
        : >"$LOG"
        nohup "$JAVA" -Xms64m -Xmx512m -Djava.io.tmpdir="$S3_DIR" -cp "$(cat "$S3_BUILD_DIR/classpath.txt")" \
            org.gaul.s3proxy.Main --properties "$S3_DIR/s3proxy.conf" >"$LOG" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$PIDFILE"
        deadline=$((SECONDS + S3_START_TIMEOUT))
        until answers "$port"; do
            if ! kill -0 "$pid" 2>/dev/null; then
                echo "S3Proxy exited during start-up; the end of $LOG:" >&2
                tail -n 40 "$LOG" >&2
                rm -f "$PIDFILE"
                exit 1
            fi
            if [ $SECONDS -ge $deadline ]; then
                echo "S3Proxy did not answer within ${S3_START_TIMEOUT}s (pid $pid, log $LOG); stop it with: $0 stop" >&2
                exit 1
            fi
            sleep 0.5
        done
    fi
    for bucket in "$S3_BUCKET" "$S3_PRIVATE_BUCKET"; do
        code=$(signed HEAD "/$bucket")
        if [ "$code" != 200 ]; then
            code=$(signed PUT "/$bucket")
            if [ "$code" != 200 ]; then
                echo "could not create bucket $bucket (HTTP $code); see $LOG" >&2
                exit 1
            fi
        fi
    done
    print_env
    ;;
stop)
    if pid=$(running_pid); then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE" "$PORTFILE"
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
