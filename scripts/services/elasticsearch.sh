#!/usr/bin/env bash
# Start (or stop) one throw-away Elasticsearch 7.10.2 node on loopback for tests and local trials.
#   scripts/services/elasticsearch.sh start   -> prints ELASTICSEARCH_URL=http://127.0.0.1:PORT
#   scripts/services/elasticsearch.sh stop
# The node is real Elasticsearch from Maven Central, embedded by org.codelibs:elasticsearch-cluster-runner
# 7.10.2.0 (Lucene 8.7.0 as the runner pins it); see scripts/services/es-runner/. PORT is the port the
# node really bound: the first free one from $ES_PORT (default 59200) up to $ES_PORT+99.
# Needs a JDK (java and javac; 17 works, ES 7.10 was released for 11-15) and Maven 3 with access to Maven
# Central. On Debian: apt-get install default-jdk maven. Another JDK: JAVA_HOME=/usr/lib/jvm/... .
# First start resolves the jars into ~/.m2 and compiles one class into $ES_BUILD_DIR (default
# /tmp/kexiang-es-runner); later starts reuse them. Data, log and pid file live in $ES_DIR
# (default /tmp/kexiang-es-$ES_PORT); the node log is $ES_DIR/node.log. stop keeps the indices: remove
# $ES_DIR after stop for an empty node. Cluster kexiang-test, single-node discovery, no security (no x-pack).
set -euo pipefail
ES_PORT=${ES_PORT:-59200}
ES_DIR=${ES_DIR:-/tmp/kexiang-es-$ES_PORT}
ES_BUILD_DIR=${ES_BUILD_DIR:-/tmp/kexiang-es-runner}
ES_HEAP=${ES_HEAP:--Xms512m -Xmx1g}
ES_START_TIMEOUT=${ES_START_TIMEOUT:-180}
RUNNER_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/es-runner
PIDFILE=$ES_DIR/node.pid
PORTFILE=$ES_DIR/node.port
LOG=$ES_DIR/node.log

if [ -n "${JAVA_HOME:-}" ]; then
    JAVA=$JAVA_HOME/bin/java JAVAC=$JAVA_HOME/bin/javac
else
    JAVA=java JAVAC=javac
fi

running_pid() {  # prints the pid of our node if it is alive
    local pid
    [ -f "$PIDFILE" ] || return 1
    pid=$(cat "$PIDFILE")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kexiang\.EsNode' || return 1  # not a reused pid
    echo "$pid"
}

healthy() {  # $1 = port
    curl -fsS --max-time 5 "http://127.0.0.1:$1/_cluster/health?wait_for_status=yellow&timeout=2s" >/dev/null 2>&1
}

build_runner() {  # resolve the classpath with Maven, compile EsNode with javac; skipped when up to date
    local stamp=$ES_BUILD_DIR/classes/kexiang/EsNode.class
    if [ -f "$stamp" ] && [ -s "$ES_BUILD_DIR/classpath.txt" ] \
        && [ "$stamp" -nt "$RUNNER_SRC/pom.xml" ] \
        && [ "$stamp" -nt "$RUNNER_SRC/src/main/java/kexiang/EsNode.java" ] \
        && [ -f "$(tr ':' '\n' <"$ES_BUILD_DIR/classpath.txt" | head -n 1)" ]; then
        return 0
    fi
    for tool in mvn "$JAVAC"; do
        if ! command -v "$tool" >/dev/null; then
            echo "$tool is missing. On Debian: apt-get install default-jdk maven" >&2
            exit 1
        fi
    done
    mkdir -p "$ES_BUILD_DIR"
    rm -rf "$ES_BUILD_DIR/classes"
    echo "Building the Elasticsearch runner (~50 MB from Maven Central unless already in ~/.m2)..." >&2
    if ! mvn -q -B -f "$RUNNER_SRC/pom.xml" dependency:build-classpath \
        -Dmdep.outputFile="$ES_BUILD_DIR/classpath.txt" >"$ES_BUILD_DIR/mvn.log" 2>&1; then
        cat "$ES_BUILD_DIR/mvn.log" >&2
        rm -f "$ES_BUILD_DIR/classpath.txt"
        exit 1
    fi
    "$JAVAC" -nowarn --release 11 -encoding UTF-8 -d "$ES_BUILD_DIR/classes" \
        -cp "$(cat "$ES_BUILD_DIR/classpath.txt")" "$RUNNER_SRC/src/main/java/kexiang/EsNode.java" >&2
}

case "${1:-start}" in
start)
    mkdir -p "$ES_DIR"
    if pid=$(running_pid) && [ -s "$PORTFILE" ] && healthy "$(cat "$PORTFILE")"; then
        echo "ELASTICSEARCH_URL=http://127.0.0.1:$(cat "$PORTFILE")"
        exit 0
    fi
    if [ -n "${pid:-}" ]; then  # alive but not answering yet, or stuck: give it the usual time below
        :
    else
        build_runner
        rm -f "$PORTFILE"
        : >"$LOG"
        # ES_HEAP is deliberately split into words.
        # shellcheck disable=SC2086
        nohup "$JAVA" $ES_HEAP \
            -Des.distribution.flavor=default -Dlog4j2.formatMsgNoLookups=true \
            -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Djava.io.tmpdir="$ES_DIR" \
            -cp "$ES_BUILD_DIR/classes:$(cat "$ES_BUILD_DIR/classpath.txt")" \
            kexiang.EsNode "$ES_PORT" "$ES_DIR/home" >"$LOG" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$PIDFILE"
    fi
    deadline=$((SECONDS + ES_START_TIMEOUT))
    port=
    while [ $SECONDS -lt $deadline ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "Elasticsearch exited during start-up; the end of $LOG:" >&2
            tail -n 40 "$LOG" >&2
            rm -f "$PIDFILE"
            exit 1
        fi
        if [ -z "$port" ]; then
            port=$(sed -n 's/.*ELASTICSEARCH_HTTP_PORT=\([0-9][0-9]*\).*/\1/p' "$LOG" | tail -n 1 || true)
            [ -n "$port" ] && echo "$port" >"$PORTFILE"
        fi
        if [ -n "$port" ] && healthy "$port"; then
            echo "ELASTICSEARCH_URL=http://127.0.0.1:$port"
            exit 0
        fi
        sleep 1
    done
    echo "Elasticsearch did not answer within ${ES_START_TIMEOUT}s (pid $pid, log $LOG); stop it with: $0 stop" >&2
    exit 1
    ;;
stop)
    if pid=$(running_pid); then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
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
