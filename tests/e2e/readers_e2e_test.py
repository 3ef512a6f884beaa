#!/usr/bin/python3
"""What calendar apps make of babillard's feeds. Tricky calendars go in the way
an organization sends them (the real CLI's import, the real ingest, store and
publish); the public feed comes out over HTTP and is read by readers babillard
does not contain: python3-icalendar with recurring-ical-events,
python3-vobject and ical.js (npm, pinned in tests/package.json). Each must list the same occurrences (UID, start and end
instants, cancelled or not, title) in a window, and those must equal babillard's own
expansion of the same feed (babillard-ics expand).

usage: readers_e2e_test.py BUILD_DIR CORPUS_DIR
"""
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import icalendar
import recurring_ical_events
import vobject

from harness import Stack

BUILD = sys.argv[1]
CORPUS = sys.argv[2]  # ../shared/corpus/ics
ICS_TOOL = os.path.join(BUILD, "clients/cli/babillard-ics")
YEAR = dt.date.today().year + 1
UTC = dt.timezone.utc
WINDOW = (dt.datetime(YEAR, 1, 1, tzinfo=UTC), dt.datetime(YEAR + 1, 1, 1, tzinfo=UTC))


def first_sunday(month, nth=1):
    day = dt.date(YEAR, month, 1)
    day += dt.timedelta(days=(6 - day.weekday()) % 7)
    return day + dt.timedelta(weeks=nth - 1)


FALL_BACK = first_sunday(11)     # 01:00-02:00 happens twice in America/Toronto
SPRING_FORWARD = first_sunday(3, 2)  # 02:00-03:00 does not happen


def calendar(*events):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//club//agenda//FR\r\n" + "".join(events) +
            "END:VCALENDAR\r\n")


def vevent(uid, lines):
    return f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{YEAR}0101T000000Z\r\n{lines}END:VEVENT\r\n"


# The cases, as organizations' own calendar programs write them.
CASES = {
    # A weekly activity with one instance moved: the override carries the
    # source's UID, as every exporter writes it.
    "moved": calendar(
        vevent("atelier@club", f"DTSTART;TZID=America/Toronto:{YEAR}0106T190000\r\n"
                               f"DTEND;TZID=America/Toronto:{YEAR}0106T203000\r\n"
                               "RRULE:FREQ=WEEKLY;COUNT=6\r\nSUMMARY:Atelier\r\nLOCATION:Salle du Carmel\r\n"),
        vevent("atelier@club", f"RECURRENCE-ID;TZID=America/Toronto:{YEAR}0120T190000\r\n"
                               f"DTSTART;TZID=America/Toronto:{YEAR}0121T180000\r\n"
                               f"DTEND;TZID=America/Toronto:{YEAR}0121T193000\r\n"
                               "SUMMARY:Atelier (déplacé)\r\n")),
    # One hour starting at the first 01:30 of the night clocks fall back.
    "fall_back": calendar(
        vevent("nuit@club", f"DTSTART;TZID=America/Toronto:{FALL_BACK:%Y%m%d}T013000\r\n"
                            "DURATION:PT1H\r\nSUMMARY:Nuit de l'heure\r\n")),
    # 02:30 on the night clocks spring forward does not exist: RFC 5545 reads
    # it with the offset before the gap (03:30 EDT).
    "spring_gap": calendar(
        vevent("gap@club", f"DTSTART;TZID=America/Toronto:{SPRING_FORWARD:%Y%m%d}T023000\r\n"
                           "DURATION:PT30M\r\nSUMMARY:Dans le trou\r\n")),
    # A series whose exporter wrote the EXDATE in UTC (Google does).
    "exdate_utc": calendar(
        vevent("yoga@club", f"DTSTART;TZID=America/Toronto:{YEAR}0203T093000\r\n"
                            f"DTEND;TZID=America/Toronto:{YEAR}0203T103000\r\n"
                            "RRULE:FREQ=DAILY;COUNT=4\r\n"
                            f"EXDATE:{YEAR}0204T143000Z\r\nSUMMARY:Yoga\r\n")),
    # Floating times (no TZID: the region's time), and a long title in several
    # scripts that the feed folds across lines.
    "floating_utf8": calendar(
        vevent("flottant@club", f"DTSTART:{YEAR}0815T140000\r\nDTEND:{YEAR}0815T160000\r\n"
                                "SUMMARY:Pique-nique flottant\r\n"),
        vevent("long@club", f"DTSTART;TZID=America/Toronto:{YEAR}0901T190000\r\nDURATION:PT2H\r\n"
                            "SUMMARY:" + "Fête à l'érable — ça déménage ! " * 8 + "🍁 小さな祭り Ελληνικά\r\n")),
    # RDATEs beside a rule, and a multi-day all-day event.
    "rdate_allday": calendar(
        vevent("marche@club", f"DTSTART;TZID=America/Toronto:{YEAR}0605T080000\r\n"
                              f"DTEND;TZID=America/Toronto:{YEAR}0605T120000\r\n"
                              "RRULE:FREQ=WEEKLY;COUNT=2\r\n"
                              f"RDATE;TZID=America/Toronto:{YEAR}0620T080000\r\n"
                              "SUMMARY:Marché\r\n"),
        vevent("festival@club", f"DTSTART;VALUE=DATE:{YEAR}0710\r\nDTEND;VALUE=DATE:{YEAR}0713\r\n"
                                "SUMMARY:Festival\r\n")),
}


