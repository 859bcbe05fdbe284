#!/usr/bin/env bash
# The chaos soak: `--schedules N` (default 1000) randomized schedules against real servers, each checked
# against the guarantees G1-G5 (docs/many-servers.md); figures to test-output/soak.json.
#   scripts/soak.sh [--schedules 1000] [--from SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec node tests/chaos/soak.mjs "$@"
