#!/usr/bin/python3
"""The region on an ordinary day, end to end with the real binaries on loopback:

- three organizations publish: the library with the CLI, the town hall
  through the .ics URL of the calendar it already keeps (served here by a
  local HTTP server and polled), the outdoor club by importing a file;
- the tourism office creates a named feed, a webhook (a local receiver that
  checks every signature) and a Subscribe stream (`babillard watch`);
- a resident fetches the regional feed in French and in English;
- an update (CLI) and a cancellation (the event disappears from the town
  hall's calendar) reach the feeds, the webhook and the stream.

Every feed is parsed by python3-icalendar and checked field by field.

usage: scenario_e2e_test.py BUILD_DIR
"""
import datetime as dt
import http.server
import json
import re
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

import icalendar

from harness import Receiver, Stack

BUILD = sys.argv[1]
YEAR = dt.date.today().year + 1


def vevent(uid, title, day, hour, location="Hôtel de ville", categories="community"):
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
            f"DTSTART;TZID=America/Toronto:{YEAR}08{day:02d}T{hour:02d}0000\r\n"
            f"DTEND;TZID=America/Toronto:{YEAR}08{day:02d}T{hour + 2:02d}0000\r\n"
            f"SUMMARY:{title}\r\nLOCATION:{location}\r\nCATEGORIES:{categories}\r\nEND:VEVENT\r\n")


def calendar(*events):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Ville d'Asbestos//FR\r\n" + "".join(events) +
            "END:VCALENDAR\r\n").encode()


class TownHallCalendar:
    """The town hall's own calendar, on a local web server; the test edits it."""

    def __init__(self):
        self.body = b""
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/agenda.ics"


