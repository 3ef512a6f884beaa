#!/usr/bin/python3
"""deploy/nginx/babillard-grpc.conf in front of the real ingest and publish
(#10 item 12, #9 item 5): Debian's nginx (with the HTTP/2 CVE fixes Debian's
gRPC 1.51 lacks) carries the CLI and integrators' calls, and refuses before
reading a body a write without a token and a message over its method's
size; reflection and unknown paths are UNIMPLEMENTED.

usage: grpc_proxy_e2e_test.py BUILD_DIR
"""
import datetime as dt
import os
import re
import subprocess
import sys
import time
import unittest

import harness
from harness import Stack, free_port

BUILD = sys.argv[1]
YEAR = dt.date.today().year + 1
HERE = os.path.dirname(os.path.abspath(__file__))
CONF = os.path.join(HERE, "../../deploy/nginx/babillard-grpc.conf")


def probe(address, method, token, request):
    return harness.probe(BUILD, address, method, token, request)


class GrpcProxy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(BUILD, "grpc-proxy")
        cls.token = cls.stack.create_org("club")
        port = free_port()
        with open(CONF) as f:
            conf = f.read()
        # The shipped file, with this test's addresses.
        conf = conf.replace("server 127.0.0.1:50051;", f"server 127.0.0.1:{cls.stack.ports['ingest']};")
        conf = conf.replace("server 127.0.0.1:50052;", f"server 127.0.0.1:{cls.stack.ports['publish']};")
        conf = conf.replace("listen 127.0.0.1:8443 http2;", f"listen 127.0.0.1:{port} http2;")
        d = cls.stack.dir
        with open(f"{d}/babillard-grpc.conf", "w") as f:
            f.write(conf)
        with open(f"{d}/nginx.conf", "w") as f:
            f.write(f"pid {d}/nginx.pid;\nerror_log {d}/nginx-error.log;\nevents {{}}\n"
                    f"http {{\n  access_log {d}/nginx-access.log;\n  client_body_temp_path {d};\n"
                    f"  include {d}/babillard-grpc.conf;\n}}\n")
        cls.nginx = subprocess.Popen(["nginx", "-p", d, "-c", f"{d}/nginx.conf", "-g", "daemon off;"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        cls.proxy = f"127.0.0.1:{port}"
        deadline = time.time() + 20
        while time.time() < deadline and probe(cls.proxy, "babillard.v1.Publish/GetFeedUrls", None, "")[0] != "OK":
            if cls.nginx.poll() is not None:
                raise RuntimeError(cls.nginx.stdout.read())
            time.sleep(0.2)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.terminate()
        cls.nginx.communicate(timeout=30)
        cls.stack.stop()

    def cli(self, *args, token=None):
        env = dict(self.stack.env(token or self.token), BABILLARD_ADDR=self.proxy, BABILLARD_PUBLISH_ADDR=self.proxy)
        return subprocess.run([os.path.join(BUILD, "clients/cli/babillard"), *args], capture_output=True, text=True,
                              env=env, timeout=120)

    def test_the_cli_works_through_the_proxy_for_writes_reads_and_streams(self):
        r = self.cli("submit", "--title=Par le mandataire", f"--start={YEAR}-07-02 19:00")
        self.assertEqual(r.returncode, 0, r.stderr)
        uid = re.search(r"(\S+@\S+)", r.stdout).group(1)
        r = self.cli("show", uid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Par le mandataire", r.stdout)
        r = self.cli("changes", "--page-size=10")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(uid, r.stdout)
        ics = os.path.join(self.stack.dir, "one.ics")
        with open(ics, "w") as f:
            f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:p1@club\r\n"
                    f"DTSTAMP:20260101T000000Z\r\nDTSTART;TZID=America/Toronto:{YEAR}0703T190000\r\n"
                    "SUMMARY:Importé\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        r = self.cli("import", ics)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("accepted 1", r.stdout)

    def test_a_write_without_a_token_is_refused_by_the_proxy_before_its_body_is_read(self):
        big = "x" * (16 << 20)
        code, message = probe(self.proxy, "babillard.v1.Ingest/ImportCalendar", None, f'ics: "{big}"')
        self.assertEqual(code, "UNAUTHENTICATED")
        self.assertIn("missing or malformed token", message, "nginx's answer, not ingest's")
        code, message = probe(self.proxy, "babillard.v1.Ingest/SubmitEvent", "not-a-token", 'ical: "x"')
        self.assertEqual((code, "missing or malformed token" in message), ("UNAUTHENTICATED", True))
        # A well-formed but wrong token goes through, and ingest says no.
        code, message = probe(self.proxy, "babillard.v1.Ingest/ListEvents", "bab_" + "0" * 40, "")
        self.assertEqual(code, "UNAUTHENTICATED")
        self.assertNotIn("malformed", message)

    def test_a_message_over_its_methods_size_is_resource_exhausted(self):
        code, message = probe(self.proxy, "babillard.v1.Ingest/SubmitEvent", self.token,
                              f'ical: "{"x" * (2 << 20)}"')
        self.assertEqual(code, "RESOURCE_EXHAUSTED", message)
        self.assertIn("message too large for this method", message)

    def test_reflection_and_unknown_paths_are_unimplemented(self):
        code, _ = probe(self.proxy, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", None, "")
        self.assertEqual(code, "UNIMPLEMENTED")
        code, _ = probe(self.proxy, "babillard.internal.Store/ListWebhooks", None, "")
        self.assertIn(code, ("UNIMPLEMENTED", "NO_SUCH_METHOD"))

    def test_public_calls_need_no_token(self):
        code, _ = probe(self.proxy, "babillard.v1.Publish/ListChanges", None, "page_size: 5")
        self.assertEqual(code, "OK")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[2:], verbosity=2)
