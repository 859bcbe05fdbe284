#!/usr/bin/env bash
# Sets up what is missing, builds the package, and serves the demo page on 127.0.0.1.
#   PORT=8080 (default)   Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
port="${PORT:-8080}"
node scripts/static-server.mjs . "$port" > /dev/null &
server=$!
trap 'kill $server 2>/dev/null' EXIT INT TERM
sleep 0.5
kill -0 $server 2>/dev/null || { echo "could not start the server on 127.0.0.1:$port (in use? set PORT)"; exit 1; }
echo
echo "  ctct-oauth demo: http://127.0.0.1:$port/www/"
echo "  (Ctrl-C to stop)"
wait $server
