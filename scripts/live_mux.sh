#!/bin/sh
# nginx-rtmp's exec_push runs this for each live stream (deploy/nginx/kexiang-rtmp.conf): the project's Python
# runs live/muxer.py, the stream's muxing session, from the project's folder (nginx gives its children an empty
# environment and its own working folder). Usage: live_mux.sh PYTHON ARGS...; its log goes to KEXIANG_LIVE_ROOT.
cd "$(dirname "$0")/.." || exit 1
python=$1
shift
exec "$python" -m live.muxer "$@"
