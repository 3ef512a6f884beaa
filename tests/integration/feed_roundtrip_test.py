#!/usr/bin/python3
"""Round trip through the iCalendar core, checked by an independent parser.

The region's generated calendar (bench/gen_ics.py) and every accepted corpus
file go through `babillard-ics feed`; python3-icalendar parses both the input
and babillard's feed, and every field babillard keeps is compared. The feed's
shape is checked byte by byte: CRLF, lines of at most 75 octets, no UTF-8
character split by folding, a VTIMEZONE for every TZID, one master per UID.

usage: feed_roundtrip_test.py BABILLARD_ICS SOURCE_DIR CORPUS_DIR
"""
import datetime as dt
import os
import subprocess
import sys
import tempfile
import unittest

import icalendar

TOOL, SOURCE_DIR, CORPUS_DIR = sys.argv[1:4]


def feed(path, lang="fr"):
    out = subprocess.run([TOOL, "feed", path, f"--lang={lang}"], capture_output=True, check=True)
    return out.stdout


def utc(value):
    """A DTSTART/DTEND value as a comparable instant (dates stay dates)."""
    v = value.dt
    if isinstance(v, dt.datetime):
        if v.tzinfo is None:
            return ("floating", v)
        return v.astimezone(dt.timezone.utc)
    return v


def masters(cal):
    return {str(c["UID"]): c for c in cal.walk("VEVENT") if "RECURRENCE-ID" not in c}


def overrides(cal):
    return sorted((str(c["UID"]), utc(c["RECURRENCE-ID"])) for c in cal.walk("VEVENT")
                  if "RECURRENCE-ID" in c)


class FeedShape:
    def check_shape(self, data):
        self.assertTrue(data.startswith(b"BEGIN:VCALENDAR\r\n"))
        self.assertTrue(data.endswith(b"END:VCALENDAR\r\n"))
        self.assertNotIn(b"\r\r", data)
        for line in data.split(b"\r\n"):
            self.assertNotIn(b"\n", line, "bare LF")
            self.assertLessEqual(len(line), 75, line)
            if line.startswith(b" "):
                # A folded continuation never starts inside a UTF-8 sequence.
                self.assertNotEqual(line[1] & 0xC0 if len(line) > 1 else 0, 0x80, line)
        data.decode("utf-8")  # strict: raises on any invalid byte
        cal = icalendar.Calendar.from_ical(data)
        for prop in ("PRODID", "VERSION", "CALSCALE", "METHOD", "REFRESH-INTERVAL",
                     "X-PUBLISHED-TTL"):
            self.assertIn(prop, cal, prop)
        self.assertEqual(str(cal["METHOD"]), "PUBLISH")
        defined = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
        for ev in cal.walk("VEVENT"):
            for prop in ("DTSTART", "DTEND", "RECURRENCE-ID"):
                if prop in ev and "TZID" in ev[prop].params:
                    self.assertIn(ev[prop].params["TZID"], defined, f"{prop} zone without VTIMEZONE")
        uids = [str(c["UID"]) for c in cal.walk("VEVENT") if "RECURRENCE-ID" not in c]
        self.assertEqual(len(uids), len(set(uids)), "one master per UID")
        return cal


class GeneratedRegionRoundTrip(unittest.TestCase, FeedShape):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        subprocess.run(["/usr/bin/python3", os.path.join(SOURCE_DIR, "bench/gen_ics.py"), "--events",
                        "400", "--seed", "7", "--year", "2026", "--out", cls.tmp.name, "--no-orgs"],
                       check=True, capture_output=True)
        cls.source_path = os.path.join(cls.tmp.name, "feed-400.ics")
        with open(cls.source_path, "rb") as f:
            cls.source = icalendar.Calendar.from_ical(f.read())

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_field_survives(self):
        out = self.check_shape(feed(self.source_path, "fr"))
        want, got = masters(self.source), masters(out)
        self.assertEqual(set(want), set(got))
        self.assertGreater(len(want), 300)
        for uid, a in want.items():
            b = got[uid]
            with self.subTest(uid=uid):
                self.assertEqual(utc(a["DTSTART"]), utc(b["DTSTART"]))
                if "DTEND" in a:
                    self.assertEqual(utc(a["DTEND"]), utc(b["DTEND"]))
                title = str(b["SUMMARY"])
                if str(a.get("STATUS", "")) == "CANCELLED":
                    self.assertTrue(title.startswith("ANNULÉ : "), title)
                    title = title[len("ANNULÉ : "):]
                self.assertEqual(str(a["SUMMARY"]), title)
                for prop in ("DESCRIPTION", "LOCATION", "URL", "STATUS"):
                    if prop in a:
                        self.assertEqual(str(a[prop]), str(b[prop]), prop)
                self.assertEqual(a.get("SEQUENCE", 0), b.get("SEQUENCE", 0))
                if "GEO" in a:
                    self.assertAlmostEqual(a["GEO"].latitude, b["GEO"].latitude, places=5)
                    self.assertAlmostEqual(a["GEO"].longitude, b["GEO"].longitude, places=5)
                if "RRULE" in a:
                    ra, rb = dict(a["RRULE"]), dict(b["RRULE"])
                    for key in ("FREQ", "COUNT", "INTERVAL", "BYDAY", "BYMONTHDAY"):
                        self.assertEqual(ra.get(key), rb.get(key), key)
                    if "UNTIL" in ra:
                        def until(v):
                            return v.astimezone(dt.timezone.utc) if isinstance(v, dt.datetime) else v
                        self.assertEqual(until(ra["UNTIL"][0]), until(rb["UNTIL"][0]))
                if "EXDATE" in a:
                    def instants(c):
                        values = c["EXDATE"] if isinstance(c["EXDATE"], list) else [c["EXDATE"]]
                        return sorted(utc(d) for v in values for d in v.dts)
                    self.assertEqual(instants(a), instants(b))
                if "CATEGORIES" in a:
                    self.assertEqual(set(map(str, a["CATEGORIES"].cats)),
                                     set(map(str, b["CATEGORIES"].cats)))
        self.assertEqual(overrides(self.source), overrides(out))

    def test_english_feed_is_valid_and_labelled(self):
        out = self.check_shape(feed(self.source_path, "en"))
        for ev in out.walk("VEVENT"):
            self.assertEqual(ev["SUMMARY"].params.get("LANGUAGE"), "en")


class CorpusFeedsParse(unittest.TestCase, FeedShape):
    def test_every_accepted_corpus_file_gives_a_valid_feed(self):
        if not os.path.isdir(CORPUS_DIR):
            self.skipTest(f"corpus not found at {CORPUS_DIR}")
        checked = 0
        for root, _, files in os.walk(CORPUS_DIR):
            for name in sorted(files):
                path = os.path.join(root, name)
                run = subprocess.run([TOOL, "feed", path], capture_output=True)
                if run.returncode != 0:
                    self.assertTrue(run.stderr.strip(), f"{name}: rejected without a message")
                    continue
                with self.subTest(file=name):
                    cal = self.check_shape(run.stdout)
                    check = subprocess.run([TOOL, "check", path], capture_output=True, text=True)
                    events = int(check.stdout.split("\n")[0].split(": ")[1])
                    self.assertEqual(len(masters(cal)), events)
                    checked += 1
        self.assertGreater(checked, 40)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
