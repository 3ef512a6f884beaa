#!/usr/bin/env bash
# `make run`: starts babillard on loopback with its defaults and stays in the
# foreground; Ctrl-C stops everything cleanly. Data persists under ./var.
#   babillard-store   gRPC 127.0.0.1:50053, private redis-server under var/store (AOF)
#   babillard-ingest  gRPC 127.0.0.1:50051, admin token in var/ingest/admin.token
# babillard-publish (HTTP feeds on 127.0.0.1:8080) arrives with issue #5; meanwhile
# the demo region's feeds are written to var/feeds/ by the iCalendar core.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
var="$root/var"
bin="$root/$build"
mkdir -p "$var/run" "$var/demo" "$var/feeds"
rm -f "$var/run/"*.ready

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "babillard: stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  exit 0
}
trap stop INT TERM EXIT

wait_ready() {  # wait_ready NAME FILE PID
  for _ in $(seq 1 300); do
    [ -s "$2" ] && return 0
    if ! kill -0 "$3" 2>/dev/null; then
      echo "babillard: $1 did not start; its log: $var/run/$1.log" >&2
      tail -n 5 "$var/run/$1.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "babillard: $1 did not become ready" >&2
  exit 1
}

"$bin/services/store/babillard-store" --data-dir="$var/store" --listen=127.0.0.1:50053 \
  --ready-file="$var/run/store.ready" >"$var/run/babillard-store.log" 2>&1 &
pids+=($!)
wait_ready babillard-store "$var/run/store.ready" "${pids[-1]}"

"$bin/services/ingest/babillard-ingest" --store=127.0.0.1:50053 --listen=127.0.0.1:50051 \
  --data-dir="$var/ingest" --ready-file="$var/run/ingest.ready" >"$var/run/babillard-ingest.log" 2>&1 &
pids+=($!)
wait_ready babillard-ingest "$var/run/ingest.ready" "${pids[-1]}"

year=$(date +%Y)
/usr/bin/python3 "$root/bench/gen_ics.py" --events 300 --seed 20250901 --year "$year" --out "$var/demo" --no-orgs >/dev/null
"$bin/clients/cli/babillard-ics" feed "$var/demo/feed-300.ics" --lang=fr --name="MRC des Sources" >"$var/feeds/all.ics"
"$bin/clients/cli/babillard-ics" feed "$var/demo/feed-300.ics" --lang=en --name="MRC des Sources" >"$var/feeds/all-en.ics"

cat <<MSG
babillard is running (Ctrl-C stops it; data stays in ./var):
  babillard-store   127.0.0.1:50053   log: var/run/babillard-store.log
  babillard-ingest  127.0.0.1:50051   log: var/run/babillard-ingest.log
  admin token:      $var/ingest/admin.token   (readable by you only)

Feed (HTTP, with babillard-publish, issue #5): http://127.0.0.1:8080/feeds/all.ics
Until then, the demo region's feeds: var/feeds/all.ics (French), var/feeds/all-en.ics (English)

Try it, in another terminal:
  export BABILLARD_TOKEN=\$(cat var/ingest/admin.token)
  $build/clients/cli/babillard org create --slug=biblio-danville --name="Bibliothèque de Danville" --municipality=danville
  export BABILLARD_TOKEN=<the token it printed>
  $build/clients/cli/babillard submit --title="Heure du conte" --start="$year-12-20 10:00" --end="$year-12-20 11:00" --municipality=danville --category=culture
  $build/clients/cli/babillard list
MSG
wait -n "${pids[@]}" || true
echo "babillard: a service exited; see var/run/*.log" >&2
stop
