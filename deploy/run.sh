#!/usr/bin/env bash
# `make run`: what babillard can run today. The store, ingest and publish
# services are the next issues (#3, #4, #5); until they land, this builds the
# demo region's calendar with the iCalendar core and writes the feeds it
# will serve, so that they can be opened in any calendar app.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
var="$root/var"
mkdir -p "$var/demo" "$var/feeds"
year=$(date +%Y)
/usr/bin/python3 "$root/bench/gen_ics.py" --events 300 --seed 20250901 --year "$year" --out "$var/demo" >/dev/null
report=$("$root/$build/clients/cli/babillard-ics" check "$var/demo/feed-300.ics")
echo "${report%%$'\n'*}"
"$root/$build/clients/cli/babillard-ics" feed "$var/demo/feed-300.ics" --lang=fr --name="MRC des Sources" >"$var/feeds/all.ics"
"$root/$build/clients/cli/babillard-ics" feed "$var/demo/feed-300.ics" --lang=en --name="MRC des Sources" >"$var/feeds/all-en.ics"
cat <<MSG

babillard: demo feeds for $year written by the iCalendar core:
  $var/feeds/all.ics      (French)
  $var/feeds/all-en.ics   (English)
Open either file in a calendar app, or check your own export:
  $build/clients/cli/babillard-ics check my-calendar.ics

The store runs on its own today (private Redis under ./var/store):
  $build/services/store/babillard-store --data-dir=var/store
babillard-ingest (gRPC 127.0.0.1:50051) and babillard-publish (gRPC 127.0.0.1:50052,
HTTP http://127.0.0.1:8080/feeds/all.ics) arrive with issues #4 and #5.
MSG
