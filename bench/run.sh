#!/usr/bin/env bash
# `make bench`: every benchmark beside its reference system, in one run; the
# table goes to stdout and to bench/results/latest.md. Never part of `make test`.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/$build/bench-data"
mkdir -p "$data" "$root/bench/results"
if [ ! -f "$data/feed-10000.ics" ]; then
  /usr/bin/python3 "$root/bench/gen_ics.py" --events 10000 --seed 20250901 --year "$(date +%Y)" \
    --out "$data" --no-orgs >/dev/null
fi
{
  echo "# babillard benchmarks ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
  echo
  echo "| benchmark | babillard | reference | ratio | target |"
  echo "|---|---|---|---|---|"
  "$root/$build/bench/ical_bench" "$data/feed-10000.ics" 7 | tail -n +3
  "$root/$build/bench/store_bench" "$root/$build/services/store/babillard-store" 100000
  "$root/$build/bench/ingest_bench" "$root/$build/services/store/babillard-store" \
    "$root/$build/services/ingest/babillard-ingest" "$data/feed-10000.ics"
  "$root/$build/bench/publish_bench" "$root/$build/services/store/babillard-store" \
    "$root/$build/services/ingest/babillard-ingest" "$root/$build/services/publish/babillard-publish" \
    "$data/feed-10000.ics"
  bash "$root/bench/feed_bench.sh" "$root/$build"
} | tee "$root/bench/results/latest.md"
