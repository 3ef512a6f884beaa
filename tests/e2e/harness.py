"""What the end-to-end tests share: waiting for a service's ready file and
reading the addresses it bound, a Stack of the real services, and a webhook
Receiver."""
import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request


def free_port():
    """A port nothing listens on now, for an address that must lead nowhere."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=60):
    """(status, body) of a GET; an HTTP error status is an answer too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def http_fetch(url, headers=None, timeout=20):
    """(status, headers, body) of a GET with `headers`; an HTTP error status is an answer too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M).group(1))


def probe(build, address, method, token, request, deadline_ms=None):
    """(code name, message) of one call by grpc_probe (any RPC by its name);
    `deadline_ms` replaces the probe's own deadline."""
    env = dict(os.environ)
    if deadline_ms is not None:
        env["GRPC_PROBE_DEADLINE_MS"] = str(deadline_ms)
    out = subprocess.run([os.path.join(build, "tests/e2e/grpc_probe"), "calls"],
                         input=f"{address}\t{method}\t{token or ''}\t{request}\n", capture_output=True, text=True,
                         timeout=120, env=env)
    code, message, _ = (out.stdout.rstrip("\n").split("\t") + ["", ""])[:3]
    return code, message


def read_ready(path):
    """The addresses a service's --ready-file lists: {"grpc": "127.0.0.1:43117", "http": ...}."""
    with open(path) as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line)


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def wait_for(path, proc, timeout=30):
    """Waits until `path` (a --ready-file) is written, failing if `proc` exits first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited early")
        time.sleep(0.05)
    raise RuntimeError(f"{path} did not appear")


class Stack:
    """The real store, ingest and publish on loopback, each on a port it picks
    (port 0; the ready file says which), in a temporary directory, with the CLI
    pointed at them. A restarted service comes back on the same ports.
    `publish_args` are added to publish's flags (tests turn on loopback
    webhooks there)."""

    def __init__(self, build, name, publish_args=(), ingest_args=(), own_redis=False, publish_nofile=None,
                 store_args=(), redis_args=()):
        self.build = build
        self.dir = tempfile.mkdtemp(prefix=f"babillard-{name}-")
        self.ports = {k: 0 for k in ("store", "ingest", "publish", "http")}
        self.procs = {}
        self.commands = {}
        self.logs = []
        self.publish_args = list(publish_args)
        # publish under this file descriptor limit (soft and hard), as a small host would run it.
        self.publish_nofile = publish_nofile
        store_args = [f"--data-dir={self.dir}/store", f"--listen=127.0.0.1:{self.ports['store']}", *store_args]
        if own_redis:
            # A Redis of the test's own (as in production), so drills can kill it.
            self.redis_socket = f"{self.dir}/redis.sock"
            os.makedirs(f"{self.dir}/redis", exist_ok=True)
            self.start("redis", "/usr/bin/redis-server",
                       ["--port", "0", "--unixsocket", self.redis_socket, "--dir", f"{self.dir}/redis",
                        "--appendonly", "yes", "--appendfsync", "always", "--save", "", *redis_args],
                       ready=self.redis_socket)
            store_args.append(f"--redis=unix:{self.redis_socket}")
        self.start("store", "services/store/babillard-store", store_args)
        self.start("ingest", "services/ingest/babillard-ingest",
                   [f"--store=127.0.0.1:{self.ports['store']}", f"--listen=127.0.0.1:{self.ports['ingest']}",
                    f"--data-dir={self.dir}/ingest", *ingest_args])
        with open(f"{self.dir}/ingest/admin.token") as f:
            self.admin = f.read().strip()
        self.start_publish()
        self.base = f"http://127.0.0.1:{self.ports['http']}"

    def start(self, name, path, args, ready=None):
        """Starts a service and waits for its --ready-file (or the path `ready`)."""
        self.commands[name] = (path, args, ready)
        wait = ready or f"{self.dir}/{name}.ready"
        if os.path.exists(wait):
            os.unlink(wait)
        log = open(f"{self.dir}/{name}.log", "a")
        self.logs.append(log)
        argv = [path if path.startswith("/") else os.path.join(self.build, path), *args]
        if ready is None:
            argv.append(f"--ready-file={wait}")
        limit = self.publish_nofile if name == "publish" else None
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                             preexec_fn=(lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit)))
                             if limit else None)
        self.procs[name] = p
        if ready is not None:
            self._wait_path(wait, p)
            return p
        wait_for(wait, p)
        bound = read_ready(wait)
        self.ports[name] = port_of(bound["grpc"])
        pinned = {"--listen=127.0.0.1:0": f"--listen={bound['grpc']}"}
        if "http" in bound:
            self.ports["http"] = port_of(bound["http"])
            pinned["--http=127.0.0.1:0"] = f"--http=127.0.0.1:{self.ports['http']}"
        self.commands[name] = (path, [pinned.get(a, a) for a in args], ready)
        return p

    @staticmethod
    def _wait_path(path, proc, timeout=30):
        deadline = time.time() + timeout
        while not os.path.exists(path):
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{path} did not appear")
            time.sleep(0.02)

    def restart(self, name):
        self.start(name, *self.commands[name])

    def start_publish(self):
        self.start("publish", "services/publish/babillard-publish",
                   [f"--store=127.0.0.1:{self.ports['store']}", f"--http=127.0.0.1:{self.ports['http']}",
                    f"--listen=127.0.0.1:{self.ports['publish']}", f"--admin-token-file={self.dir}/ingest/admin.token",
                    *self.publish_args])

    def kill(self, name, sig=None):
        p = self.procs[name]
        p.send_signal(sig or signal.SIGKILL)
        return p.wait(timeout=30)

    def env(self, token=None):
        env = dict(os.environ, BABILLARD_ADDR=f"127.0.0.1:{self.ports['ingest']}",
                   BABILLARD_PUBLISH_ADDR=f"127.0.0.1:{self.ports['publish']}")
        env.pop("BABILLARD_TOKEN", None)
        if token:
            env["BABILLARD_TOKEN"] = token
        return env

    def cli(self, *args, token=None, timeout=60):
        return subprocess.run([os.path.join(self.build, "clients/cli/babillard"), *args], capture_output=True,
                              text=True, env=self.env(token), timeout=timeout)

    def cli_popen(self, *args, token=None, **kwargs):
        return subprocess.Popen([os.path.join(self.build, "clients/cli/babillard"), *args], env=self.env(token),
                                text=True, **kwargs)

    def head(self):
        """The newest cursor, as `babillard changes` reports it after paging to the end."""
        since = ""
        while True:
            out = self.cli("changes", f"--since={since}", "--page-size=1000").stdout
            since, more = re.search(r"^next: --since=(\S*)( \(more\))?$", out, re.M).groups()
            if not more:
                return since

    def watch_when_allowed(self, timeout=20):
        """A `babillard watch` that stays open, started again each second until
        one does (a place among the capped streams freed), or None."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            w = self.cli_popen("watch", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(1)
            if w.poll() is None:
                return w
            w.communicate()
        return None

    def import_region(self, org, events, seed, year):
        """The region as bench/gen_ics.py makes it (`events` of dozens of
        organizations in one file), imported by a new organization `org`."""
        generator = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../bench/gen_ics.py")
        subprocess.run(["/usr/bin/python3", generator, "--events", str(events), "--seed", str(seed), "--year",
                        str(year), "--out", self.dir, "--no-orgs"], check=True, capture_output=True)
        r = self.cli("import", os.path.join(self.dir, f"feed-{events}.ics"), token=self.create_org(org))
        if r.returncode != 0:
            raise RuntimeError(r.stderr)

    def create_org(self, slug, municipality="danville"):
        r = self.cli("org", "create", f"--slug={slug}", f"--name=Org {slug}", f"--municipality={municipality}",
                     token=self.admin)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        return re.search(r"^token: (\S+)$", r.stdout, re.M).group(1)

    def log(self, name):
        with open(f"{self.dir}/{name}.log") as f:
            return f.read()

    def stop(self):
        for name in ("publish", "ingest", "store", "redis"):
            p = self.procs.get(name)
            if p is None or p.poll() is not None:
                continue
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for log in self.logs:
            log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Receiver:
    """A webhook endpoint on 127.0.0.1 that verifies each signature and
    answers `fail_first` requests with 500 (or every one with `always`), or
    follows `script`: (status, headers, seconds to hang) per request, then 204.
    `attempts` records (time, webhook-id, status) of every signed request."""

    def __init__(self, fail_first=0, always=None, script=None):
        self.secret = None
        self.received = []  # (webhook-id, parsed body) of every valid request, in arrival order
        self.bad_signatures = 0
        self.fail_first, self.always = fail_first, always
        self.script = list(script or [])
        self.attempts = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                mid, ts, sig = (self.headers[h] for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
                with receiver.lock:
                    key = base64.b64decode(receiver.secret[len("whsec_"):])
                    expected = base64.b64encode(hmac.new(key, f"{mid}.{ts}.".encode() + body,
                                                         hashlib.sha256).digest()).decode()
                    fresh = abs(time.time() - int(ts)) < 300
                    headers, hang = {}, 0
                    if sig != f"v1,{expected}" or not fresh:
                        receiver.bad_signatures += 1
                        code = 400
                    elif receiver.script:
                        code, headers, hang = receiver.script.pop(0)
                        if code < 300:
                            receiver.received.append((mid, json.loads(body)))
                    elif receiver.always is not None:
                        code = receiver.always
                    elif receiver.fail_first > 0:
                        receiver.fail_first -= 1
                        code = 500
                    else:
                        receiver.received.append((mid, json.loads(body)))
                        code = 204
                    receiver.attempts.append((time.time(), mid, code))
                if hang:
                    time.sleep(hang)
                try:
                    self.send_response(code)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def ids(self):
        with self.lock:
            return [m for m, _ in self.received]

    def stop(self):
        self.server.shutdown()
