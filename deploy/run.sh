#!/usr/bin/env bash
# `make run`: starts babillard on loopback with its defaults and stays in the
# foreground; Ctrl-C stops everything cleanly. Data persists under ./var.
#   babillard-store   gRPC 127.0.0.1:50053, private redis-server under var/store (AOF)
#   babillard-ingest  gRPC 127.0.0.1:50051, admin token in var/ingest/admin.token
#   babillard-publish HTTP feeds on 127.0.0.1:8080 (gRPC 127.0.0.1:50052)
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# VAR and the *_PORT variables let tests run one beside another.
var="${VAR:-$root/var}"
store_port="${STORE_PORT:-50053}" ingest_port="${INGEST_PORT:-50051}"
publish_port="${PUBLISH_PORT:-50052}" http_port="${HTTP_PORT:-8080}"
bin="$root/$build"
# The region served: its municipalities, categories and names (deploy/README.md).
region="${REGION:-$root/deploy/regions/mrc-des-sources.textproto}"
mkdir -p "$var/run"
# One babillard per var/: a second one would start a second Redis on the same files.
exec 9>"$var/run.lock"
if ! flock -n 9; then
  echo "babillard: already running from $var (pid $(cat "$var/run.pid" 2>/dev/null || echo '?')); stop it first (Ctrl-C in its terminal)" >&2
  exit 1
fi
echo $$ >"$var/run.pid"
rm -f "$var/run/"*.ready
# The previous run's logs are kept as *.log.1.
for log in "$var/run/"*.log; do
  if [ -s "$log" ]; then mv -f "$log" "$log.1"; fi
done
# The token ingest and publish present to the store, made once and kept (0600).
token="$var/internal.token"
if [ ! -s "$token" ]; then
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$token.tmp" && mv "$token.tmp" "$token")
fi

pids=()
stop() {  # stop EXIT_STATUS: Ctrl-C is a clean stop (0); a service that did not start is not
  trap - INT TERM EXIT
  echo
  echo "babillard: stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f "$var/run.pid"
  exit "$1"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

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

# LOOPBACK=1 (make run LOOPBACK=1): sources and webhooks on this machine are
# accepted, to try a receiver or a calendar served locally. Never in production.
ingest_loopback=() publish_loopback=()
if [ "${LOOPBACK:-0}" = 1 ]; then
  ingest_loopback=(--allow-loopback-sources) publish_loopback=(--allow-loopback-webhooks)
  echo "babillard: LOOPBACK=1: sources and webhooks on this machine are accepted (local tries only)"
fi

"$bin/services/store/babillard-store" --data-dir="$var/store" --listen=127.0.0.1:$store_port \
  --internal-token-file="$token" --ready-file="$var/run/store.ready" >"$var/run/babillard-store.log" 2>&1 &
pids+=($!)
wait_ready babillard-store "$var/run/store.ready" "${pids[-1]}"

"$bin/services/ingest/babillard-ingest" --store=127.0.0.1:$store_port --listen=127.0.0.1:$ingest_port --region="$region" \
  --internal-token-file="$token" --data-dir="$var/ingest" --ready-file="$var/run/ingest.ready" "${ingest_loopback[@]}" >"$var/run/babillard-ingest.log" 2>&1 &
pids+=($!)
wait_ready babillard-ingest "$var/run/ingest.ready" "${pids[-1]}"

"$bin/services/publish/babillard-publish" --store=127.0.0.1:$store_port --http=127.0.0.1:$http_port --region="$region" \
  --internal-token-file="$token" --listen=127.0.0.1:$publish_port --admin-token-file="$var/ingest/admin.token" --ready-file="$var/run/publish.ready" "${publish_loopback[@]}" >"$var/run/babillard-publish.log" 2>&1 &
pids+=($!)
wait_ready babillard-publish "$var/run/publish.ready" "${pids[-1]}"
year=$(date +%Y)
if [ "${DEMO:-0}" = 1 ] && [ ! -e "$var/demo.loaded" ]; then
  # The project's own generator: organizations of the region, each with its calendar, for next year
  # (inside the feeds' default window of 18 months), imported as each organization would.
  demo_year=$((year + 1))
  /usr/bin/python3 "$root/bench/gen_ics.py" --events 400 --seed 20250901 --year "$demo_year" --out "$var/demo" >/dev/null
  admin=$(cat "$var/ingest/admin.token")
  loaded=0
  for file in "$var"/demo/orgs-400/*.ics; do
    slug=$(basename "$file" .ics | cut -c1-64)
    municipality=""
    for m in val-des-sources saint-georges-de-windsor saint-adrien saint-camille ham-sud danville wotton; do
      case "$slug" in *"$m"*) municipality=$m; break ;; esac
    done
    # The organization's name as its own calendar gives it (X-WR-CALNAME), for the residents' pages.
    name=$(sed -n 's/^X-WR-CALNAME://p' "$file" | sed -n '1{s/\r$//;s/\\//g;p}')
    [ -n "$name" ] || name=$(basename "$file" .ics | tr '-' ' ')
    token=$(BABILLARD_ADDR=127.0.0.1:$ingest_port BABILLARD_TOKEN=$admin "$bin/clients/cli/babillard" org create \
      --slug="$slug" --name="$name" ${municipality:+--municipality=$municipality} | sed -n 's/^token: //p')
    BABILLARD_ADDR=127.0.0.1:$ingest_port BABILLARD_TOKEN=$token "$bin/clients/cli/babillard" import "$file" \
      ${municipality:+--municipality=$municipality} >/dev/null && loaded=$((loaded + 1))
  done
  touch "$var/demo.loaded"
  echo "babillard: demo region loaded ($loaded organizations, events of $demo_year)"
elif [ "${DEMO:-0}" = 1 ]; then
  echo "babillard: the demo region is already loaded (var/demo.loaded); remove var/ to start over"
fi

cat <<MSG
Residents' page: http://127.0.0.1:$http_port/   (English: http://127.0.0.1:$http_port/en/)
Feed:            http://127.0.0.1:$http_port/feeds/all.ics   (English: ?lang=en; also .json; Atom: /atom.xml)

babillard is running (Ctrl-C stops it; data stays in ./var):
  babillard-store   127.0.0.1:$store_port   log: var/run/babillard-store.log
  babillard-ingest  127.0.0.1:$ingest_port   log: var/run/babillard-ingest.log
  babillard-publish 127.0.0.1:$http_port    log: var/run/babillard-publish.log
  admin token:      $var/ingest/admin.token   (readable by you only)

Try it, in another terminal:
  export BABILLARD_TOKEN=\$(cat var/ingest/admin.token)
  $build/clients/cli/babillard org create --slug=biblio-danville --name="Bibliothèque de Danville" --municipality=danville
  export BABILLARD_TOKEN=<the token it printed>
  $build/clients/cli/babillard submit --title="Heure du conte" --start="$year-12-20 10:00" --end="$year-12-20 11:00" --municipality=danville --category=culture
  $build/clients/cli/babillard list
  $build/clients/cli/babillard watch          # changes as they happen
  curl http://127.0.0.1:$http_port/feeds/all.ics
MSG
wait -n "${pids[@]}" || true
echo "babillard: a service exited; see var/run/*.log" >&2
stop 1
