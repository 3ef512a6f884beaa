#!/usr/bin/python3
"""Drills with the real binaries, a real Redis of the test's own and real clients:

- under a write load (CLI submits from several threads), SIGKILL publish,
  ingest, the store and Redis in turn, restarting each: no acknowledged write
  is lost, none is duplicated in the feed, and the webhook receives every one,
  in order, without a gap;
- Redis down: writes fail with UNAVAILABLE (one line, exit 1), feeds keep
  serving the last view; Redis back: writes work again, nothing lost;
- the import path fuzzed through the running ingest (mutated calendars):
  no crash, every answer a report or a one-line error.

`make test` runs the quick version; `make drill` sets DRILL_FULL=1 (longer
load, 60 s of fuzzing).

usage: drill_test.py SOURCE_DIR BUILD_DIR
"""
import glob
import os
import random
import re
import sys
import threading
import time
import unittest
import urllib.request

import icalendar

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import Receiver, Stack  # noqa: E402

SOURCE, BUILD = sys.argv[1], sys.argv[2]
FULL = os.environ.get("DRILL_FULL") == "1"
YEAR = time.gmtime().tm_year + 1


def read(path):
    with open(path, "rb") as f:
        return f.read()


def feed(stack, path):
    with urllib.request.urlopen(stack.base + path, timeout=10) as r:
        return r.status, r.headers.get("ETag"), r.read()


class WriteLoad:
    """Threads submitting distinct events with the CLI until stopped; keeps
    what was acknowledged (exit 0 and a UID) and how the others failed."""

    def __init__(self, stack, token, threads=3):
        self.stack, self.token = stack, token
        self.acked, self.failures = {}, []
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(t,), daemon=True) for t in range(threads)]
        for t in self.threads:
            t.start()

    def run(self, t):
        i = 0
        while not self.stop_flag.is_set() and i < 5000:  # bounded in count as well as time
            i += 1
            title = f"Drill {t}-{i}"
            minute = (t * 5000 + i) % (60 * 24 * 27)
            start = f"{YEAR}-09-{1 + minute // 1440:02d} {minute % 1440 // 60:02d}:{minute % 60:02d}"
            r = self.stack.cli("submit", f"--title={title}", f"--start={start}", "--municipality=danville",
                               "--category=community", token=self.token, timeout=60)
            with self.lock:
                if r.returncode == 0 and r.stdout.strip():
                    self.acked[r.stdout.strip()] = title
                else:
                    self.failures.append(r.stderr.strip())

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=120)