# Files of the shared corpus that real programs wrote and babillard accepts:
# each goes in as its organization would send it, and every reader must read
# the public feed as babillard does, over the two years its events start in.
CORPUS_CALENDARS = [
    "allenporter-ical/apple_ical.ics",                 # America/Los_Angeles with an LMT offset
    "allenporter-ical/google_calendar_public_holidays.ics",
    "allenporter-ical/recurring_with_single_change.ics",
    "allenporter-ical/office_360_nz_tz.ics",           # southern DST
    "ical.js/google_birthday.ics",                      # yearly all-day with overrides
    "ical.js/recur_instances.ics",                      # RRULE + RDATE PERIOD + EXDATE + overrides
    "ical.js/day_long_recur_yearly.ics",
    "ical4j/friday13.ics",
    "ical4j/dst-only-vtimezone.ics",
    "node-ical/daily-count-exdate-recurrence-id.ics",
    "node-ical/exchange_whole_day_moved_recurrence.ics",
    "node-ical/google-calendar-kiev-tz.ics",            # the override before its master
    "node-ical/whole_day_moved_over_dst_change_berlin.ics",
    "node-ical/tentative-apple-calendar.ics",
    "node-ical/Office-2012-owa.ics",
    "node-ical/bad_ms_tz.ics",
    "python-icalendar/issue_218_bad_tzid.ics",           # a zone named UTC+11, its own VTIMEZONE
    "node-ical/windows-quoted-tz-rrule.ics",            # EXDATEs in another zone than DTSTART
    "python-icalendar/issue_722_timezone_transition_ambiguity.ics",
    "synthetic/allday_multiday_and_override.ics",
    "synthetic/dst_gap_and_overlap_new_york.ics",
    "synthetic/tzid_windows_no_vtimezone.ics",
]


