#!/usr/bin/python3
"""Callers that go or stop waiting, on the real store, ingest, publish and
CLI (#9 item 5, RELIABILITY F3; #13 item 4): the work done for them stops
with them instead of at each layer's own timeout. Bounds are wide (a shared
2-core machine).

usage: liveness_e2e_test.py BUILD_DIR
"""
import datetime as dt
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

from harness import Stack, http_get as get, probe

BUILD = sys.argv[1]
YEAR = dt.date.today().year + 1


def code_of(address, method, token, request, deadline_ms):
    return probe(BUILD, address, method, token, request, deadline_ms)[0]


class SlowRedis(unittest.TestCase):
    """F3: Redis answers nobody for 3 s (CLIENT PAUSE; Debian's Redis 7
    refuses DEBUG SLEEP unless configured to)."""

    def test_calls_with_a_1_s_deadline_end_at_it_in_every_layer_and_health_answers(self):
        stack = Stack(BUILD, "slow-redis", own_redis=True)
        self.addCleanup(stack.stop)
        token = stack.create_org("club")
        r = stack.cli("submit", "--title=Concert", f"--start={YEAR}-07-02 19:00", token=token)
        self.assertEqual(r.returncode, 0, r.stderr)
        uid = re.search(r"(\S+@\S+)", r.stdout).group(1)
        ingest = f"127.0.0.1:{stack.ports['ingest']}"
        paused = subprocess.run(["redis-cli", "-s", stack.redis_socket, "CLIENT", "PAUSE", "3000", "ALL"],
                                capture_output=True, text=True, timeout=10)
        self.assertIn("OK", paused.stdout, paused.stderr)
        started = time.time()
        with ThreadPoolExecutor(20) as pool:
            calls = [pool.submit(code_of, ingest, "babillard.v1.Ingest/GetEvent", token, f'uid: "{uid}"', 1000)
                     for _ in range(20)]
            # Publish keeps serving from memory while the store waits on Redis.
            health, _ = get(stack.base + "/healthz", timeout=5)
            codes = [c.result() for c in calls]
        self.assertEqual(health, 200)
        self.assertEqual(codes, ["DEADLINE_EXCEEDED"] * 20)
        self.assertLess(time.time() - started, 10)
        time.sleep(max(0.0, started + 3.5 - time.time()))  # the pause is over
        # Ingest's store calls ended at the callers' deadline, not at the
        # store's 2 s Redis timeout (which would be UNAVAILABLE).
        failed = [line for line in stack.log("ingest").splitlines() if "store call failed" in line]
        self.assertTrue(failed, "ingest logs each store call that failed")
        self.assertTrue(all("DEADLINE_EXCEEDED" in line for line in failed), failed)
        # And everything answers again.
        r = stack.cli("show", uid, token=token)
        self.assertEqual(r.returncode, 0, r.stderr)


