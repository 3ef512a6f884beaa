#!/usr/bin/python3
"""`make run` as people use it (#13 item 5): deploy/run.sh with its own var/
and ports. A second one on the same var/ refuses and names the first, a
failure to start is a non-zero exit, Ctrl-C stops cleanly, logs are kept.

usage: make_run_e2e_test.py BUILD_DIR
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from harness import free_port, http_get

BUILD = sys.argv[1]
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))


class MakeRun(unittest.TestCase):
    def setUp(self):
        self.var = tempfile.mkdtemp(prefix="babillard-make-run-")
        self.addCleanup(shutil.rmtree, self.var, True)

    def run_sh(self, **ports):
        env = dict(os.environ, VAR=self.var, **{k: str(v) for k, v in ports.items()})
        return subprocess.Popen(["bash", os.path.join(ROOT, "deploy/run.sh"), os.path.relpath(BUILD, ROOT)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)

    def ports(self):
        return {name: free_port() for name in ("STORE_PORT", "INGEST_PORT", "PUBLISH_PORT", "HTTP_PORT")}

    def wait_running(self, proc, ports):
        deadline = time.time() + 90
        while time.time() < deadline:
            if proc.poll() is not None:
                self.fail(f"run.sh exited {proc.returncode}: {proc.stdout.read()}")
            if self.up(ports) and http_get(f"http://127.0.0.1:{ports['HTTP_PORT']}/healthz", timeout=2)[0] == 200:
                return
            time.sleep(0.2)
        self.fail("babillard did not start")

    @staticmethod
    def up(ports):
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", ports["HTTP_PORT"])) == 0

    def ctrl_c(self, proc):
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        return proc.returncode, out

    def test_one_per_var_ctrl_c_stops_cleanly_and_logs_are_kept(self):
        ports = self.ports()
        first = self.run_sh(**ports)
        try:
            self.wait_running(first, ports)
            second = self.run_sh(**self.ports())
            out, _ = second.communicate(timeout=60)
            self.assertEqual(second.returncode, 1, out)
            self.assertIn(f"already running from {self.var} (pid {first.pid})", out)
            # The first is untouched: its sockets, ready files and Redis.
            self.assertEqual(http_get(f"http://127.0.0.1:{ports['HTTP_PORT']}/feeds/all.ics")[0], 200)
            self.assertEqual(http_get(f"http://127.0.0.1:{ports['HTTP_PORT']}/")[0], 200, "the residents' page")
        finally:
            code, out = self.ctrl_c(first)
        self.assertEqual(code, 0, out)
        self.assertIn("babillard: stopping", out)
        self.assertNotIn("a service exited", out)
        self.assertRegex(out, r"(?m)^Residents' page: http://127\.0\.0\.1:\d+/ ", "the page's URL comes first")
        again = self.run_sh(**ports)
        try:
            self.wait_running(again, ports)
            self.assertTrue(os.path.getsize(os.path.join(self.var, "run/babillard-store.log.1")) > 0,
                            "the previous run's log is kept")
        finally:
            self.ctrl_c(again)

    def test_loopback_urls_are_refused_with_the_switch_named_and_loopback_1_allows_them(self):
        # #13 item 8: with make run, a local webhook was refused with no hint.
        for loopback in ("0", "1"):
            ports = self.ports()
            proc = self.run_sh(LOOPBACK=loopback, **ports)
            try:
                self.wait_running(proc, ports)
                with open(os.path.join(self.var, "ingest/admin.token")) as f:
                    admin = f.read().strip()
                env = dict(os.environ, BABILLARD_ADDR=f"127.0.0.1:{ports['INGEST_PORT']}",
                           BABILLARD_PUBLISH_ADDR=f"127.0.0.1:{ports['PUBLISH_PORT']}", BABILLARD_TOKEN=admin)
                cli = os.path.join(BUILD, "clients/cli/babillard")
                r = subprocess.run([cli, "webhook", "create", "http://127.0.0.1:9/hook", "--owner=admin"],
                                   capture_output=True, text=True, env=env, timeout=60)
                if loopback == "1":
                    self.assertEqual(r.returncode, 0, r.stderr)
                else:
                    self.assertEqual(r.returncode, 1, r.stdout)
                    self.assertIn("this machine (loopback)", r.stderr)
                    self.assertIn("--allow-loopback-webhooks", r.stderr)
                    self.assertIn("make run LOOPBACK=1", r.stderr)
            finally:
                code, out = self.ctrl_c(proc)
            self.assertEqual(code, 0, out)

    def test_a_service_that_cannot_start_is_a_non_zero_exit(self):
        ports = self.ports()
        with socket.socket() as taken:
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            taken.bind(("127.0.0.1", ports["HTTP_PORT"]))
            taken.listen()
            proc = self.run_sh(**ports)
            out, _ = proc.communicate(timeout=120)
        self.assertNotEqual(proc.returncode, 0, out)
        self.assertIn("babillard-publish did not start", out)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[2:], verbosity=2)
