#!/usr/bin/env bash
# Runs the fuzz targets one after another, each for SECONDS (default 180),
# with its seeds and dictionary: fuzz/run.sh [SECONDS] [TARGET...]
# (all targets when none is named). See fuzz/README.md.
#
# cargo-fuzz needs nightly flags (-Zsanitizer, sanitizer coverage);
# RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-180}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(config jwt response git_credential)
fi

export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  args=(-dict="fuzz/dict/$t.dict" -use_value_profile=1 -max_total_time="$secs"
    -timeout=10 -print_final_stats=1)
  echo "== $t for ${secs}s"
  cargo fuzz run --sanitizer address "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- "${args[@]}"
done