class Scenario(unittest.TestCase):
    def setUp(self):
        self.stack = Stack(BUILD, "scenario", publish_args=["--allow-loopback-webhooks", "--webhook-first-retry=100ms"],
                           ingest_args=["--allow-loopback-sources", "--poll=false"])
        self.addCleanup(self.stack.stop)
        self.town = TownHallCalendar()
        self.addCleanup(self.town.httpd.shutdown)
        self.receiver = Receiver()
        self.addCleanup(self.receiver.stop)

    def cli(self, token, *args):
        r = self.stack.cli(*args, token=token)
        self.assertEqual(r.returncode, 0, f"babillard {' '.join(args)}: {r.stderr}")
        return r.stdout

    def feed(self, path, until=lambda events: True, timeout=20):
        """GETs a feed until `until(events)` holds; every answer must parse."""
        deadline = time.time() + timeout
        while True:
            with urllib.request.urlopen(self.stack.base + path, timeout=10) as r:
                self.assertEqual(r.status, 200)
                self.assertTrue(r.headers["Content-Type"].startswith("text/calendar"))
                cal = icalendar.Calendar.from_ical(r.read())
            events = {str(e["UID"]): e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e}
            if until(events):
                return cal, events
            self.assertLess(time.time(), deadline, f"{path}: condition not met; has {sorted(events)}")
            time.sleep(0.1)

    def test_a_day_in_the_region(self):
        s = self.stack
        library = s.create_org("biblio-danville", "danville")
        town = s.create_org("ville-asbestos", "asbestos")
        club = s.create_org("club-plein-air", "wotton")
        tourism = s.create_org("tourisme-sources", "asbestos")

        # The tourism office sets up before anyone publishes.
        self.cli(tourism, "feed", "create", "culture", "--title=Culture dans les Sources",
                 "--title-en=Culture in Les Sources", "--category=culture")
        out = self.cli(tourism, "webhook", "create", self.receiver.url)
        hook = re.search(r"^webhook (\S+) created", out, re.M).group(1)
        with self.receiver.lock:
            self.receiver.secret = re.search(r"(whsec_\S+)", out).group(1)
        start = re.search(r"^next: --since=(\S*)", self.cli(tourism, "changes", "--page-size=1000"), re.M).group(1)
        watch = s.cli_popen("watch", f"--from={start}", "--output=json", "--count=8", token=tourism,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: watch.poll() is None and watch.kill())

        # 1. The library types a command.
        story = self.cli(library, "submit", "--title=Heure du conte", "--title-en=Story time",
                         f"--start={YEAR}-08-03 10:00", f"--end={YEAR}-08-03 11:00", "--municipality=danville",
                         "--category=culture", "--location=Bibliothèque de Danville").strip()
        # 2. The town hall registers the calendar it already keeps.
        self.town.body = calendar(vevent("conseil@asbestos", "Conseil municipal", 5, 19),
                                  vevent("marche@asbestos", "Marché public", 6, 9, "Place du marché", "community"),
                                  vevent("expo@asbestos", "Exposition d'art", 7, 13, "Centre culturel", "culture"))
        source = self.cli(town, "source", "add", self.town.url, "--municipality=asbestos").strip()
        self.assertIn("accepted 3", self.cli(town, "source", "poll", source))
        # 3. The club imports a file.
        path = f"{s.dir}/club.ics"
        with open(path, "wb") as f:
            f.write(calendar(vevent("rando@club", "Randonnée au mont Ham", 9, 8, "Mont Ham", "sport"),
                             vevent("velo@club", "Sortie vélo", 10, 9, "Parc", "sport")))
        self.assertIn("accepted 2", self.cli(club, "import", path, "--municipality=wotton"))

        # The resident's feed, in French and in English.
        _, events = self.feed("/feeds/all.ics", lambda ev: len(ev) >= 6)
        titles = {str(e["SUMMARY"]) for e in events.values()}
        self.assertEqual(titles, {"Heure du conte", "Conseil municipal", "Marché public", "Exposition d'art",
                                  "Randonnée au mont Ham", "Sortie vélo"})
        self.assertEqual(events[story]["DTSTART"].dt.replace(tzinfo=None), dt.datetime(YEAR, 8, 3, 10, 0))
        self.assertEqual(events[story]["DTSTART"].params["TZID"], "America/Toronto")
        cal_en, events_en = self.feed("/feeds/all.ics?lang=en", lambda ev: len(ev) >= 6)
        self.assertEqual(str(events_en[story]["SUMMARY"]), "Story time")
        self.assertEqual(set(events_en), set(events))
        town_uid = next(u for u, e in events.items() if str(e["SUMMARY"]) == "Marché public")
        _, wotton = self.feed("/feeds/municipality/wotton.ics")
        self.assertEqual({str(e["SUMMARY"]) for e in wotton.values()}, {"Randonnée au mont Ham", "Sortie vélo"})
        # The named feed: culture only, its own title.
        cal, culture = self.feed("/feeds/culture.ics", lambda ev: len(ev) >= 2)
        self.assertEqual(str(cal["X-WR-CALNAME"]), "Culture dans les Sources")
        self.assertEqual({str(e["SUMMARY"]) for e in culture.values()}, {"Heure du conte", "Exposition d'art"})

        # An update by the library, and the town hall drops the market from its calendar.
        self.cli(library, "update", story, "--title=Heure du conte (salle 2)", "--title-en=Story time (room 2)")
        self.town.body = calendar(vevent("conseil@asbestos", "Conseil municipal", 5, 19),
                                  vevent("expo@asbestos", "Exposition d'art", 7, 13, "Centre culturel", "culture"))
        self.assertIn("cancelled 1", self.cli(town, "source", "poll", source))

        _, events = self.feed("/feeds/all.ics", lambda ev: str(ev[story]["SUMMARY"]) == "Heure du conte (salle 2)"
                              and str(ev[town_uid]["STATUS"]) == "CANCELLED")
        self.assertEqual(int(events[story]["SEQUENCE"]), 1)
        self.assertTrue(str(events[town_uid]["SUMMARY"]).startswith("ANNULÉ"), events[town_uid]["SUMMARY"])
        self.assertGreaterEqual(int(events[town_uid]["SEQUENCE"]), 1)
        _, events_en = self.feed("/feeds/all.ics?lang=en", lambda ev: str(ev[town_uid]["STATUS"]) == "CANCELLED")
        self.assertTrue(str(events_en[town_uid]["SUMMARY"]).startswith("CANCELLED"))
        self.assertEqual(str(events_en[story]["SUMMARY"]), "Story time (room 2)")

        # The stream: six creations, then the update and the cancellation, in commit order.
        out, err = watch.communicate(timeout=30)
        self.assertEqual(watch.returncode, 0, err)
        changes = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([c["kind"] for c in changes], ["KIND_CREATED"] * 6 + ["KIND_UPDATED", "KIND_CANCELLED"])
        self.assertEqual(changes[6]["event"]["uid"], story)
        self.assertEqual(changes[7]["event"]["uid"], town_uid)
        # The webhook got the same changes, signed, in the same order.
        deadline = time.time() + 20
        while len(self.receiver.ids()) < 8 and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.receiver.bad_signatures, 0)
        self.assertEqual(self.receiver.ids(), [c["cursor"] for c in changes])
        self.assertEqual([b["type"] for _, b in self.receiver.received][-2:], ["event.updated", "event.cancelled"])
        self.assertIn(" 204 ", self.cli(tourism, "webhook", "deliveries", hook))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
