#!/usr/bin/env bash
# Sets up what is missing, builds the package, and runs the demo on 127.0.0.1: the local
# Constant Contact-compatible authorization server and the www/ page. Prints the URL; Ctrl-C stops it.
#   PORT=8080 (page)   AUTHZ_PORT=4455 (authorization server)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec node scripts/demo.mjs