def instant(value):
    """A reader's start or end as a UTC datetime (dates as midnight in Toronto)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise AssertionError(f"floating time {value} in a feed")
        return value.astimezone(UTC)
    import zoneinfo
    return dt.datetime(value.year, value.month, value.day,
                       tzinfo=zoneinfo.ZoneInfo("America/Toronto")).astimezone(UTC)


def with_recurring_ical_events(body, window=WINDOW):
    cal = icalendar.Calendar.from_ical(body)
    out = set()
    for e in recurring_ical_events.of(cal).between(window[0], window[1]):
        start = instant(e["DTSTART"].dt)
        end = instant(e["DTEND"].dt) if "DTEND" in e else start + e["DURATION"].dt
        out.add((str(e["UID"]), start, end, str(e.get("STATUS", "")).upper() == "CANCELLED",
                 str(e.get("SUMMARY", ""))))
    return out


def with_vobject(body, window=WINDOW):
    """vobject expands a master's rule; overrides replace the instance they name, as apps do."""
    # vobject keeps the first VTIMEZONE it saw for a TZID for the whole process;
    # each feed is read as an app reading it alone would.
    getattr(vobject.icalendar, "__tzidMap").clear()
    cal = vobject.readOne(body.decode())
    masters, overrides = [], []
    for e in cal.vevent_list:
        (overrides if hasattr(e, "recurrence_id") else masters).append(e)
    out = set()
    for m in masters:
        uid = m.uid.value
        length = (m.dtend.value - m.dtstart.value) if hasattr(m, "dtend") else m.duration.value
        replaced = {instant(o.recurrence_id.value) for o in overrides if o.uid.value == uid}
        cancelled = hasattr(m, "status") and m.status.value.upper() == "CANCELLED"
        starts = m.getrruleset(addRDate=True) if m.rruleset is not None else [m.dtstart.value]
        all_day = not isinstance(m.dtstart.value, dt.datetime)
        for s in starts:  # in order, and without end for a rule without COUNT or UNTIL
            if all_day and isinstance(s, dt.datetime):
                s = s.date()  # dateutil gives a date's instances as naive datetimes
            if instant(s) >= window[1]:
                break
            if instant(s) in replaced:
                continue
            out.add((uid, instant(s), instant(s + length), cancelled, m.summary.value))
    for o in overrides:
        length = (o.dtend.value - o.dtstart.value) if hasattr(o, "dtend") else o.duration.value
        out.add((o.uid.value, instant(o.dtstart.value), instant(o.dtstart.value + length),
                 hasattr(o, "status") and o.status.value.upper() == "CANCELLED", o.summary.value))
    return {x for x in out if x[2] > window[0] and x[1] < window[1]}


ICALJS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "icaljs_occurrences.mjs")


def with_icaljs(body, window=WINDOW):
    """ical.js 2.2.1 (tests/package.json), as Thunderbird and web calendars read."""
    with tempfile.NamedTemporaryFile(suffix=".ics") as f:
        f.write(body)
        f.flush()
        r = subprocess.run(["node", ICALJS, f.name, f"{window[0]:%Y-%m-%d}", f"{window[1]:%Y-%m-%d}"],
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return parse_occurrences(r.stdout)


def parse_occurrences(text):
    out = set()
    for line in text.splitlines():
        head, _, title = line.partition("\t")
        parts = head.split()
        if not parts:
            continue
        parse = lambda s: (instant(dt.date.fromisoformat(s)) if len(s) == 10 else
                           dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC))
        out.add((parts[0], parse(parts[1]), parse(parts[2]), "cancelled" in parts[3:], title))
    return out


