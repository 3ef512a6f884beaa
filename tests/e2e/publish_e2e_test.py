#!/usr/bin/python3
"""The pushes that follow every change, end to end: the real store, ingest and
publish binaries on loopback; the real CLI for Subscribe (`babillard watch`),
ListChanges (`babillard changes`), named feeds and webhooks; a local webhook
receiver that checks every Standard Webhooks signature; publish killed and
restarted mid-stream.

usage: publish_e2e_test.py BUILD_DIR
"""
import datetime as dt
import json
import re
import signal
import subprocess
import sys
import threading
import time
import unittest

import icalendar

from harness import Receiver, Stack, http_get

BUILD = sys.argv[1]
YEAR = dt.date.today().year + 1
STACK = None


def setUpModule():
    global STACK
    STACK = Stack(BUILD, "publish-e2e", publish_args=[
        "--allow-loopback-webhooks", "--subscriber-max-lag=1s", "--webhook-first-retry=100ms",
        "--webhook-max-retry=400ms", "--webhook-max-failures=4", "--webhook-timeout=2s"])


def tearDownModule():
    STACK.stop()


def get(url):
    return http_get(url, timeout=10)


class Publish(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.token = STACK.create_org(cls.__name__.lower())
        cls.org = cls.__name__.lower()

    def cli(self, *args, token=None, ok=True):
        r = STACK.cli(*args, token=token or self.token)
        if ok:
            self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def submit(self, title, *extra, day=4):
        return self.cli("submit", f"--title={title}", f"--start={YEAR}-07-{day:02d} 10:00",
                        f"--end={YEAR}-07-{day:02d} 11:00", "--municipality=danville", "--category=culture",
                        *extra).stdout.strip()

    def head(self):
        return STACK.head()

    def wait_until(self, predicate, timeout=20):
        deadline = time.time() + timeout
        while not predicate():
            if time.time() > deadline:
                self.fail("timed out")
            time.sleep(0.05)


class Streams(Publish):
    def test_subscribe_sees_create_update_cancel_delete_in_order(self):
        start = self.head()
        watch = STACK.cli_popen("watch", f"--from={start}", "--count=4", "--output=json", "--category=culture",
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # An event the filter excludes never reaches the stream.
        self.cli("submit", "--title=Hors filtre", f"--start={YEAR}-07-05 10:00", "--category=sport")
        uid = self.submit("Heure du conte")
        self.cli("update", uid, "--title=Heure du conte (nouvelle salle)")
        self.cli("cancel", uid, "--reason=Malade")
        self.cli("delete", uid)
        out, err = watch.communicate(timeout=30)
        self.assertEqual(watch.returncode, 0, err)
        changes = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([c["kind"] for c in changes], ["KIND_CREATED", "KIND_UPDATED", "KIND_CANCELLED", "KIND_DELETED"])
        self.assertEqual({c["event"]["uid"] for c in changes}, {uid})
        self.assertEqual(changes[1]["event"]["title"]["fr"], "Heure du conte (nouvelle salle)")
        self.assertEqual(changes[2]["event"]["status"], "STATUS_CANCELLED")
        cursors = [tuple(map(int, c["cursor"].split("-"))) for c in changes]
        self.assertEqual(cursors, sorted(cursors))

    def test_list_changes_pages_through_the_same_changes(self):
        start = self.head()
        uids = [self.submit(f"Atelier {i}", day=10 + i) for i in range(5)]
        seen, since = [], start
        for _ in range(10):
            out = self.cli("changes", f"--since={since}", "--page-size=2", "--output=json").stdout
            page = json.loads(out)
            self.assertLessEqual(len(page.get("changes", [])), 2)
            seen += [c["event"]["uid"] for c in page.get("changes", [])]
            since = page["next_cursor"]
            if not page.get("more"):
                break
        self.assertEqual([u for u in seen if u in uids], uids)

    def test_bad_cursor_and_filter_are_invalid_argument(self):
        r = self.cli("changes", "--since=yesterday", ok=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("invalid argument", r.stderr)
        self.assertIn("since", r.stderr)
        r = self.cli("watch", "--category=Not A Slug", ok=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("filter.categories", r.stderr)

    def test_a_subscriber_that_stops_reading_is_dropped_and_the_others_are_not(self):
        start = self.head()
        fast = STACK.cli_popen("watch", f"--from={start}", "--count=1501", stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
        fast_out = []
        threading.Thread(target=lambda: fast_out.append(fast.communicate(timeout=120)), daemon=True).start()
        # The slow one's stdout is a pipe nobody reads: it blocks, then stops reading its stream.
        # The changes must outgrow every buffer on the way (pipe, gRPC flow-control windows):
        # 1500 of about 4.5 KB each.
        slow = STACK.cli_popen("watch", f"--from={start}", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        body = "".join(
            f"BEGIN:VEVENT\r\nUID:slow-{i}@test\r\nDTSTAMP:20260101T000000Z\r\n"
            f"DTSTART;TZID=America/Toronto:{YEAR}0801T{10 + i % 8:02d}0000\r\nDURATION:PT1H\r\n"
            f"SUMMARY:Atelier numéro {i} {'x' * 400}\r\nDESCRIPTION:{'y' * 4000}\r\nEND:VEVENT\r\n"
            for i in range(1500))
        path = f"{STACK.dir}/many.ics"
        with open(path, "w") as f:
            f.write(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n")
        self.cli("import", path)
        time.sleep(2.5)  # beyond --subscriber-max-lag=1s
        self.submit("Une de plus")
        self.wait_until(lambda: fast_out, timeout=120)
        out, err = fast_out[0]
        self.assertEqual(fast.returncode, 0, err)
        self.assertEqual(len(out.splitlines()), 1501)
        slow_out, slow_err = slow.communicate(timeout=60)
        self.assertEqual(slow.returncode, 1)
        self.assertIn("too slow", slow_err)
        # What it did get is a prefix, so it can resume from its last cursor.
        got = [line.split()[0] for line in slow_out.splitlines()]
        want = [line.split()[0] for line in out.splitlines()]
        self.assertEqual(got, want[:len(got)])
        self.assertLess(len(got), 1501)

    def test_sigterm_ends_open_streams_with_unavailable_and_exits_cleanly(self):
        watchers = [STACK.cli_popen("watch", stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(5)]
        time.sleep(1)  # let them subscribe
        started = time.time()
        code = STACK.kill("publish", signal.SIGTERM)
        elapsed = time.time() - started
        try:
            self.assertEqual(code, 0)
            self.assertLess(elapsed, 6)
            for w in watchers:
                _, err = w.communicate(timeout=10)
                self.assertEqual(w.returncode, 1)
                self.assertIn("unavailable", err)
                self.assertIn("shutting down", err)
        finally:
            STACK.start_publish()

    def test_publish_restarted_mid_stream_resumes_without_gap(self):
        start = self.head()
        uids = [self.submit(f"Avant {i}", day=20) for i in range(3)]
        STACK.kill("publish")
        uids += [self.submit(f"Pendant {i}", day=21) for i in range(3)]  # publish is down
        STACK.start_publish()
        uids += [self.submit(f"Après {i}", day=22) for i in range(3)]
        out = self.cli("watch", f"--from={start}", "--count=9", f"--org={self.org}").stdout
        self.assertEqual([line.split()[2] for line in out.splitlines()], uids)


class Webhooks(Publish):
    def create(self, receiver, *filters):
        out = self.cli("webhook", "create", receiver.url, *filters).stdout
        hook_id = re.search(r"^webhook (\S+) created", out, re.M).group(1)
        with receiver.lock:
            receiver.secret = re.search(r"(whsec_\S+)", out).group(1)
        return hook_id

    def test_deliveries_are_signed_in_order_and_survive_a_failing_receiver_and_a_restart(self):
        receiver = Receiver(fail_first=3)
        self.addCleanup(receiver.stop)
        hook = self.create(receiver, f"--org={self.org}")
        uids = [self.submit(f"Concert {i}", day=5) for i in range(4)]
        self.wait_until(lambda: len(receiver.ids()) >= 4)
        STACK.kill("publish")
        uids += [self.submit(f"Concert {i}", day=6) for i in range(4, 7)]
        STACK.start_publish()
        self.wait_until(lambda: len(receiver.ids()) >= 7)
        time.sleep(0.5)
        ids = receiver.ids()
        bodies = [b for _, b in receiver.received]
        self.assertEqual(receiver.bad_signatures, 0)
        # At least once, in order: nothing lost, and a repeat can only be of the change just before.
        distinct = [m for i, m in enumerate(ids) if i == 0 or ids[i - 1] != m]
        self.assertEqual(len(distinct), 7, ids)
        self.assertEqual([tuple(map(int, m.split("-"))) for m in distinct],
                         sorted(tuple(map(int, m.split("-"))) for m in distinct))
        firsts = [b for i, (m, b) in enumerate(receiver.received) if i == 0 or receiver.received[i - 1][0] != m]
        self.assertEqual([b["data"]["event"]["uid"] for b in firsts], uids)
        self.assertTrue(all(b["type"] == "event.created" for b in bodies))
        out = self.cli("webhook", "deliveries", hook).stdout
        self.assertIn(" 500 ", out)
        self.assertIn(" 204 ", out)
        listing = self.cli("webhook", "list").stdout
        self.assertRegex(listing, rf"{hook}\s+{self.org}\s+active")

    def test_a_receiver_failing_again_and_again_disables_the_webhook_with_the_reason(self):
        receiver = Receiver(always=500)
        self.addCleanup(receiver.stop)
        hook = self.create(receiver, f"--org={self.org}")
        self.submit("Jamais livré")
        self.wait_until(lambda: "DISABLED" in self.cli("webhook", "list").stdout)
        listing = self.cli("webhook", "list").stdout
        self.assertIn("4 failed deliveries in a row; last: HTTP 500", listing)
        self.assertIn(hook, listing)

    def test_retry_after_timeout_and_410_are_honoured(self):
        receiver = Receiver(script=[(429, {"Retry-After": "2"}, 0), (204, {}, 3)])  # then a hang past the timeout
        self.addCleanup(receiver.stop)
        hook = self.create(receiver, f"--org={self.org}")
        self.submit("Patient", day=15)
        self.wait_until(lambda: len(receiver.attempts) >= 3, timeout=30)
        (t1, id1, c1), (t2, id2, _), (t3, id3, c3) = receiver.attempts[:3]
        self.assertEqual((c1, c3), (429, 204))
        self.assertGreaterEqual(t2 - t1, 1.9, "Retry-After: 2 not honoured")
        self.assertEqual(len({id1, id2, id3}), 1, "webhook-id must not change between retries")
        deliveries = self.cli("webhook", "deliveries", hook).stdout
        self.assertIn("Timeout", deliveries)  # --webhook-timeout=2s cut the hang
        gone = Receiver(script=[(410, {}, 0)])
        self.addCleanup(gone.stop)
        gone_hook = self.create(gone, f"--org={self.org}")
        self.submit("Parti", day=16)
        self.wait_until(lambda: "410 Gone" in self.cli("webhook", "list").stdout)
        time.sleep(1)
        self.assertEqual(len(gone.attempts), 1, "410 must disable after exactly one attempt")
        self.assertIn(gone_hook, self.cli("webhook", "list").stdout)

    def test_private_and_link_local_receivers_are_refused(self):
        for url in ("http://169.254.169.254/latest", "http://10.1.2.3/hook", "ftp://example.org/x"):
            r = self.cli("webhook", "create", url, ok=False)
            self.assertEqual(r.returncode, 1, url)
            self.assertIn("webhook.url", r.stderr)

    def test_webhooks_belong_to_their_organization(self):
        receiver = Receiver()
        self.addCleanup(receiver.stop)
        hook = self.create(receiver)
        other = STACK.create_org("webhooks-other")
        self.assertNotIn(hook, self.cli("webhook", "list", token=other).stdout)
        r = self.cli("webhook", "delete", hook, token=other, ok=False)
        self.assertIn("not found", r.stderr)
        r = self.cli("webhook", "list", token="bab_wrong", ok=False)
        self.assertIn("not authenticated", r.stderr)
        self.cli("webhook", "delete", hook)
        self.assertNotIn(hook, self.cli("webhook", "list").stdout)


class LoopbackOffByDefault(unittest.TestCase):
    def test_a_publish_without_the_test_flag_refuses_loopback_receivers(self):
        stack = Stack(BUILD, "publish-e2e-default")
        self.addCleanup(stack.stop)
        token = stack.create_org("town")
        # Before any change the cursor to follow from is "0-0" (from the start), never "" (from now).
        self.assertIn("next: --since=0-0\n", stack.cli("changes", token=token).stdout)
        r = stack.cli("webhook", "create", "http://127.0.0.1:9/hook", token=token)
        self.assertEqual(r.returncode, 1)
        self.assertIn("webhook.url", r.stderr)
        self.assertIn("127.0.0.1", r.stderr)


class NamedFeeds(Publish):
    def test_a_named_feed_has_its_own_url_title_and_filter(self):
        inside = self.submit("Vernissage", day=12)
        outside = self.cli("submit", "--title=Match", f"--start={YEAR}-07-12 19:00", "--municipality=danville",
                           "--category=sport").stdout.strip()
        out = self.cli("feed", "create", "culture-danville", "--title=Culture à Danville",
                       "--title-en=Culture in Danville", "--category=culture", "--municipality=danville").stdout
        self.assertIn("/feeds/culture-danville.ics", out)
        self.assertIn(f"{STACK.base}/feeds/culture-danville.ics", self.cli("feed", "list").stdout)
        urls = self.cli("feed", "urls", "--category=culture", "--municipality=danville").stdout
        french = re.search(r"^French:\s+(\S+)$", urls, re.M).group(1)
        self.assertEqual(french, f"{STACK.base}/feeds/all.ics?category=culture&municipality=danville")
        self.assertIn("webcal://127.0.0.1:", urls)
        self.assertEqual(get(french)[0], 200)
        deadline = time.time() + 20
        while True:
            status, body = get(STACK.base + "/feeds/culture-danville.ics")
            if status == 200:
                cal = icalendar.Calendar.from_ical(body)
                uids = {str(e["UID"]) for e in cal.walk("VEVENT")}
                if inside in uids or time.time() > deadline:
                    break
            self.assertLess(time.time(), deadline, body)
            time.sleep(0.1)
        self.assertEqual(str(cal["X-WR-CALNAME"]), "Culture à Danville")
        self.assertIn(inside, uids)
        self.assertNotIn(outside, uids)
        status, body = get(STACK.base + "/feeds/culture-danville.ics?lang=en")
        self.assertEqual(str(icalendar.Calendar.from_ical(body)["X-WR-CALNAME"]), "Culture in Danville")
        r = self.cli("feed", "create", "culture-danville", "--title=Encore", ok=False)
        self.assertIn("already exists", r.stderr)
        r = self.cli("feed", "create", "all", "--title=Tout", ok=False)
        self.assertIn("feed.name", r.stderr)
        self.cli("feed", "delete", "culture-danville")
        self.assertEqual(get(STACK.base + "/feeds/culture-danville.ics")[0], 404)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
