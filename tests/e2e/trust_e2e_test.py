#!/usr/bin/python3
"""Ways in (#10), through the real binaries: a store whose internal token
would silently be off does not start, and one that has it refuses calls
without it.

usage: trust_e2e_test.py BUILD_DIR
"""
import http.server
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

from harness import Stack, free_port, port_of, read_ready, wait_for

BUILD = sys.argv[1]
DEPLOY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../deploy")
STORE = os.path.join(BUILD, "services/store/babillard-store")


def make_pki(directory, *names):
    """A CA and, for each name, a certificate it signs for 127.0.0.1 and
    localhost (P-256, a day), made with openssl: name.pem, name.key, ca.pem."""
    p = lambda n: os.path.join(directory, n)  # noqa: E731
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", *ec, "-keyout", p("ca.key"), "-out", p("ca.pem"), "-days", "1", "-subj", "/CN=test CA")
    with open(p("ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name in names:
        run("req", *ec, "-keyout", p(f"{name}.key"), "-out", p(f"{name}.csr"), "-subj", f"/CN={name}")
        run("x509", "-req", "-in", p(f"{name}.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
            "-CAcreateserial", "-out", p(f"{name}.pem"), "-days", "1", "-extfile", p("ext"))
    return p


class InternalToken(unittest.TestCase):
    def start_store(self, *flags):
        with tempfile.TemporaryDirectory() as data:
            return subprocess.run([STORE, f"--data-dir={data}", *flags], capture_output=True, text=True,
                                  timeout=30)

    def test_a_named_token_file_that_is_not_a_secret_stops_the_store(self):
        with tempfile.TemporaryDirectory() as d:
            empty, short, unreadable = (os.path.join(d, n) for n in ("empty", "short", "unreadable"))
            open(empty, "w").close()
            with open(short, "w") as f:
                f.write("abc\n")
            os.mkdir(unreadable)  # a directory: cannot be read as a file, even by root
            for path, why in ((os.path.join(d, "missing"), "missing"), (empty, "is empty"),
                              (short, "too short"), (unreadable, "unreadable"),
                              (os.path.join(DEPLOY, "internal.token.example"), "placeholder")):
                with self.subTest(why=why):
                    r = self.start_store("--listen=127.0.0.1:0", f"--internal-token-file={path}")
                    self.assertNotEqual(r.returncode, 0, r.stderr)
                    self.assertIn("--internal-token-file", r.stderr)
                    if why in ("is empty", "too short", "placeholder"):
                        self.assertIn(why, r.stderr)

    def test_a_store_reachable_from_elsewhere_needs_a_token(self):
        r = self.start_store("--listen=0.0.0.0:0")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("required when --listen is not a loopback address", r.stderr)


class TokenEnforced(unittest.TestCase):
    def test_the_stack_with_a_token_works_and_the_store_refuses_calls_without_it(self):
        with tempfile.TemporaryDirectory() as d:
            token = os.path.join(d, "internal.token")
            with open(token, "w") as f:
                f.write(os.urandom(32).hex())
            stack = Stack(BUILD, "trust-e2e", store_args=[f"--internal-token-file={token}"],
                          ingest_args=[f"--internal-token-file={token}"],
                          publish_args=[f"--internal-token-file={token}"])
            try:
                org = stack.create_org("club")
                r = stack.cli("submit", "--title=Avec jeton", "--start=2027-07-02 19:00", token=org)
                self.assertEqual(r.returncode, 0, r.stderr)
                # What the services wrote (the private Redis's AOF, the admin token) is theirs alone.
                for where in ("store", "ingest"):
                    for directory, dirs, files in os.walk(os.path.join(stack.dir, where)):
                        for name in dirs + files:
                            path = os.path.join(directory, name)
                            mode = os.lstat(path).st_mode
                            if not os.path.islink(path) and not name.endswith(".sock"):
                                self.assertEqual(mode & 0o077, 0, f"{path}: mode {mode & 0o777:o}")
                # An ingest without the token: the store refuses what it asks.
                bare = subprocess.Popen(
                    [os.path.join(BUILD, "services/ingest/babillard-ingest"),
                     f"--store=127.0.0.1:{stack.ports['store']}", "--listen=127.0.0.1:0",
                     f"--data-dir={d}/bare", f"--ready-file={d}/bare.ready"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                try:
                    wait_for(f"{d}/bare.ready", bare)
                    port = port_of(read_ready(f"{d}/bare.ready")["grpc"])
                    with open(f"{d}/bare/admin.token") as f:
                        admin = f.read().strip()
                    r = subprocess.run([os.path.join(BUILD, "clients/cli/babillard"), "org", "create",
                                        "--slug=intrus", "--name=Intrus", "--municipality=danville"],
                                       capture_output=True, text=True, timeout=60,
                                       env=dict(os.environ, BABILLARD_ADDR=f"127.0.0.1:{port}",
                                                BABILLARD_TOKEN=admin))
                    self.assertNotEqual(r.returncode, 0, r.stdout)
                finally:
                    bare.terminate()
                    bare.wait(timeout=30)
            finally:
                stack.stop()


class SourceAlarms(unittest.TestCase):
    """#10 item 3: a flagged source was announced with its full URL (a private
    calendar link is its secret) to anyone who subscribed, and to other
    organizations' webhooks."""

    def test_an_alarm_reaches_its_organization_only_and_never_carries_the_url(self):
        stack = Stack(BUILD, "source-alarms", ingest_args=["--allow-loopback-sources", "--poll=false"])
        self.addCleanup(stack.stop)
        owner, other = stack.create_org("biblio"), stack.create_org("club")
        calendar = {"body": "".join(f"BEGIN:VEVENT\r\nUID:e{i}@biblio\r\nDTSTAMP:20260101T000000Z\r\n"
                                    f"DTSTART:20270{1 + i % 9}10T100000Z\r\nSUMMARY:Conte {i}\r\nEND:VEVENT\r\n"
                                    for i in range(12))}

        class Calendar(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//b//b//FR\r\n" + calendar["body"] +
                        "END:VCALENDAR\r\n").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Calendar)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        secret = "private-0123abcdef/basic.ics"
        url = f"http://127.0.0.1:{server.server_address[1]}/calendar/ical/{secret}"
        r = stack.cli("source", "add", url, token=owner)
        self.assertEqual(r.returncode, 0, r.stderr)
        source = r.stdout.split()[0]
        self.assertEqual(stack.cli("source", "poll", source, token=owner).returncode, 0)
        watchers = {who: stack.cli_popen("watch", "--org=biblio", "--output=json", token=token,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                    for who, token in (("anyone", None), ("owner", owner), ("other", other))}
        time.sleep(1)
        # The next snapshot lists one event of twelve: the import is held and the source flagged.
        calendar["body"] = calendar["body"].split("END:VEVENT\r\n")[0] + "END:VEVENT\r\n"
        stack.cli("source", "poll", source, token=owner)
        time.sleep(2)
        seen = {}
        for who, w in watchers.items():
            w.terminate()
            seen[who] = w.communicate(timeout=30)[0]
        self.assertIn("KIND_SOURCE_FLAGGED", seen["owner"], seen["owner"])
        self.assertIn(source, seen["owner"])
        for who in ("anyone", "other"):
            self.assertNotIn("KIND_SOURCE_FLAGGED", seen[who], who)
        for who, out in seen.items():
            self.assertNotIn(secret, out, f"{who} saw the source's URL")


class WebhookSecretRotation(unittest.TestCase):
    """#10 item 11: a webhook's secret is rotated with the Standard Webhooks
    overlap, and every delivery is checked with the npm `standardwebhooks`
    package (verify_webhooks.mjs), not with babillard's own code."""

    def test_both_secrets_verify_during_the_overlap_and_only_the_new_one_after(self):
        deliveries, lock = [], threading.Lock()

        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    deliveries.append(({k: self.headers[k] for k in
                                        ("webhook-id", "webhook-timestamp", "webhook-signature")},
                                       body.decode()))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stack = Stack(BUILD, "rotation-e2e", publish_args=["--allow-loopback-webhooks"])
        try:
            org = stack.create_org("tourisme")
            created = stack.cli("webhook", "create", f"http://127.0.0.1:{server.server_port}/hook", token=org)
            self.assertEqual(created.returncode, 0, created.stderr)
            hook = re.search(r"^webhook (\S+) created", created.stdout, re.M).group(1)
            first = re.search(r"(whsec_\S+)", created.stdout).group(1)

            def deliver(title):
                before = len(deliveries)
                r = stack.cli("submit", f"--title={title}", "--start=2031-05-02 19:00", token=org)
                self.assertEqual(r.returncode, 0, r.stderr)
                deadline = time.time() + 30
                while len(deliveries) == before and time.time() < deadline:
                    time.sleep(0.05)
                self.assertGreater(len(deliveries), before, f"no delivery for {title}")
                return deliveries[-1]

            def rotate(*flags):
                r = stack.cli("webhook", "rotate-secret", hook, *flags, token=org)
                self.assertEqual(r.returncode, 0, r.stderr)
                time.sleep(1)  # the dispatcher restarts the webhook's worker with its new secrets
                return re.search(r"(whsec_\S+)", r.stdout).group(1)

            d1 = deliver("Avant")
            second = rotate()
            d2 = deliver("Pendant")
            self.assertEqual(len(d2[0]["webhook-signature"].split(" ")), 2, d2[0])
            third = rotate("--overlap=0")
            d3 = deliver("Après")
            checks = [(first, d1), (second, d1), (second, d2), (first, d2), (third, d3), (second, d3)]
            verified = subprocess.run(
                ["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "verify_webhooks.mjs")],
                input=json.dumps([{"secret": s, "headers": h, "body": b} for s, (h, b) in checks]),
                capture_output=True, text=True, timeout=60, check=True)
            self.assertEqual(json.loads(verified.stdout), [True, False, True, True, True, False])
            other = stack.cli("webhook", "rotate-secret", hook, token=stack.create_org("intrus"))
            self.assertEqual(other.returncode, 1, other.stdout)
        finally:
            stack.stop()
            server.shutdown()
            server.server_close()


class TlsForGrpc(unittest.TestCase):
    """#10 item 10: every service serves TLS with a certificate this test
    makes with openssl (its own CA); ingest and publish reach the store over
    it; the CLI needs the CA and says so when it lacks it."""

    @classmethod
    def setUpClass(cls):
        cls.pki = tempfile.mkdtemp(prefix="babillard-tls-")
        p = make_pki(cls.pki, "server")
        cls.ca = p("ca.pem")
        tls = [f"--tls-cert={p('server.pem')}", f"--tls-key={p('server.key')}"]
        cls.stack = Stack(BUILD, "tls", store_args=tls, ingest_args=[f"--store-ca={cls.ca}", *tls],
                          publish_args=[f"--store-ca={cls.ca}", *tls])
        cls.server_key = p("server.key")

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def test_the_cli_with_the_ca_gets_through_to_ingest_and_the_store(self):
        r = self.stack.cli("--ca", self.ca, "org", "create", "--slug=tls-club", "--name=Club TLS",
                           "--municipality=danville", token=self.stack.admin)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.stack.cli("--ca", self.ca, "org", "list", token=self.stack.admin)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("tls-club", r.stdout)

    def test_without_the_ca_or_in_plaintext_the_cli_says_what_to_do(self):
        r = self.stack.cli("--tls", "org", "list", token=self.stack.admin)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no trusted CA signed", r.stderr)
        self.assertIn("--ca=FILE", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)  # no gRPC log lines
        r = self.stack.cli("--plaintext", "org", "list", token=self.stack.admin)
        self.assertEqual(r.returncode, 1)
        self.assertIn("if it serves TLS", r.stderr)
        r = self.stack.cli("--ca", self.server_key, "org", "list", token=self.stack.admin)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no PEM certificate", r.stderr)

    def test_half_a_tls_configuration_stops_a_service_at_start(self):
        with tempfile.TemporaryDirectory() as data:
            r = subprocess.run([STORE, f"--data-dir={data}", f"--tls-cert={self.ca}"], capture_output=True,
                               text=True, timeout=30)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("--tls-key is missing", r.stderr)
            r = subprocess.run([STORE, f"--data-dir={data}", f"--tls-cert={self.ca}",
                                f"--tls-key={self.server_key}"], capture_output=True, text=True, timeout=30)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("does not belong", r.stderr)


class RedisWithAcl(unittest.TestCase):
    """#10 item 9: the store as deploy/ runs it, against a redis-server whose
    users are made by deploy/redis/make-acl.sh from deploy/redis/acl-rules:
    the whole write and read path works as the store's ACL user; a wrong,
    missing or absent password stops the store at start with the flag named
    and the password never printed."""

    @classmethod
    def setUpClass(cls):
        cls.secrets = tempfile.mkdtemp(prefix="babillard-acl-")
        for user in ("babillard", "replication", "sentinel"):
            with open(os.path.join(cls.secrets, f"redis-{user}.password"), "w") as f:
                f.write(os.urandom(24).hex() + "\n")
        cls.password_file = os.path.join(cls.secrets, "redis-babillard.password")
        cls.acl = os.path.join(cls.secrets, "users.acl")
        subprocess.run(["/bin/sh", os.path.join(DEPLOY, "redis/make-acl.sh"), os.path.join(DEPLOY, "redis/acl-rules"),
                        cls.secrets, cls.acl], check=True)
        with open(cls.acl) as f:
            text = f.read()
        with open(cls.password_file) as f:
            cls.password = f.read().strip()
        assert cls.password not in text, "the ACL file holds hashes, not passwords"
        cls.stack = Stack(BUILD, "redis-acl", own_redis=True, redis_args=["--aclfile", cls.acl],
                          store_args=["--redis-user=babillard", f"--redis-password-file={cls.password_file}"])

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def test_the_store_works_as_its_acl_user(self):
        org = self.stack.create_org("acl-club")
        r = self.stack.cli("submit", "--title=Sous ACL", "--start=2027-07-03 19:00", token=org)
        self.assertEqual(r.returncode, 0, r.stderr)
        uid = r.stdout.strip()
        r = self.stack.cli("update", uid, "--title=Sous ACL modifié", token=org)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.stack.import_region("acl-region", 50, 7, 2027)
        r = self.stack.cli("changes", "--page-size=1000")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Sous ACL modifié", r.stdout)
        feed = ""
        deadline = time.time() + 30
        while "Sous ACL modifié" not in feed and time.time() < deadline:
            time.sleep(0.2)
            feed = urllib.request.urlopen(f"{self.stack.base}/feeds/all.ics", timeout=10).read().decode()
        self.assertTrue("Sous ACL modifié" in feed, "the update is not in the feed")
        self.assertGreaterEqual(feed.count("BEGIN:VEVENT"), 50)
        # Nobody else gets in: the default user may PING and nothing more.
        r = subprocess.run(["redis-cli", "-s", self.stack.redis_socket, "GET", "bab:meta:dup-index"],
                           capture_output=True, text=True, timeout=10)
        self.assertIn("NOPERM", r.stdout + r.stderr)

    def start_store(self, *flags):
        with tempfile.TemporaryDirectory() as data:
            r = subprocess.run([STORE, f"--data-dir={data}", "--listen=127.0.0.1:0",
                                f"--redis=unix:{self.stack.redis_socket}", *flags],
                               capture_output=True, text=True, timeout=30)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(self.password, r.stdout + r.stderr)
        return r.stderr

    def test_a_wrong_or_missing_password_stops_the_store_naming_the_flag(self):
        wrong = os.path.join(self.secrets, "wrong.password")
        with open(wrong, "w") as f:
            f.write(os.urandom(24).hex())
        err = self.start_store("--redis-user=babillard", f"--redis-password-file={wrong}")
        self.assertIn("--redis-password-file", err)
        self.assertIn("WRONGPASS", err)
        err = self.start_store("--redis-user=babillard", f"--redis-password-file={self.secrets}/absent")
        self.assertIn("--redis-password-file", err)
        err = self.start_store("--redis-user=babillard")
        self.assertIn("--redis-user: needs --redis-password-file", err)
        err = self.start_store()  # the default user: may PING, not write
        self.assertIn("--redis-user", err)
        self.assertIn("user 'default'", err)
        self.assertIn("NOPERM", err)


class RedisOverStunnel(unittest.TestCase):
    """#10 item 9: Redis on another host, as deploy/stunnel carries it: the
    store talks to its local stunnel (redis-client.conf), which reaches the
    Redis host's (redis-server.conf) over TLS with certificates both ways; the
    store logs in with its ACL user through it. The configuration files are
    deploy's, with only addresses and paths put to this test's."""

    def stunnel(self, name, replace):
        with open(os.path.join(DEPLOY, "stunnel", name)) as f:
            lines = [line for line in f.read().splitlines() if not line.startswith(("setuid", "setgid"))]
        out = []
        for line in lines:
            key = line.split("=", 1)[0].strip()
            out.append(f"{key} = {replace[key]}" if key in replace else line)
        conf = os.path.join(self.dir, name)
        with open(conf, "w") as f:
            f.write("foreground = yes\npid =\n" + "\n".join(out) + "\n")
        p = subprocess.Popen(["stunnel4", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def wait_port(self, port):
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nothing listens on {port}")

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="babillard-stunnel-")
        self.procs = []
        pki = make_pki(self.dir, "redis", "store")
        with open(pki("redis-babillard.password"), "w") as f:
            f.write(os.urandom(24).hex())
        subprocess.run(["/bin/sh", os.path.join(DEPLOY, "redis/make-acl.sh"), os.path.join(DEPLOY, "redis/acl-rules"),
                        self.dir, pki("users.acl"), "babillard"], check=True)
        socket_path = pki("redis.sock")
        self.procs.append(subprocess.Popen(
            ["/usr/bin/redis-server", "--port", "0", "--unixsocket", socket_path, "--dir", self.dir,
             "--save", "", "--aclfile", pki("users.acl")], stdout=subprocess.DEVNULL))
        self.tls_port, self.local_port = free_port(), free_port()
        self.stunnel("redis-server.conf", {"accept": f"127.0.0.1:{self.tls_port}", "connect": socket_path,
                                           "cert": pki("redis.pem"), "key": pki("redis.key"), "CAfile": pki("ca.pem")})
        self.stunnel("redis-client.conf", {"accept": f"127.0.0.1:{self.local_port}",
                                           "connect": f"127.0.0.1:{self.tls_port}", "checkHost": "localhost",
                                           "cert": pki("store.pem"), "key": pki("store.key"), "CAfile": pki("ca.pem")})
        self.wait_port(self.tls_port)
        self.wait_port(self.local_port)
        self.pki = pki

    def tearDown(self):
        for p in self.procs:
            p.terminate()
            p.wait(timeout=30)

    def test_the_store_reaches_redis_through_the_tunnel_and_strangers_do_not(self):
        stack = Stack(BUILD, "stunnel", store_args=[f"--redis=127.0.0.1:{self.local_port}", "--redis-user=babillard",
                                                     f"--redis-password-file={self.pki('redis-babillard.password')}"])
        try:
            org = stack.create_org("tunnel-club")
            r = stack.cli("submit", "--title=Par le tunnel", "--start=2027-07-04 19:00", token=org)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = stack.cli("changes")
            self.assertIn("Par le tunnel", r.stdout)
        finally:
            stack.stop()
        # What crosses the network is TLS: plain Redis gets nothing back.
        with socket.create_connection(("127.0.0.1", self.tls_port), timeout=5) as s:
            s.sendall(b"PING\r\n")
            s.settimeout(5)
            try:
                answer = s.recv(100)
            except (socket.timeout, ConnectionResetError):
                answer = b""
            self.assertNotIn(b"PONG", answer)
        # A TLS client without a certificate, or with one of another CA, is refused before Redis.
        other = tempfile.mkdtemp(prefix="babillard-other-ca-")
        stranger = make_pki(other, "stranger")
        for cert, passes in ((None, False), ((stranger("stranger.pem"), stranger("stranger.key")), False),
                             ((self.pki("store.pem"), self.pki("store.key")), True)):  # the control
            context = ssl.create_default_context(cafile=self.pki("ca.pem"))
            if cert:
                context.load_cert_chain(*cert)
            answer = b""
            try:
                with socket.create_connection(("127.0.0.1", self.tls_port), timeout=5) as raw:
                    with context.wrap_socket(raw, server_hostname="localhost") as s:
                        s.sendall(b"PING\r\n")
                        answer = s.recv(100)
            except (ssl.SSLError, OSError):
                pass
            self.assertEqual(b"PONG" in answer, passes, (cert, answer))

if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[2:], verbosity=2)
