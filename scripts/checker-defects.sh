#!/usr/bin/env bash
# Shows that the chaos checker catches the defects it guards: puts one back (tests/chaos/defects/NAME.patch,
# a change to pkg/lib), builds, runs chaos schedules against it and prints which guarantee each seed saw
# broken; then restores pkg/lib and builds again. Run it in a checkout without changes to pkg/lib.
#   scripts/checker-defects.sh defect-1 [SEEDS]   a late refresh writes past a sign-out
#   scripts/checker-defects.sh defect-3 [SEEDS]   the lease is released with the pair unwritten
# SEEDS: comma-separated; by default the seeds that caught each defect when it was put back on 2026-12-06.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?"name a defect: defect-1 or defect-3"}
case "$name" in
defect-1) seeds=${2:-3304} ;;
defect-3) seeds=${2:-3095} ;;
*) seeds=${2:?"give the seeds to run"} ;;
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
# soak.mjs exits 1 when a schedule broke a guarantee: here, that is the checker doing its job.
if node tests/chaos/soak.mjs --seeds "$seeds" --out "test-output/defects/$name.json"; then
  echo "checker-defects: $name put back, and no schedule broke a guarantee (seeds $seeds)"
  exit 1
fi
echo "checker-defects: $name put back, caught (seeds $seeds; test-output/defects/$name.json)"
