#!/usr/bin/env bash
# `make bench` for babillard-publish: wrk against /feeds/all.ics of a
# 10,000-event region, side by side with nginx serving the same bytes as a
# static file (gzip_static for the compressed form), same wrk settings, same
# run: 200 identity, 200 gzip, and 304. Loopback only, 5 s per measurement.
# usage: feed_bench.sh BUILD_DIR  (prints markdown table rows)
set -euo pipefail
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/babillard-feed-bench-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ready() { for _ in $(seq 1 300); do [ -s "$1" ] && return 0; sleep 0.1; done; echo "feed_bench: $1 missing" >&2; exit 1; }

store=$(port); ingest=$(port); http=$(port); nginx_port=$(port)
"$build/services/store/babillard-store" --data-dir="$dir/store" --listen=127.0.0.1:$store --ready-file="$dir/s" >"$dir/store.log" 2>&1 &
pids+=($!); ready "$dir/s"
"$build/services/ingest/babillard-ingest" --store=127.0.0.1:$store --listen=127.0.0.1:$ingest --data-dir="$dir/ingest" \
  --poll=false --writes-per-second=0 --imports-per-minute=0 --ready-file="$dir/i" >"$dir/ingest.log" 2>&1 &
pids+=($!); ready "$dir/i"
"$build/services/publish/babillard-publish" --store=127.0.0.1:$store --http=127.0.0.1:$http --listen=127.0.0.1:$(port) \
  --ready-file="$dir/p" >"$dir/publish.log" 2>&1 &
pids+=($!); ready "$dir/p"

year=$(( $(date +%Y) + 1 ))  # inside the default window (30 days back, 18 months ahead)
/usr/bin/python3 "$root/bench/gen_ics.py" --events 10000 --seed 20250901 --year "$year" --out "$dir/data" --no-orgs >/dev/null
export BABILLARD_ADDR=127.0.0.1:$ingest
token=$(BABILLARD_TOKEN=$(cat "$dir/ingest/admin.token") "$build/clients/cli/babillard" org create --slug=region --name=Region | sed -n 's/^token: //p')
BABILLARD_TOKEN=$token "$build/clients/cli/babillard" import "$dir/data/feed-10000.ics" >/dev/null
url=http://127.0.0.1:$http/feeds/all.ics
for _ in $(seq 1 100); do  # the view follows the store
  size=$(curl -s -o "$dir/www/all.ics" --create-dirs -w '%{size_download}' "$url")
  [ "$size" -gt 10000000 ] && break
  sleep 0.2
done
gzip -9 -k "$dir/www/all.ics"
chmod 755 "$dir"; chmod -R a+rX "$dir/www"  # nginx workers run as nobody
etag=$(curl -s -D - -o /dev/null "$url" | tr -d '\r' | sed -n 's/^ETag: //Ip')
cat >"$dir/nginx.conf" <<NGINX
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  types { text/calendar ics; }
  gzip_static on;
  etag on;
  server { listen 127.0.0.1:$nginx_port; root $dir/www; }
}
NGINX
nginx -c "$dir/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$nginx_port/all.ics" && break; sleep 0.1; done
nginx_url=http://127.0.0.1:$nginx_port/all.ics
nginx_etag=$(curl -s -D - -o /dev/null "$nginx_url" | tr -d '\r' | sed -n 's/^ETag: //Ip')
gz_etag=$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "$url" | tr -d '\r' | sed -n 's/^ETag: //Ip')

# Both must answer what we think, or the figures mean nothing.
[ "$(curl -s -o /dev/null -w '%{http_code}' "$nginx_url")" = 200 ] || { echo "feed_bench: nginx does not serve the file" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url")" = 304 ] || { echo "feed_bench: no 304 from babillard" >&2; exit 1; }
cmp -s "$dir/www/all.ics" <(curl -s "$nginx_url") || { echo "feed_bench: nginx serves other bytes" >&2; exit 1; }

rps() {  # rps URL [HEADER]: requests/s with the same wrk settings for both servers
  local args=(-t2 -c32 -d5s)
  [ $# -gt 1 ] && args+=(-H "$2")
  wrk "${args[@]}" "$1" 2>/dev/null | sed -n 's/^Requests\/sec: *//p'
}
mb=$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$dir/www/all.ics")/1e6}")
row() {  # row LABEL BABILLARD NGINX
  awk -v l="$1" -v b="$2" -v n="$3" 'BEGIN{printf "| %s | %.0f req/s | nginx, same bytes: %.0f req/s | %.2f | >= 0.8 |\n", l, b, n, (n>0?b/n:0)}'
}
row "feed 200, identity (${mb} MB, 10,000 events)" "$(rps "$url")" "$(rps "$nginx_url")"
row "feed 200, gzip" "$(rps "$url" 'Accept-Encoding: gzip')" "$(rps "$nginx_url" 'Accept-Encoding: gzip')"
row "feed 304 (If-None-Match)" "$(rps "$url" "If-None-Match: $etag")" "$(rps "$nginx_url" "If-None-Match: $nginx_etag")"
: "$gz_etag"
