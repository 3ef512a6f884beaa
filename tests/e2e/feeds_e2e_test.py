#!/usr/bin/python3
"""The feeds a resident subscribes to, end to end: the real store, ingest and
publish binaries on loopback; events go in with the real CLI; feeds come out
over HTTP (urllib) and are parsed by an independent iCalendar parser
(python3-icalendar) and compared field by field with what was submitted.

usage: feeds_e2e_test.py BUILD_DIR
"""
import datetime as dt
import gzip
import json
import os
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

import icalendar

from harness import Stack, free_port, read_ready, wait_for

BUILD = sys.argv[1]
BIN = {name: os.path.join(BUILD, path) for name, path in {
    "store": "services/store/babillard-store", "ingest": "services/ingest/babillard-ingest",
    "publish": "services/publish/babillard-publish", "cli": "clients/cli/babillard"}.items()}
YEAR = dt.date.today().year + 1


def get(url, headers=None, method="GET"):
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class Feeds(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(BUILD, "feeds-e2e")
        cls.dir, cls.base = cls.stack.dir, cls.stack.base
        cls.token = cls.stack.create_org("biblio")
        deadline = time.time() + 20
        while get(cls.base + "/healthz")[0] != 200 and time.time() < deadline:
            time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    @classmethod
    def cli(cls, *args, token=None):
        return cls.stack.cli(*args, token=token or cls.token)

    def submit(self, *args):
        r = self.cli("submit", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def feed(self, path, uid, present=True, timeout=10):
        """Fetches `path` until the event `uid` is (or is not) in it: the view follows the store."""
        deadline = time.time() + timeout
        while True:
            status, headers, body = get(self.base + path)
            self.assertEqual(status, 200, body)
            cal = icalendar.Calendar.from_ical(body)
            events = {str(e["UID"]): e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e}
            if (uid in events) == present or time.time() > deadline:
                return cal, events, headers, body
            time.sleep(0.1)

    def test_a_submitted_event_reaches_the_feed_field_by_field(self):
        uid = self.submit("--title=Heure du conte", "--title-en=Story time", f"--start={YEAR}-07-04 10:00",
                          f"--end={YEAR}-07-04 11:30", "--location=Bibliothèque", "--address=1 rue Water",
                          "--municipality=danville", "--category=culture", "--url=https://danville.ca/conte",
                          "--description=Pour les 3 à 6 ans; apportez un coussin, merci")
        cal, events, headers, body = self.feed("/feeds/all.ics", uid)
        e = events[uid]
        self.assertEqual(str(e["SUMMARY"]), "Heure du conte")
        self.assertEqual(str(e["DESCRIPTION"]), "Pour les 3 à 6 ans; apportez un coussin, merci")
        self.assertEqual(str(e["LOCATION"]), "Bibliothèque, 1 rue Water")
        self.assertEqual(str(e["URL"]), "https://danville.ca/conte")
        self.assertEqual([str(c) for c in e["CATEGORIES"].cats], ["culture"])
        self.assertEqual(str(e["STATUS"]), "CONFIRMED")
        self.assertEqual(e["DTSTART"].params["TZID"], "America/Toronto")
        self.assertEqual(e["DTSTART"].dt.replace(tzinfo=None), dt.datetime(YEAR, 7, 4, 10, 0))
        self.assertEqual(e["DTEND"].dt.replace(tzinfo=None), dt.datetime(YEAR, 7, 4, 11, 30))
        self.assertEqual(int(e["SEQUENCE"]), 0)
        for prop in ("PRODID", "VERSION", "CALSCALE", "METHOD", "X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL"):
            self.assertIn(prop, cal)
        self.assertIn("America/Toronto", [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")])
        self.assertTrue(all(len(line) <= 75 for line in body.split(b"\r\n")))
        _, en, _, _ = self.feed("/feeds/all.ics?lang=en", uid)
        self.assertEqual(str(en[uid]["SUMMARY"]), "Story time")
        self.assertIn(uid, self.feed("/feeds/municipality/danville.ics", uid)[1])
        self.assertIn(uid, self.feed("/feeds/category/culture.ics", uid)[1])
        self.assertIn(uid, self.feed("/feeds/org/biblio.ics", uid)[1])
        self.assertNotIn(uid, self.feed("/feeds/category/sport.ics", uid, present=False)[1])
        self.assertNotIn(uid, self.feed("/feeds/all.ics?municipality=wotton", uid, present=False)[1])

    def test_the_json_feed_is_schema_org_events_with_their_dates(self):
        """docs/json-feed.md, field by field, through json.loads: an integrator's view."""
        uid = self.submit("--title=Atelier de poterie", "--title-en=Pottery workshop", f"--start={YEAR}-07-06 19:00",
                          f"--end={YEAR}-07-06 21:00", "--rrule=FREQ=WEEKLY;COUNT=3", "--location=Salle du Carmel",
                          "--address=35 rue du Carmel", "--municipality=danville", "--category=culture",
                          "--tag=argile", "--price=10 $", "--url=https://danville.ca/poterie")
        # Two days, the 10th and the 11th, as people say it.
        fair = self.submit("--title=Foire", f"--start={YEAR}-07-10", f"--end={YEAR}-07-11", "--all-day",
                           "--municipality=wotton", "--category=culture")
        self.assertEqual(self.cli("cancel", uid, f"--occurrence={YEAR}-07-13 19:00").returncode, 0)
        path = f"/feeds/category/culture.json?from={YEAR}-07-01&to={YEAR}-07-31"
        deadline = time.time() + 10
        while True:
            status, headers, body = get(self.base + path)
            self.assertEqual(status, 200, body)
            feed = json.loads(body)
            events = {e["identifier"]: e for e in feed["events"]}
            ready = uid in events and fair in events and any(
                o["eventStatus"].endswith("EventCancelled") for o in events[uid].get("occurrences", []))
            if ready or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertTrue(headers["Content-Type"].startswith("application/json"))
        self.assertEqual(feed["@context"], "https://schema.org")
        self.assertEqual(feed["name"], "Culture — MRC des Sources")
        self.assertEqual(feed["inLanguage"], "fr")
        self.assertEqual(feed["from"], f"{YEAR}-07-01T00:00:00Z")
        self.assertEqual(feed["to"], f"{YEAR}-08-01T00:00:00Z", "a window is whole months")
        e = events[uid]
        self.assertEqual(e["@type"], "Event")
        self.assertEqual(e["name"], "Atelier de poterie")
        self.assertEqual(e["startDate"], f"{YEAR}-07-06T19:00:00-04:00")
        self.assertEqual(e["endDate"], f"{YEAR}-07-06T21:00:00-04:00")
        self.assertEqual(e["eventStatus"], "https://schema.org/EventScheduled")
        self.assertEqual(e["location"], {"@type": "Place", "name": "Salle du Carmel", "address": "35 rue du Carmel",
                                         "containedInPlace": {"@type": "City", "identifier": "danville",
                                                              "name": "Danville"}})
        self.assertEqual(e["offers"], {"@type": "Offer", "description": "10 $"})
        self.assertEqual(e["url"], "https://danville.ca/poterie")
        self.assertEqual(e["keywords"], ["argile"])
        self.assertEqual(e["categories"], [{"identifier": "culture", "name": "Culture"}])
        self.assertEqual(e["status"], "confirmed")
        self.assertEqual(e["organization"], "biblio")
        self.assertEqual(e["timeZone"], "America/Toronto")
        self.assertEqual(e["recurrenceRule"], "FREQ=WEEKLY;COUNT=3")
        self.assertEqual([(o["startDate"], o["eventStatus"].rsplit("/", 1)[1]) for o in e["occurrences"]],
                         [(f"{YEAR}-07-06T19:00:00-04:00", "EventScheduled"),
                          (f"{YEAR}-07-13T19:00:00-04:00", "EventCancelled"),
                          (f"{YEAR}-07-20T19:00:00-04:00", "EventScheduled")])
        self.assertTrue(e["occurrences"][1]["changed"])
        self.assertRegex(e["dateModified"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # An all-day end is the last day, as people say it; the .ics DTEND is the day after.
        f = events[fair]
        self.assertEqual((f["startDate"], f["endDate"], f["allDay"]), (f"{YEAR}-07-10", f"{YEAR}-07-11", True))
        self.assertNotIn("timeZone", f)
        _, ics_events, _, _ = self.feed("/feeds/category/culture.ics", fair)
        self.assertEqual(ics_events[fair]["DTEND"].dt, dt.date(YEAR, 7, 12))
        english = json.loads(get(self.base + path + "&lang=en")[2])
        self.assertEqual(english["name"], "Culture — Les Sources RCM")
        self.assertEqual({e["identifier"]: e["name"] for e in english["events"]}[uid], "Pottery workshop")

    def test_updates_and_cancellations_reach_the_feed(self):
        uid = self.submit("--title=Vente de livres", f"--start={YEAR}-08-01 09:00", "--municipality=danville")
        _, events, headers, _ = self.feed("/feeds/all.ics", uid)
        etag = headers["ETag"]
        self.assertEqual(self.cli("update", uid, "--title=Grande vente de livres").returncode, 0)
        deadline = time.time() + 10
        while time.time() < deadline:
            _, events, headers, _ = self.feed("/feeds/all.ics", uid)
            if str(events[uid]["SUMMARY"]) == "Grande vente de livres":
                break
            time.sleep(0.1)
        self.assertEqual(str(events[uid]["SUMMARY"]), "Grande vente de livres")
        self.assertEqual(int(events[uid]["SEQUENCE"]), 1)
        self.assertNotEqual(headers["ETag"], etag, "any change changes the ETag")
        self.assertEqual(self.cli("cancel", uid).returncode, 0)
        deadline = time.time() + 10
        while time.time() < deadline:
            _, events, _, _ = self.feed("/feeds/all.ics", uid)
            if str(events[uid]["STATUS"]) == "CANCELLED":
                break
            time.sleep(0.1)
        self.assertEqual(str(events[uid]["STATUS"]), "CANCELLED")
        self.assertTrue(str(events[uid]["SUMMARY"]).startswith("ANNULÉ : "))
        self.assertEqual(int(events[uid]["SEQUENCE"]), 2)

    def test_conditional_requests_gzip_head_and_cors(self):
        self.submit("--title=Concert", f"--start={YEAR}-09-01 20:00")
        status, headers, body = get(self.base + "/feeds/all.ics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["ETag"].startswith('"'))
        self.assertEqual(headers["Access-Control-Allow-Origin"], "*")
        self.assertEqual(headers["Vary"], "Accept-Encoding")
        status, again, empty = get(self.base + "/feeds/all.ics", {"If-None-Match": headers["ETag"]})
        self.assertEqual((status, empty), (304, b""))
        self.assertEqual(again["ETag"], headers["ETag"])
        status, zipped_headers, zipped = get(self.base + "/feeds/all.ics", {"Accept-Encoding": "gzip"})
        self.assertEqual(zipped_headers["Content-Encoding"], "gzip")
        self.assertNotEqual(zipped_headers["ETag"], headers["ETag"])
        self.assertEqual(gzip.decompress(zipped), body)
        status, head, head_body = get(self.base + "/feeds/all.ics", method="HEAD")
        self.assertEqual((status, head_body), (200, b""))
        for name in ("ETag", "Content-Type", "Last-Modified", "Content-Length"):
            self.assertEqual(head[name], headers[name], name)

    def test_bad_paths_and_filters_are_plain_400_and_404(self):
        status, _, body = get(self.base + "/feeds/all.ics?category=Not%20A%20Slug")
        self.assertEqual(status, 400)
        self.assertIn(b"category", body)
        self.assertEqual(get(self.base + "/feeds/all.ics?colour=red")[0], 400)
        self.assertEqual(get(self.base + "/feeds/nowhere/at/all.ics")[0], 404)
        self.assertEqual(get(self.base + "/feeds/all.ics?lang=de")[0], 400)

    def test_the_region_file_says_what_exists_and_what_feeds_are_called(self):
        # A typo in a subscription URL is a one-line 404 naming it and what exists, not "no events".
        for path, unknown in (("/feeds/municipality/nowhere.ics", b'municipality "nowhere"'),
                              ("/feeds/category/cultur.ics", b'category "cultur"'),
                              ("/feeds/all.ics?municipality=danville,wottn", b'municipality "wottn"'),
                              ("/feeds/org/nobody.ics", b'organization "nobody"')):
            status, headers, body = get(self.base + path)
            self.assertEqual(status, 404, path)
            self.assertIn(unknown, body, path)
            self.assertEqual(body.count(b"\n"), 1, body)
            self.assertTrue(headers["Content-Type"].startswith("text/plain"), path)
        self.assertIn(b"danville, ham-sud", get(self.base + "/feeds/municipality/nowhere.ics")[2])
        # Filtered feeds are named in the subscriber's language from the region's names.
        uid = self.submit("--title=Vernissage", f"--start={YEAR}-08-01 17:00", "--municipality=Wotton",
                          "--category=culture")
        cal, _, _, _ = self.feed("/feeds/category/culture.ics", uid)
        self.assertEqual(str(cal["X-WR-CALNAME"]), "Culture — MRC des Sources")
        cal, _, _, _ = self.feed("/feeds/category/culture.ics?lang=en", uid)
        self.assertEqual(str(cal["X-WR-CALNAME"]), "Culture — Les Sources RCM")
        cal, _, _, _ = self.feed("/feeds/all.ics?lang=en", uid)
        self.assertEqual(str(cal["X-WR-CALNAME"]), "Les Sources RCM")
        # The town's name before 2020 still reaches it.
        cal, events, _, _ = self.feed("/feeds/municipality/asbestos.ics", uid, present=False)
        self.assertEqual(str(cal["X-WR-CALNAME"]), "Val-des-Sources — MRC des Sources")
        # Ingest refuses what the region does not have, naming the field and listing what it has.
        r = self.cli("submit", "--title=Ailleurs", f"--start={YEAR}-08-02 17:00", "--municipality=sherbrooke")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("location.municipality", r.stderr)
        self.assertIn("danville, ham-sud", r.stderr)
        r = self.cli("submit", "--title=Jazz", f"--start={YEAR}-08-02 17:00", "--category=jazz")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('unknown category "jazz"', r.stderr)
        self.assertIn("culture", r.stderr)
        r = self.stack.cli("org", "create", "--slug=club-x", "--name=Club X", "--municipality=nulle-part",
                           token=self.stack.admin)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("organization.municipality", r.stderr)
        # A region file with a mistake stops the process before it serves anything.
        bad = os.path.join(self.dir, "bad-region.textproto")
        with open(bad, "w") as f:
            f.write('name { fr: "X" }\ntime_zone: "Mars/Olympus"\nlanguages: "fr"\n')
        for binary in ("ingest", "publish"):
            r = subprocess.run([BIN[binary], f"--region={bad}", f"--store=127.0.0.1:{free_port()}",
                                "--listen=127.0.0.1:0", "--http=127.0.0.1:0" if binary == "publish" else
                                f"--data-dir={self.dir}/bad-ingest"], capture_output=True, text=True, timeout=30)
            self.assertNotEqual(r.returncode, 0, binary)
            self.assertIn("time_zone", r.stderr + r.stdout, binary)

    def test_before_the_first_snapshot_feeds_answer_503_never_an_empty_200(self):
        log = open(os.path.join(self.dir, "publish-orphan.log"), "w")
        # A store address where nothing listens: the first snapshot never comes.
        p = subprocess.Popen([BIN["publish"], f"--store=127.0.0.1:{free_port()}", "--http=127.0.0.1:0",
                              "--listen=127.0.0.1:0", f"--ready-file={self.dir}/orphan.ready"],
                             stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(f"{self.dir}/orphan.ready", p)
            http = read_ready(f"{self.dir}/orphan.ready")["http"]
            status, headers, _ = get(f"{http}/feeds/all.ics")
            self.assertEqual(status, 503)
            self.assertIn("Retry-After", headers)
        finally:
            p.terminate()
            p.wait(timeout=20)
            log.close()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
