#!/usr/bin/env bash
# The benchmark from a fresh clone: sets up what is missing (scripts/setup.sh), builds the package, and
# runs bench/run.mjs (ours against jose, jwt-decode and oauth4webapi in one Node process; load time,
# memory and sizes). `--json` passes through.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec node bench/run.mjs "$@"
