#!/usr/bin/env bash
# Shows that the chaos checker catches the defects it guards: puts one back (tests/chaos/defects/NAME.patch,
# a change to pkg/lib), builds, runs chaos schedules made to provoke it (tests/chaos/scenarios.mjs) and prints
# which guarantee each run saw broken; fails if none did. Then restores pkg/lib and builds again. Run it in a
# checkout without changes to pkg/lib.
#   scripts/checker-defects.sh defect-1 [SEEDS]   a late refresh writes past a sign-out (scenario late-refresh)
#   scripts/checker-defects.sh defect-3 [SEEDS]   the lease is released with the pair unwritten (unwritten-pair)
# SEEDS: comma-separated runs of the scenario (default 1,2,3 for defect-1, 1 to 6 for defect-3; each run
# reaches its defect's interleaving only some of the time).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?"name a defect: defect-1 or defect-3"}
case "$name" in
defect-1) scenario=late-refresh seeds=${2:-1,2,3} ;;
defect-3) scenario=unwritten-pair seeds=${2:-1,2,3,4,5,6} ;;
*)
  echo "checker-defects: no defect $name (defect-1 or defect-3)" >&2
  exit 2
  ;;
esac
if ! git diff --quiet -- pkg/lib; then
  echo "checker-defects: pkg/lib has uncommitted changes; commit or set them aside first" >&2
  exit 2
fi
scripts/setup.sh
restore() {
  git checkout -q -- pkg/lib
  scripts/build.sh > /dev/null
}
trap restore EXIT
git apply "tests/chaos/defects/$name.patch"
scripts/build.sh > /dev/null
# soak.mjs exits 1 when a run broke a guarantee: here, that is the checker doing its job.
if node tests/chaos/soak.mjs --scenario "$scenario" --seeds "$seeds" --out "test-output/defects/$name.json"; then
  echo "checker-defects: $name put back, and no run broke a guarantee ($scenario, seeds $seeds)"
  exit 1
fi
echo "checker-defects: $name put back, caught ($scenario, seeds $seeds; test-output/defects/$name.json)"
