#!/usr/bin/env bash
# run_fuzzer.sh FUZZER SEED_DIR WORK_DIR [REGRESSIONS_DIR]: fuzz for $FUZZ_SECONDS (default 60).
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 regressions=${4:-}
seconds=${FUZZ_SECONDS:-60}
mkdir -p "$work"
dirs=("$work")
if [ -d "$seeds" ]; then dirs+=("$seeds"); else echo "no seed corpus at $seeds; seeding from regressions only"; fi
if [ -n "$regressions" ] && [ -d "$regressions" ]; then dirs+=("$regressions"); fi
# -rss_limit_mb and -timeout turn a memory blow-up or a hang into a failure.
exec "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
  -print_final_stats=1 "${dirs[@]}"
