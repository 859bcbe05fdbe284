#!/usr/bin/env bash
# Fuzzes every target with cargo-fuzz (nightly, installed here when missing): its corpus grows in fuzz/corpus/
# (not in the repository) from the seeds in fuzz/seeds/, and the seeds are then rewritten as the fewest inputs
# that keep every coverage edge (scripts/fuzz-seeds.mjs). Not part of scripts/test.sh: the seeds replay there
# as ordinary tests.
#   scripts/fuzz.sh                 60 s per target
#   scripts/fuzz.sh 300             300 s per target
#   RUNS=10000000 scripts/fuzz.sh   a number of executions per target instead
#   TARGETS="json_diff url_diff" scripts/fuzz.sh   only those targets
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
seconds="${1:-60}"
limit="-max_total_time=$seconds"
[ -n "${RUNS:-}" ] && limit="-runs=$RUNS"
for target in ${TARGETS:-$(cargo +nightly fuzz list --fuzz-dir fuzz)}; do
  echo "== fuzz: $target ($limit) $(date -u +%FT%TZ)"
  node scripts/fuzz-seeds.mjs unpack "$target"
  start=$(date +%s)
  cargo +nightly fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
    "$limit" -max_len=4096 -print_final_stats=1 2>&1 |
    grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+== ERROR|SUMMARY|Done)" || true
  echo "   $(( $(date +%s) - start )) s"
  echo "   corpus: $(ls "fuzz/corpus/$target" | wc -l) inputs"
  node scripts/fuzz-seeds.mjs pack "$target"
done
