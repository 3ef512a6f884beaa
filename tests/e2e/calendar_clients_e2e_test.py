#!/usr/bin/python3
"""The feed as calendar clients poll it, over real HTTP against the real
binaries: a Thunderbird-like poller (If-None-Match), an Apple-like one
(If-Modified-Since only), a Google-like one (no conditional header, no
Accept), and ETags across a publish restart.

usage: calendar_clients_e2e_test.py BUILD_DIR
"""
import datetime as dt
import sys
import time
import unittest
import urllib.error
import urllib.request

import icalendar

from harness import Stack, http_fetch as get

BUILD = sys.argv[1]
YEAR = dt.date.today().year + 1
FEED = "/feeds/org/club.ics"


def uids(body):
    return {str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


class CalendarClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(BUILD, "clients-e2e", publish_args=["--feed-cache-max-age=15m"])
        cls.token = cls.stack.create_org("club")
        cls.count = 0
        cls.submit()
        deadline = time.time() + 20
        while get(cls.stack.base + "/healthz")[0] != 200 and time.time() < deadline:
            time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    @classmethod
    def submit(cls):
        cls.count += 1
        r = cls.stack.cli("submit", f"--title=Activité {cls.count}",
                          f"--start={YEAR}-03-{1 + cls.count % 28:02d} 10:00", token=cls.token)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def fetch_until(self, uid, headers=None):
        """200s until `uid` is in the feed (the view follows the store): each a whole calendar."""
        deadline = time.time() + 20
        while True:
            status, h, body = get(self.stack.base + FEED, headers)
            if status == 200:
                self.assertIn(b"END:VCALENDAR", body)  # never an empty or cut 200
                if uid in uids(body):
                    return h, body
            elif status != 304:
                self.fail(f"HTTP {status}: {body[:200]}")
            self.assertLess(time.time(), deadline, f"{uid} never reached the feed")
            time.sleep(0.05)

    def test_thunderbird_gets_304_exactly_when_nothing_changed(self):
        uid = self.submit()
        headers, body = self.fetch_until(uid)
        etag = headers["ETag"]
        changes = 0
        for poll in range(100):
            if poll % 10 == 5:
                uid = self.submit()
                changes += 1
                headers, body = self.fetch_until(uid, {"If-None-Match": etag})
                self.assertNotEqual(headers["ETag"], etag)
                etag = headers["ETag"]
                continue
            status, h, body = get(self.stack.base + FEED, {"If-None-Match": etag})
            self.assertEqual((status, body), (304, b""), f"poll {poll}: nothing changed")
            self.assertEqual(h["ETag"], etag)
        self.assertEqual(changes, 10)

    def test_apple_never_has_a_change_hidden_behind_a_304(self):
        uid = self.submit()
        headers, _ = self.fetch_until(uid)
        since = headers["Last-Modified"]
        status, _, _ = get(self.stack.base + FEED, {"If-Modified-Since": since})
        self.assertEqual(status, 304)
        # A change right away (within the same second, often): the next poll
        # with the old date must see it.
        uid = self.submit()
        self.fetch_until(uid)
        status, h, body = get(self.stack.base + FEED, {"If-Modified-Since": since})
        self.assertEqual(status, 200)
        self.assertIn(uid, uids(body))
        self.assertNotEqual(h["Last-Modified"], since)

    def test_google_without_any_header_gets_the_whole_calendar_and_a_cache_lifetime(self):
        uid = self.submit()
        self.fetch_until(uid)
        request = urllib.request.Request(self.stack.base + FEED, headers={"Accept": ""})
        with urllib.request.urlopen(request, timeout=10) as r:
            self.assertEqual(r.status, 200)
            self.assertTrue(r.headers["Content-Type"].startswith("text/calendar"))
            self.assertEqual(r.headers["Cache-Control"], "public, max-age=900")
            self.assertIn(uid, uids(r.read()))

    def test_the_etag_survives_a_publish_restart_when_the_data_is_the_same(self):
        uid = self.submit()
        headers, body = self.fetch_until(uid)
        self.stack.kill("publish", 15)
        self.stack.start_publish()
        deadline = time.time() + 20
        while get(self.stack.base + "/healthz")[0] != 200 and time.time() < deadline:
            time.sleep(0.1)
        status, h, again = get(self.stack.base + FEED, {"If-None-Match": headers["ETag"]})
        self.assertEqual(status, 304, "same data, same ETag: clients do not download it again")
        status, h, again = get(self.stack.base + FEED)
        self.assertEqual(h["ETag"], headers["ETag"])
        self.assertEqual(again, body)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