def with_babillard(body, window=WINDOW):
    with tempfile.NamedTemporaryFile(suffix=".ics") as f:
        f.write(body)
        f.flush()
        r = subprocess.run([ICS_TOOL, "expand", f.name, f"--from={window[0]:%Y-%m-%d}", f"--to={window[1]:%Y-%m-%d}"],
                           capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return parse_occurrences(r.stdout)


def toronto(y, m, d, h, mi):
    import zoneinfo
    return dt.datetime(y, m, d, h, mi, tzinfo=zoneinfo.ZoneInfo("America/Toronto")).astimezone(UTC)


class Readers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(BUILD, "readers-e2e")
        cls.token = cls.stack.create_org("club")
        for name, text in CASES.items():
            path = os.path.join(cls.stack.dir, f"{name}.ics")
            with open(path, "w") as f:
                f.write(text)
            r = cls.stack.cli("import", path, token=cls.token)
            assert r.returncode == 0 and "rejected 0" in r.stdout, (name, r.stdout, r.stderr)
        # The region as bench/gen_ics.py makes it: 300 events of 56 organizations in one file.
        cls.stack.import_region("region", events=300, seed=7, year=YEAR)

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def feed(self, until=lambda body: True, org="club", window=WINDOW):
        deadline = time.time() + 60  # a loaded CI machine
        while True:
            with urllib.request.urlopen(self.stack.base + f"/feeds/org/{org}.ics?from=" +
                                        f"{window[0]:%Y-%m-%d}&to={window[1]:%Y-%m-%d}",
                                        timeout=10) as r:
                body = r.read()
            if until(body) or time.time() > deadline:
                return body
            time.sleep(0.1)

    def occurrences(self, body, window=WINDOW, what="the feed"):
        """Every reader's occurrences; they must agree, and with babillard's."""
        ours = with_babillard(body, window)
        for name, reader in {"recurring-ical-events": with_recurring_ical_events,
                             "vobject": with_vobject, "ical.js": with_icaljs}.items():
            theirs = reader(body, window)
            show = lambda xs: "\n  ".join(f"{u} {a:%Y-%m-%dT%H:%MZ}..{b:%Y-%m-%dT%H:%MZ}"
                                          f"{' cancelled' if c else ''} {t!r}"
                                          for u, a, b, c, t in sorted(xs))
            self.assertEqual(theirs, ours, f"{name} reads {what} differently:\n only {name}:\n  "
                             f"{show(theirs - ours)}\n only babillard:\n  {show(ours - theirs)}")
        return ours

    def of(self, occurrences, uid):
        return sorted(o for o in occurrences if o[0] == uid)

    def test_a_moved_instance_stays_with_its_series(self):
        body = self.feed(lambda b: b"club/atelier@club" in b)
        cal = icalendar.Calendar.from_ical(body)
        uids = {str(e["UID"]) for e in cal.walk("VEVENT") if "atelier" in str(e["UID"])}
        self.assertEqual(uids, {"club/atelier@club"}, "the override keeps the series' stored UID")
        atelier = self.of(self.occurrences(body), "club/atelier@club")
        starts = [o[1] for o in atelier]
        self.assertEqual(len(atelier), 6)
        self.assertIn(toronto(YEAR, 1, 21, 18, 0), starts)
        self.assertNotIn(toronto(YEAR, 1, 20, 19, 0), starts, "the original date is gone")

    def test_a_series_merged_with_another_organizations_copy_keeps_its_moved_instance(self):
        """The merge path (#8 item 1): a second organization imports the same
        weekly activity with its moved instance; the region's feed shows one
        series, the override with the series' UID, for every reader."""
        self.feed(lambda b: b"club/atelier@club" in b)
        path = os.path.join(self.stack.dir, "copy.ics")
        with open(path, "w") as f:
            f.write(CASES["moved"].replace("atelier@club", "atelier@ville"))
        r = self.stack.cli("import", path, token=self.stack.create_org("ville"))
        self.assertEqual(r.returncode, 0, r.stderr)
        deadline = time.time() + 60  # a loaded CI machine
        while True:
            with urllib.request.urlopen(self.stack.base + f"/feeds/all.ics?from={YEAR}-01-01&to={YEAR}-03-01",
                                        timeout=10) as resp:
                body = resp.read()
            listed = self.stack.cli("list", "--output=json", "--org=ville", f"--from={YEAR}-01-01",
                                    token=self.stack.admin).stdout
            if "duplicate" in listed.lower() or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertIn("duplicate", listed.lower(), "the copy was merged")
        cal = icalendar.Calendar.from_ical(body)
        uids = {str(e["UID"]) for e in cal.walk("VEVENT") if "atelier" in str(e["UID"])}
        self.assertEqual(len(uids), 1, f"one series in the region's feed: {uids}")
        (uid,) = uids
        atelier = self.of(self.occurrences(body, (WINDOW[0], dt.datetime(YEAR, 3, 1, tzinfo=UTC))), uid)
        starts = [o[1] for o in atelier]
        self.assertEqual(len(atelier), 6)
        self.assertIn(toronto(YEAR, 1, 21, 18, 0), starts)
        self.assertNotIn(toronto(YEAR, 1, 20, 19, 0), starts)

    def test_an_hour_at_the_first_0130_of_fall_back_lasts_an_hour_for_every_reader(self):
        body = self.feed(lambda b: b"club/nuit@club" in b)
        (uid, start, end, _, _), = self.of(self.occurrences(body), "club/nuit@club")
        self.assertEqual(start, toronto(FALL_BACK.year, FALL_BACK.month, FALL_BACK.day, 1, 30))
        self.assertEqual(end - start, dt.timedelta(hours=1))

    def test_a_time_in_the_spring_gap_is_read_as_rfc_5545_says(self):
        body = self.feed(lambda b: b"club/gap@club" in b)
        (_, start, end, _, _), = self.of(self.occurrences(body), "club/gap@club")
        # 02:30 with the offset before the gap (EST, -5) is 07:30Z, 03:30 EDT.
        self.assertEqual(start, dt.datetime(SPRING_FORWARD.year, SPRING_FORWARD.month,
                                            SPRING_FORWARD.day, 7, 30, tzinfo=UTC))
        self.assertEqual(end - start, dt.timedelta(minutes=30))

    def test_an_exdate_in_another_zone_removes_its_instance(self):
        body = self.feed(lambda b: b"club/yoga@club" in b)
        yoga = self.of(self.occurrences(body), "club/yoga@club")
        self.assertEqual([o[1] for o in yoga], [toronto(YEAR, 2, d, 9, 30) for d in (3, 5, 6)])

    def test_floating_times_are_the_regions_and_long_utf8_titles_survive_folding(self):
        body = self.feed(lambda b: b"club/long@club" in b)
        both = self.occurrences(body)
        (_, start, _, _, _), = self.of(both, "club/flottant@club")
        self.assertEqual(start, toronto(YEAR, 8, 15, 14, 0))
        (_, _, _, _, title), = self.of(both, "club/long@club")
        self.assertTrue(title.endswith("🍁 小さな祭り Ελληνικά"), title)
        self.assertEqual(len(title), len("Fête à l'érable — ça déménage ! " * 8 + "🍁 小さな祭り Ελληνικά"))

    def test_calendars_of_the_corpus_read_the_same_in_every_reader(self):
        for n, name in enumerate(CORPUS_CALENDARS):
            with self.subTest(calendar=name):
                slug = f"corpus-{n:02d}"
                token = self.stack.create_org(slug)
                r = self.stack.cli("import", os.path.join(CORPUS, name), token=token)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn("rejected 0", r.stdout)
                with open(os.path.join(CORPUS, name), encoding="utf-8", errors="replace") as f:
                    # The events' DTSTARTs, not the VTIMEZONEs'.
                    events = [e.split("END:VEVENT")[0] for e in f.read().split("BEGIN:VEVENT")[1:]]
                year = min(int(m) for e in events
                           for m in re.findall(r"^DTSTART[^\n]*:(\d{4})\d{4}(?:T\d{6}Z?)?\r?$", e, re.M))
                window = (dt.datetime(year, 1, 1, tzinfo=UTC), dt.datetime(year + 2, 1, 1, tzinfo=UTC))
                body = self.feed(lambda b: f"UID:{slug}/".encode() in b, org=slug, window=window)
                listed = [o for o in self.occurrences(body, window, name) if o[0].startswith(slug + "/")]
                self.assertGreater(len(listed), 0)

    def test_the_generated_region_reads_the_same_in_every_reader(self):
        body = self.feed(lambda b: b"region/" in b, org="region")
        region = [o for o in self.occurrences(body) if o[0].startswith("region/")]
        self.assertGreater(len(region), 500)  # 300 events, 43 of them recurring

    def test_rdates_and_multi_day_all_day_events(self):
        body = self.feed(lambda b: b"club/festival@club" in b)
        both = self.occurrences(body)
        self.assertEqual([o[1] for o in self.of(both, "club/marche@club")],
                         [toronto(YEAR, 6, 5, 8, 0), toronto(YEAR, 6, 12, 8, 0), toronto(YEAR, 6, 20, 8, 0)])
        (_, start, end, _, _), = self.of(both, "club/festival@club")
        self.assertEqual(end - start, dt.timedelta(days=3))

    def test_cancelling_one_date_of_a_series_shows_it_cancelled_to_every_reader(self):
        self.feed(lambda b: b"club/yoga@club" in b)
        r = self.stack.cli("cancel", "club/yoga@club", f"--occurrence={YEAR}-02-05 09:30",
                           "--reason=Salle fermée", token=self.token)
        self.assertEqual(r.returncode, 0, r.stderr)
        body = self.feed(lambda b: b"STATUS:CANCELLED" in b and b"club/yoga@club" in b)
        yoga = self.of(self.occurrences(body), "club/yoga@club")
        self.assertEqual([(o[1], o[3]) for o in yoga],
                         [(toronto(YEAR, 2, 3, 9, 30), False), (toronto(YEAR, 2, 5, 9, 30), True),
                          (toronto(YEAR, 2, 6, 9, 30), False)])
        # A date the series does not have is refused, naming the field.
        r = self.stack.cli("cancel", "club/yoga@club", f"--occurrence={YEAR}-02-05 10:30",
                           token=self.token)
        self.assertEqual(r.returncode, 1)
        self.assertIn("occurrence", r.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[3:], verbosity=2)
