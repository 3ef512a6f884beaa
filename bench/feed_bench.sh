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
last=0
for _ in $(seq 1 100); do  # the view follows the store: until the feed stops growing
  size=$(curl -s -o "$dir/www/all.ics" --create-dirs -w '%{size_download}' "$url")
  [ "$size" -gt 10000000 ] && [ "$size" = "$last" ] && break
  last=$size
  sleep 0.5
done
# The residents' home page and one event's page, as a browser asks for them,
# once publish has read the organization's name (its directory: every 5 s).
sleep 6
home_url=http://127.0.0.1:$http/
curl -s -o "$dir/www/home.html" "$home_url"
event_path=$(grep -m1 -o 'href="/evenement/[^"]*"' "$dir/www/home.html" | sed -n 1p | cut -d'"' -f2 | sed 's/&amp;/\&/g')
event_url="http://127.0.0.1:$http$event_path"
curl -s -o "$dir/www/event.html" "$event_url"
gzip -9 -k "$dir/www/all.ics" "$dir/www/home.html" "$dir/www/event.html"
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
  types { text/calendar ics; text/html html; }
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

# The pages beside nginx serving the same bytes (browsers ask with gzip).
cmp -s "$dir/www/home.html" <(curl -s "$home_url") || { echo "feed_bench: the home page changed" >&2; exit 1; }
home_etag=$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "$home_url" | tr -d '\r' | sed -n 's/^ETag: //Ip')
nginx_home_etag=$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$nginx_port/home.html" | tr -d '\r' | sed -n 's/^ETag: //Ip')
home_kb=$(awk "BEGIN{printf \"%.0f KB, %.0f KB gzipped\", $(stat -c %s "$dir/www/home.html")/1024, $(stat -c %s "$dir/www/home.html.gz")/1024}")
row "home page 200, gzip ($home_kb)" "$(rps "$home_url" 'Accept-Encoding: gzip')" "$(rps "http://127.0.0.1:$nginx_port/home.html" 'Accept-Encoding: gzip')"
row "home page 304" "$(rps "$home_url" "If-None-Match: $home_etag")" "$(rps "http://127.0.0.1:$nginx_port/home.html" "If-None-Match: $nginx_home_etag")"
row "event page 200, gzip" "$(rps "$event_url" 'Accept-Encoding: gzip')" "$(rps "http://127.0.0.1:$nginx_port/event.html" 'Accept-Encoding: gzip')"

# What one change costs: an event's title changed, then the first request of
# the home page (and of /feeds/all.ics) after it, which builds it; the median
# of 5 (each after the view has taken the change).
first_uid=$(/usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1].split("/")[2].split("?")[0]))' "$event_path")
rebuild() {  # rebuild URL: ms of the first request after a change, median of 5
  local times=()
  for i in 1 2 3 4 5; do
    BABILLARD_TOKEN=$token "$build/clients/cli/babillard" update "$first_uid" --title="Changé $i $RANDOM" >/dev/null
    sleep 1
    times+=("$(curl -s -o /dev/null -w '%{time_total}' -H 'Accept-Encoding: gzip' "$1")")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 3p | awk '{printf "%.1f", $1*1000}'
}
home_ms=$(rebuild "$home_url")
feed_ms=$(rebuild "$url")
printf '| home page built after one change (10,000 events) | %s ms | - | - | <= 20 ms |\n' "$home_ms"
printf '| /feeds/all.ics built after one change (10,000 events) | %s ms | - | - | <= 20 ms |\n' "$feed_ms"