class InterruptedImport(unittest.TestCase):
    """#13 item 4: Ctrl-C during an import stops the server's work."""

    def test_ctrl_c_while_the_calendar_is_parsed_writes_nothing_and_says_so(self):
        # A directory of its own: a marker left by an earlier run (pids repeat
        # from one fresh machine to the next) would send Ctrl-C before the call.
        marker_dir = tempfile.mkdtemp(prefix="slow-worker-")
        self.addCleanup(shutil.rmtree, marker_dir, True)
        worker = os.path.join(marker_dir, "slow-worker.sh")
        real = os.path.join(BUILD, "services/ingest/babillard-parse-worker")
        with open(worker, "w") as f:
            # The real worker, after a pause long enough to press Ctrl-C in.
            f.write(f"#!/bin/sh\ntouch {marker_dir}/parsing\nsleep 4\nexec {real} \"$@\"\n")
        os.chmod(worker, stat.S_IRWXU)
        stack = Stack(BUILD, "interrupted-import", ingest_args=[f"--parse-worker={worker}"])
        self.addCleanup(stack.stop)
        token = stack.create_org("club")
        ics = os.path.join(stack.dir, "club.ics")
        write_calendar(ics, 50)
        cli = stack.cli_popen("import", ics, token=token, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 30
        while not os.path.exists(f"{marker_dir}/parsing") and time.time() < deadline:
            time.sleep(0.05)
        self.assertTrue(os.path.exists(f"{marker_dir}/parsing"), "the import reached the parser")
        cli.send_signal(signal.SIGINT)
        out, err = cli.communicate(timeout=30)
        self.assertEqual(cli.returncode, 130, err)
        self.assertIn("interrupted: the import was cancelled", err)
        self.assertIn("Importing the same file again is safe", err)
        self.assertNotIn("Traceback", err)
        time.sleep(6)  # past the slow worker: an import still running would have written by now
        r = stack.cli("list", "--org=club", token=token)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("Atelier", r.stdout)
        self.assertIn("nothing was written", stack.log("ingest"))
        # The same import, let through, takes every event.
        r = stack.cli("import", ics, token=token, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("accepted 50", r.stdout)


def threads(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^Threads:\s+(\d+)", f.read(), re.M).group(1))


def write_calendar(path, events, description=""):
    """`events` one-hour events of the club in August, each with `description`."""
    with open(path, "w") as f:
        f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n")
        for i in range(events):
            f.write(f"BEGIN:VEVENT\r\nUID:e{i}@club\r\nDTSTAMP:20260101T000000Z\r\n"
                    f"DTSTART;TZID=America/Toronto:{YEAR}08{1 + i % 28:02d}T{10 + i % 8:02d}0000\r\n"
                    f"SUMMARY:Atelier {i}\r\nDESCRIPTION:{description or 'Atelier'}\r\nEND:VEVENT\r\n")
        f.write("END:VCALENDAR\r\n")


class OldCursors(unittest.TestCase):
    """#9 item 5: subscribers whose cursor is older than publish's memory are
    caught up from the store on a few threads, not one thread each."""

    def test_two_thousand_old_cursor_subscribers_leave_the_thread_count_bounded(self):
        stack = Stack(BUILD, "old-cursors", own_redis=True,
                      publish_args=["--max-streams-per-address=3000", "--catch-up-threads=4"])
        self.addCleanup(stack.stop)
        token = stack.create_org("club")
        old = stack.head()
        for i in range(3):
            r = stack.cli("submit", f"--title=Conte {i}", f"--start={YEAR}-07-0{i + 1} 10:00", token=token)
            self.assertEqual(r.returncode, 0, r.stderr)
        # A restarted publish holds only what comes after its snapshot: `old` is older.
        stack.kill("publish")
        stack.start_publish()
        pid = stack.procs["publish"].pid
        baseline = threads(pid)
        # The store answers nothing for 1.5 s (under its 2 s Redis timeout):
        # every catch-up is waiting on it at once.
        subprocess.run(["redis-cli", "-s", stack.redis_socket, "CLIENT", "PAUSE", "1500", "ALL"],
                       check=True, capture_output=True, timeout=10)
        swarm = subprocess.Popen([os.path.join(BUILD, "tests/e2e/stream_swarm"),
                                  f"127.0.0.1:{stack.ports['publish']}", "2000", old, "12"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak, sampled_until = baseline, time.time() + 4
        while time.time() < sampled_until and swarm.poll() is None:
            peak = max(peak, threads(pid))
            time.sleep(0.05)
        out, err = swarm.communicate(timeout=120)
        self.assertEqual(swarm.returncode, 0, err)
        # Before: a thread per old-cursor stream (about 2,000 at once).
        self.assertLess(peak, baseline + 100, f"publish threads: {baseline} before, {peak} at peak")
        self.assertIn("first=2000 ended=0", out, "every stream was caught up and kept open")


class StoppedSubscriber(unittest.TestCase):
    """F5: a subscriber stopped with SIGSTOP is found dead by keepalive and
    its place freed; nothing else frees it when nothing changes."""

    def test_a_sigstopped_subscriber_is_dropped_after_keepalive_and_frees_its_place(self):
        stack = Stack(BUILD, "stopped-subscriber",
                      publish_args=["--max-streams-per-address=1", "--grpc-keepalive=1s",
                                    "--grpc-keepalive-timeout=1s"])
        self.addCleanup(stack.stop)
        stopped = stack.cli_popen("watch", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            time.sleep(1)
            self.assertIsNone(stopped.poll(), "the stream is open")
            r = stack.cli("watch", "--count=1", timeout=30)
            self.assertIn("too many change streams", r.stderr, "its place is taken")
            stopped.send_signal(signal.SIGSTOP)
            opened = stack.watch_when_allowed(timeout=30)
            self.assertIsNotNone(opened, "keepalive (1 s + 1 s) freed the stopped subscriber's place")
            opened.terminate()
            opened.communicate(timeout=30)
        finally:
            stopped.send_signal(signal.SIGCONT)
            stopped.kill()
            stopped.communicate(timeout=30)


class StalledSubscriber(unittest.TestCase):
    """F5 and #9 item 5: a subscriber that stops reading while changes wait
    for it is dropped after --subscriber-max-lag, even when nothing changes
    afterwards (before, only a later change could drop it)."""

    def test_a_stream_that_stops_reading_is_dropped_by_the_lag_timer_alone(self):
        stack = Stack(BUILD, "stalled-subscriber", publish_args=["--subscriber-max-lag=1s"])
        self.addCleanup(stack.stop)
        token = stack.create_org("club")
        start = stack.head()
        path = os.path.join(stack.dir, "big.ics")
        # 300 changes of about 4.5 KB: well over the stalled stream's 64 KiB window.
        write_calendar(path, 300, description="y" * 4000)
        r = stack.cli("import", path, token=token, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        # Nothing changes from here on.
        out = subprocess.run([os.path.join(BUILD, "tests/e2e/stream_swarm"), f"127.0.0.1:{stack.ports['publish']}",
                              "1", start, "5", "stall"], capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("first=1 ended=1", out.stdout)
        self.assertIn("subscriber too slow: no change read for 1s", out.stdout)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[2:], verbosity=2)
