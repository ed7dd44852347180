#!/usr/bin/env bash
# The performance benchmark of issues 7 and 16; writes docs/performance.md
# and prints each goal of issue 16, its ratio and whether it was met.
#
#   benches/run.sh            measure everything, rewrite the results section
#   benches/run.sh dpop       only the DPoP group (issue 13): prints its goal,
#                             writes nothing
#   benches/run.sh profile    strace -c, callgrind, perf stat of one cached
#                             call (a release build with symbols), into
#                             target/bench-profile/
#   benches/run.sh order      rewrites build/hot-symbols.txt, the order of
#                             the hot paths' functions in the binary
#                             (build.rs), after a dependency or toolchain
#                             change; then relinks the release build
#
# Installs what it needs with apt-get (hyperfine, gh, curl, time, strace, a C
# compiler and static libc for the floor program; valgrind for `profile`),
# builds release, then runs the Rust driver
# (benches/perf.rs), which starts the loopback fake server from
# tests/it/support and measures with hyperfine. Settings: see benches/perf.rs
# (AUTHTOOL_BENCH_ROUNDS, _RUNS, _CONCURRENCY, _MAX_LOAD, …) and
# AUTHTOOL_BENCH_NICE below.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}

need=()
want() { command -v "$2" >/dev/null 2>&1 || need+=("$1"); }
want hyperfine hyperfine
want gh gh
want curl curl
[ -x /usr/bin/time ] || need+=(time)
want strace strace
want gcc cc
[ -n "$(cc -print-file-name=libc.a 2>/dev/null | grep /)" ] || need+=(libc6-dev)
if [ "$mode" = profile ] || [ "$mode" = order ]; then
  want valgrind valgrind
  want linux-perf perf
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "run.sh: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# authtool, the reference program and the driver, in one release build
# (`cargo bench` would build everything again under the bench profile).
driver=$(cargo build --locked --release --bin authtool --example bench-reference --bench perf \
  --message-format=json-render-diagnostics | grep -o '"executable":"[^"]*/perf-[^"]*"' | cut -d'"' -f4)
[ -x "$driver" ] || { echo "run.sh: the benchmark driver was not built" >&2; exit 1; }
# The process floor: a static C program that reads the same two files.
cc -O2 -static -o "$(dirname "$driver")/../bench-floor" benches/floor.c ||
  echo "run.sh: cannot build benches/floor.c statically; the floor is not measured" >&2

if [ "$mode" = order ]; then
  # The release build itself, only not stripped: the same symbol names.
  AUTHTOOL_BENCH_BIN=$(cargo rustc --locked --release --bin authtool \
    --message-format=json-render-diagnostics -- -C strip=none |
    grep -o '"executable":"[^"]*/authtool"' | cut -d'"' -f4)
  export AUTHTOOL_BENCH_BIN
  "$driver" order --bench
  # Link the stripped release binary again, in the new order.
  touch build.rs
  exec cargo build --locked --release --bin authtool
fi
if [ "$mode" = profile ]; then
  # Symbols for callgrind: the same release settings, not stripped.
  AUTHTOOL_BENCH_BIN=$(CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \
    cargo build --locked --release --bin authtool --target-dir target/profiling \
    --message-format=json-render-diagnostics | grep -o '"executable":"[^"]*/authtool"' | cut -d'"' -f4)
  export AUTHTOOL_BENCH_BIN
fi

echo "run.sh: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs" >&2
# On a shared machine, AUTHTOOL_BENCH_NICE=-10 (root) keeps other jobs from
# preempting the measured processes; the report records the niceness.
nice=()
[ -n "${AUTHTOOL_BENCH_NICE:-}" ] && nice=(nice -n "$AUTHTOOL_BENCH_NICE")
exec "${nice[@]}" "$driver" "$mode" --bench
