#!/usr/bin/python3
"""The feeds a resident subscribes to, end to end: the real store, ingest and
publish binaries on loopback; events go in with the real CLI; feeds come out
over HTTP (urllib) and are parsed by an independent iCalendar parser
(python3-icalendar) and compared field by field with what was submitted.

usage: feeds_e2e_test.py BUILD_DIR
"""
import datetime as dt
import gzip
import os
import re
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
        status, headers, body = get(self.base + "/feeds/all.json")
        self.assertEqual(status, 200)
        self.assertIn(uid, body.decode())

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