class Drills(unittest.TestCase):
    def setUp(self):
        # The load and the fuzzing go as fast as they can: no per-organization rate.
        self.stack = Stack(BUILD, "drill", own_redis=True,
                           ingest_args=["--writes-per-second=0", "--imports-per-minute=0"],
                           publish_args=["--allow-loopback-webhooks", "--webhook-first-retry=100ms",
                                         "--webhook-max-retry=1s", "--webhook-max-failures=1000"])
        self.addCleanup(self.stack.stop)

    def wait_until(self, predicate, timeout, what):
        deadline = time.time() + timeout
        while not predicate():
            self.assertLess(time.time(), deadline, what)
            time.sleep(0.2)

    def test_killing_each_process_under_load_loses_and_duplicates_nothing(self):
        s = self.stack
        token = s.create_org("drill")
        receiver = Receiver()
        self.addCleanup(receiver.stop)
        out = s.cli("webhook", "create", receiver.url, "--org=drill", token=token).stdout
        with receiver.lock:
            receiver.secret = re.search(r"(whsec_\S+)", out).group(1)
        load = WriteLoad(s, token)
        pause = 3 if FULL else 1.5
        rounds = 3 if FULL else 1
        for _ in range(rounds):
            for name in ("publish", "ingest", "store", "redis"):
                time.sleep(pause)
                s.kill(name)  # SIGKILL
                time.sleep(0.5)
                s.restart(name)
        time.sleep(pause)
        load.stop()
        acked = dict(load.acked)
        self.assertGreater(len(acked), 20, f"too few writes went through: {load.failures[-5:]}")
        # Writes that failed did so with a clear, retryable error.
        for f in load.failures:
            self.assertRegex(f, r"^babillard: (unavailable|timed out|error|changed meanwhile)", f)

        # Every acknowledged write is in the feed, once.
        def feed_has_all():
            status, _, body = feed(s, "/feeds/org/drill.ics")
            cal = icalendar.Calendar.from_ical(body)
            self.uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
            return set(acked) <= set(self.uids)
        self.wait_until(feed_has_all, 60, "acknowledged writes missing from the feed")
        self.assertEqual(len(self.uids), len(set(self.uids)), "an event appears twice in the feed")
        titles = {}
        _, _, body = feed(s, "/feeds/org/drill.ics")
        for e in icalendar.Calendar.from_ical(body).walk("VEVENT"):
            titles[str(e["SUMMARY"])] = titles.get(str(e["SUMMARY"]), 0) + 1
        self.assertEqual([t for t, n in titles.items() if n > 1], [], "the same write stored twice")

        # The webhook resumed after every kill: every acknowledged event delivered, in order.
        def delivered_all():
            with receiver.lock:
                got = {b["data"]["event"]["uid"] for _, b in receiver.received}
            return set(acked) <= got
        self.wait_until(delivered_all, 90, "acknowledged writes never reached the webhook")
        ids = receiver.ids()
        distinct = [m for i, m in enumerate(ids) if i == 0 or ids[i - 1] != m]
        keys = [tuple(map(int, m.split("-"))) for m in distinct]
        self.assertEqual(keys, sorted(keys), "webhook deliveries out of order")
        self.assertEqual(len(keys), len(set(keys)), "a change delivered again after a later one")
        self.assertEqual(receiver.bad_signatures, 0)
        print(f"\n  {len(acked)} acknowledged writes, {len(load.failures)} refused during the kills, "
              f"{len(ids)} deliveries for {len(distinct)} changes", file=sys.stderr)

    def test_redis_down_writes_fail_clearly_and_feeds_keep_serving(self):
        s = self.stack
        token = s.create_org("drill")
        uid = s.cli("submit", "--title=Avant la panne", f"--start={YEAR}-10-01 10:00", token=token).stdout.strip()
        self.wait_until(lambda: uid.encode() in feed(s, "/feeds/all.ics")[2], 20, "event not in feed")
        _, etag, before = feed(s, "/feeds/all.ics")
        s.kill("redis")
        r = s.cli("submit", "--title=Pendant la panne", f"--start={YEAR}-10-02 10:00", token=token, timeout=90)
        self.assertEqual(r.returncode, 1)
        # The CLI tried again (a submit carries its idempotency key): a line per retry, then one clear line.
        lines = r.stderr.strip().splitlines()
        self.assertRegex(lines[-1], r"^babillard: (unavailable|timed out): ")
        self.assertNotIn("trying again", lines[-1])
        self.assertLessEqual(len(lines), 4, r.stderr)
        for line in lines[:-1]:
            self.assertIn("trying again in", line)
        for _ in range(3):
            status, etag_now, body = feed(s, "/feeds/all.ics")
            self.assertEqual(status, 200)
            self.assertEqual(etag_now, etag)
            self.assertIn(uid.encode(), body)
        s.restart("redis")
        deadline = time.time() + 60
        while True:
            r = s.cli("submit", "--title=Après la panne", f"--start={YEAR}-10-03 10:00", token=token)
            if r.returncode == 0 or time.time() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(r.returncode, 0, r.stderr)
        after = r.stdout.strip()
        self.wait_until(lambda: after.encode() in feed(s, "/feeds/all.ics")[2], 30, "new event not in feed")
        self.assertIn(uid.encode(), feed(s, "/feeds/all.ics")[2])

    def test_fuzzing_the_import_path_crashes_nothing(self):
        s = self.stack
        token = s.create_org("fuzz")
        seeds = [read(p) for p in sorted(glob.glob(os.path.join(SOURCE, "..", "shared", "corpus", "ics", "*.ics")))]
        seeds += [read(p) for p in sorted(glob.glob(os.path.join(SOURCE, "tests", "fuzz", "regressions", "*")))]
        seeds.append(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:a@b\r\n"
                     b"DTSTAMP:20260101T000000Z\r\nDTSTART:20300101T100000Z\r\nSUMMARY:x\r\nRRULE:FREQ=DAILY\r\n"
                     b"END:VEVENT\r\nEND:VCALENDAR\r\n")
        seed = int(os.environ.get("DRILL_SEED", time.time()))
        rng = random.Random(seed)
        duration = 60 if FULL else 10
        path = f"{s.dir}/fuzz.ics"
        began = time.time()
        end, runs, outcomes = began + duration, 0, {}
        while time.time() < end and runs < 20000:
            data = bytearray(rng.choice(seeds))
            for _ in range(rng.randint(1, 8)):
                op, at = rng.randrange(6), rng.randrange(max(1, len(data)))
                if op == 0:
                    data[at:at + 1] = bytes([rng.randrange(256)])
                elif op == 1:
                    del data[at:at + rng.randint(1, 64)]
                elif op == 2:
                    chunk = data[at:at + rng.randint(1, 200)]
                    data[at:at] = chunk * rng.randint(1, 20)
                elif op == 3:
                    data[at:at] = rng.choice([b"\r\n ", b"BEGIN:VEVENT\r\n", b"END:VEVENT\r\n", b";TZID=",
                                              b"RRULE:FREQ=SECONDLY;COUNT=99999999\r\n", b"\x00", b"\xff\xfe",
                                              b"DTSTART:99991231T235959Z\r\n", b"=" * 500])
                elif op == 4:
                    data = data[:at]
                else:
                    data[at:at] = b"X" * rng.randint(1, 100000)
            with open(path, "wb") as f:
                f.write(bytes(data))
            r = s.cli("import", path, token=token, timeout=120)
            runs += 1
            kind = ("report" if r.returncode in (0, 3) else
                    r.stderr.split(":")[1].strip() if ":" in r.stderr else "?")
            outcomes[kind] = outcomes.get(kind, 0) + 1
            # 3: imported with some events rejected.
            self.assertIn(r.returncode, (0, 1, 3), f"seed {seed}: exit {r.returncode}: {r.stderr}")
            if r.returncode == 1:
                self.assertTrue(r.stderr.startswith("babillard: "), f"seed {seed}: {r.stderr!r}")
            self.assertIsNone(s.procs["ingest"].poll(), f"seed {seed}: ingest died")
        self.assertIsNone(s.procs["store"].poll())
        r = s.cli("submit", "--title=Toujours là", f"--start={YEAR}-11-01 10:00", token=token)
        self.assertEqual(r.returncode, 0, r.stderr)
        print(f"\n  {runs} mutated calendars imported in {time.time() - began:.0f} s (seed {seed}): {outcomes}",
              file=sys.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
