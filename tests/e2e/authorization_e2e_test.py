#!/usr/bin/python3
"""Every RPC of ingest, publish and the store, called through the real
binaries with no token, a wrong token, another organization's token, and a
publisher's on admin calls (#10 item 4). The list of RPCs comes from the
service descriptors (grpc_probe methods): an RPC missing from the table
below fails the test, so a new one cannot be forgotten.

usage: authorization_e2e_test.py BUILD_DIR
"""
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

from harness import Stack, http_get, read_ready, wait_for

BUILD = sys.argv[1]
PROBE = os.path.join(BUILD, "tests/e2e/grpc_probe")
PROTO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../proto")

EVENT = ('event {{ title {{ fr: "Intrus" }} start {{ local: "2027-05-01T10:00:00" }} '
         'location {{ municipality: "danville" }} }}')
ICS = ("BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nPRODID:-//t//EN\\r\\nBEGIN:VEVENT\\r\\nUID:x@t\\r\\n"
       "DTSTAMP:20270101T000000Z\\r\\nDTSTART:20270501T100000Z\\r\\nSUMMARY:Intrus\\r\\nEND:VEVENT\\r\\n"
       "END:VCALENDAR\\r\\n")

# Who may call each RPC, and a request naming alpha's things ({event}, {source},
# {webhook}, {feed}) as beta would send it:
#   public    anyone, a token optional (a wrong one is still refused)
#   own       a publisher on its own organization's things only
#   list      a publisher sees its own organization's things only
#   admin     admins only
#   internal  the store: only ingest and publish, with the internal token
RPCS = {
    "babillard.v1.Ingest/SubmitEvent": ("own", 'organization: "alpha" ' + EVENT),
    "babillard.v1.Ingest/UpdateEvent": ("own", EVENT.replace("event {{", 'event {{ uid: "{event}"', 1)),
    "babillard.v1.Ingest/CancelEvent": ("own", 'uid: "{event}"'),
    "babillard.v1.Ingest/DeleteEvent": ("own", 'uid: "{event}"'),
    "babillard.v1.Ingest/GetEvent": ("own", 'uid: "{event}"'),
    "babillard.v1.Ingest/ListEvents": ("list", ""),
    "babillard.v1.Ingest/ImportCalendar": ("own", f'organization: "alpha" ics: "{ICS}"'),
    "babillard.v1.Ingest/CreateOrganization": ("admin", 'organization {{ slug: "intrus" name: "Intrus" }}'),
    "babillard.v1.Ingest/ListOrganizations": ("list", ""),
    "babillard.v1.Ingest/RotateToken": ("own", 'slug: "alpha"'),
    "babillard.v1.Ingest/AddSource": ("own", 'source {{ organization: "alpha" url: "http://127.0.0.1:9/x.ics" }}'),
    "babillard.v1.Ingest/ListSources": ("list", ""),
    "babillard.v1.Ingest/PollSource": ("own", 'id: "{source}"'),
    "babillard.v1.Ingest/RemoveSource": ("own", 'id: "{source}"'),
    "babillard.v1.Ingest/SplitDuplicate": ("own", 'uid: "{event}" provenance {{ organization: "alpha" }}'),
    "babillard.v1.Publish/Subscribe": ("public", ""),
    "babillard.v1.Publish/ListChanges": ("public", ""),
    "babillard.v1.Publish/CreateNamedFeed": ("own", 'feed {{ name: "intrus" organization: "alpha" }}'),
    "babillard.v1.Publish/ListNamedFeeds": ("list", ""),
    "babillard.v1.Publish/DeleteNamedFeed": ("own", 'name: "{feed}"'),
    "babillard.v1.Publish/CreateWebhook": ("own", 'webhook {{ organization: "alpha" url: "http://127.0.0.1:9/h" }}'),
    "babillard.v1.Publish/ListWebhooks": ("list", 'organization: "alpha"'),
    "babillard.v1.Publish/DeleteWebhook": ("own", 'id: "{webhook}"'),
    "babillard.v1.Publish/ListDeliveries": ("own", 'webhook_id: "{webhook}"'),
    "babillard.v1.Publish/RotateWebhookSecret": ("own", 'id: "{webhook}"'),
    "babillard.v1.Publish/GetFeedUrls": ("public", ""),
}
STORE_RPCS = ["PutEvent", "PutEvents", "GetEvent", "DeleteEvent", "QueryEvents", "Watch", "ReadChanges",
              "PutOrganization", "GetOrganization", "ListOrganizations", "LookupToken", "PutSource",
              "GetSource", "ListSources", "DeleteSource", "PutNamedFeed", "GetNamedFeed", "ListNamedFeeds",
              "DeleteNamedFeed", "PutWebhook", "GetWebhook", "ListWebhooks", "DeleteWebhook",
              "AdvanceWebhookCursor", "RecordDelivery", "ListDeliveries"]
for name in STORE_RPCS:
    RPCS[f"babillard.internal.Store/{name}"] = ("internal", "")

REFLECTION = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
WRONG = "bab_" + "q" * 40
# What an error message must never show: internal paths, sockets, Redis and its keys.
LEAK = re.compile(r"/tmp|/var/|\.sock|redis|bab:|\b(idx|ev|src|wh|org|feed|changes):|\.cc\b", re.I)


def probe(calls):
    """[(address, method, token, request)] -> [(code, message, response)]."""
    lines = "".join(f"{a}\t{m}\t{t or ''}\t{r}\n" for a, m, t, r in calls)
    out = subprocess.run([PROBE, "calls"], input=lines, capture_output=True, text=True, timeout=600,
                         check=True).stdout
    return [tuple((line.split("\t") + ["", ""])[:3]) for line in out.splitlines()]


class Authorization(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.internal = os.urandom(32).hex()
        token_file = os.path.join(cls.tmp.name, "internal.token")
        with open(token_file, "w") as f:
            f.write(cls.internal)
        flag = f"--internal-token-file={token_file}"
        cls.stack = Stack(BUILD, "authorization-e2e", store_args=[flag],
                          ingest_args=[flag, "--allow-loopback-sources", "--writes-per-second=0",
                                       "--imports-per-minute=0"],
                          publish_args=[flag, "--allow-loopback-webhooks"])
        s = cls.stack
        cls.address = {"Ingest": f"127.0.0.1:{s.ports['ingest']}", "Publish": f"127.0.0.1:{s.ports['publish']}",
                       "Store": f"127.0.0.1:{s.ports['store']}"}
        cls.alpha, cls.beta = s.create_org("alpha"), s.create_org("beta")
        made = probe([
            (cls.address["Ingest"], "babillard.v1.Ingest/SubmitEvent", cls.alpha,
             'event { title { fr: "Réunion privée" } start { local: "2027-05-02T10:00:00" } '
             'location { municipality: "danville" } visibility: VISIBILITY_PRIVATE }'),
            (cls.address["Ingest"], "babillard.v1.Ingest/AddSource", cls.alpha,
             'source { url: "http://127.0.0.1:9/alpha-secret.ics" }'),
            (cls.address["Publish"], "babillard.v1.Publish/CreateWebhook", cls.alpha,
             'webhook { url: "http://127.0.0.1:9/alpha-hook" }'),
            (cls.address["Publish"], "babillard.v1.Publish/CreateNamedFeed", cls.alpha,
             'feed { name: "alpha-feed" title { fr: "Alpha" } }'),
        ])
        for code, message, _ in made:
            assert code == "OK", (code, message)
        cls.ids = {
            "event": re.search(r'uid: "([^"]+)"', made[0][2]).group(1),
            "source": re.search(r'id: "([^"]+)"', made[1][2]).group(1),
            "webhook": re.search(r'id: "([^"]+)"', made[2][2]).group(1),
            "feed": "alpha-feed",
        }
        cls.outcomes = []  # (method, code, message) of every call

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()
        cls.tmp.cleanup()

    def call(self, method, token, request=None):
        return self.calls([(method, token, request)])[0]

    def calls(self, items):
        """[(method, token, request or None for the table's)] -> [(code, message, response)]."""
        batch = []
        for method, token, request in items:
            service = method.split("/")[0].split(".")[-1]
            if request is None:
                request = RPCS[method][1].format(**self.ids)
            batch.append((self.address[service], method, token, request))
        results = probe(batch)
        self.outcomes.extend((method, code, message) for (method, _, _), (code, message, _) in zip(items, results))
        return results

    def test_every_rpc_of_every_service_is_in_the_table(self):
        listed = subprocess.run([PROBE, "methods"], capture_output=True, text=True, check=True).stdout
        methods = {line.split("\t")[0] for line in listed.splitlines()}
        self.assertEqual(methods - set(RPCS), set(), "RPCs the authorization test does not know")
        self.assertEqual(set(RPCS) - methods, set(), "RPCs in the table that no service has")
        # And every service of every .proto file is one the probe lists.
        services = set()
        for directory, _, files in os.walk(PROTO):
            for name in files:
                if name.endswith(".proto"):
                    with open(os.path.join(directory, name)) as f:
                        services.update(re.findall(r"^service (\w+)", f.read(), re.M))
        self.assertEqual(services, {m.split("/")[0].split(".")[-1] for m in methods})

    def test_without_a_token_only_public_calls_answer(self):
        public = [m for m in RPCS if RPCS[m][0] == "public"]
        closed = [m for m in RPCS if RPCS[m][0] != "public"]
        for method, (code, message, _) in zip(public, self.calls([(m, None, None) for m in public])):
            self.assertNotIn(code, ("UNAUTHENTICATED", "PERMISSION_DENIED"), f"{method}: {message}")
        for method, (code, message, _) in zip(closed, self.calls([(m, None, None) for m in closed])):
            self.assertEqual(code, "UNAUTHENTICATED", f"{method}: {message}")

    def test_a_wrong_token_is_refused_everywhere_even_where_none_is_needed(self):
        methods = list(RPCS)
        for method, (code, message, _) in zip(methods, self.calls([(m, WRONG, None) for m in methods])):
            self.assertEqual(code, "UNAUTHENTICATED", f"{method}: {message}")

    def test_the_store_takes_only_the_internal_token(self):
        store = [m for m in RPCS if RPCS[m][0] == "internal"]
        for token in (self.beta, self.stack.admin):
            for method, (code, message, _) in zip(store, self.calls([(m, token, None) for m in store])):
                self.assertEqual(code, "UNAUTHENTICATED", f"{method} with an organization's token: {message}")
        for method, (code, message, _) in zip(store, self.calls([(m, self.internal, None) for m in store])):
            self.assertNotIn(code, ("UNAUTHENTICATED", "PERMISSION_DENIED"), f"{method}: {message}")

    def test_another_organization_reaches_nothing_of_alpha(self):
        methods = [m for m in RPCS if RPCS[m][0] in ("own", "list", "admin")]
        results = self.calls([(m, self.beta, None) for m in methods])
        for method, (code, message, response) in zip(methods, results):
            kind = RPCS[method][0]
            if kind == "list":
                self.assertIn(code, ("OK", "PERMISSION_DENIED"), f"{method}: {message}")
                for thing in (*self.ids.values(), "alpha-secret", "alpha-hook", 'slug: "alpha"'):
                    self.assertNotIn(thing, response, f"{method} showed beta alpha's {thing}")
            elif kind == "admin":
                self.assertEqual(code, "PERMISSION_DENIED", f"{method}: {message}")
            else:
                self.assertIn(code, ("PERMISSION_DENIED", "NOT_FOUND"), f"{method}: {message}")
        # alpha's things are all still there, unchanged.
        event, sources, hooks, feeds = self.calls([
            ("babillard.v1.Ingest/GetEvent", self.alpha, None),
            ("babillard.v1.Ingest/ListSources", self.alpha, ""),
            ("babillard.v1.Publish/ListWebhooks", self.alpha, ""),
            ("babillard.v1.Publish/ListNamedFeeds", self.alpha, "")])
        self.assertEqual(event[0], "OK", event[1])
        self.assertIn(f'uid: "{self.ids["event"]}"', event[2])
        self.assertIn(self.ids["source"], sources[2])
        self.assertIn(self.ids["webhook"], hooks[2])
        self.assertIn("alpha-feed", feeds[2])

    def test_a_publisher_on_admin_calls_is_refused(self):
        admin = [m for m in RPCS if RPCS[m][0] == "admin"]
        for method, (code, message, _) in zip(admin, self.calls([(m, self.alpha, None) for m in admin])):
            self.assertEqual(code, "PERMISSION_DENIED", f"{method}: {message}")

    def test_reflection_is_off_unless_asked_for(self):
        for service, address in self.address.items():
            code, message, _ = probe([(address, REFLECTION, "", "")])[0]
            self.assertEqual(code, "UNIMPLEMENTED", f"{service} serves reflection: {message}")
        with tempfile.TemporaryDirectory() as d:
            store = subprocess.Popen([os.path.join(BUILD, "services/store/babillard-store"), f"--data-dir={d}/data",
                                      "--listen=127.0.0.1:0", f"--ready-file={d}/ready", "--grpc-reflection"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_for(f"{d}/ready", store)
                code, message, _ = probe([(read_ready(f"{d}/ready")["grpc"], REFLECTION, "", "")])[0]
                self.assertEqual(code, "OK", f"--grpc-reflection: {message}")
            finally:
                store.terminate()
                store.wait(timeout=30)

    def test_metrics_can_be_kept_off_the_public_listener(self):
        d = self.tmp.name
        publish = subprocess.Popen(
            [os.path.join(BUILD, "services/publish/babillard-publish"), f"--store={self.address['Store']}",
             "--http=127.0.0.1:0", "--listen=127.0.0.1:0", "--metrics-http=127.0.0.1:0",
             f"--internal-token-file={d}/internal.token", f"--admin-token-file={self.stack.dir}/ingest/admin.token",
             f"--ready-file={d}/metrics.ready"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(f"{d}/metrics.ready", publish)
            ready = read_ready(f"{d}/metrics.ready")
            public, metrics = ready["http"], ready["metrics"]
            self.assertEqual(http_get(public + "/metrics")[0], 404)
            deadline = time.time() + 30
            while http_get(public + "/healthz")[0] != 200 and time.time() < deadline:
                time.sleep(0.1)
            self.assertEqual(http_get(public + "/feeds/all.ics")[0], 200)
            status, body = http_get(metrics + "/metrics")
            self.assertEqual(status, 200)
            self.assertIn(b"babillard_", body)
            self.assertEqual(http_get(metrics + "/healthz")[0], 200)
            self.assertEqual(http_get(metrics + "/feeds/all.ics")[0], 404)
        finally:
            publish.terminate()
            publish.wait(timeout=30)
        # Without the flag, /metrics stays where it was.
        self.assertEqual(http_get(self.stack.base + "/metrics")[0], 200)

    def test_zz_no_error_message_shows_internals(self):
        # Runs last (by name): every message the other tests collected.
        self.calls([(m, self.internal if RPCS[m][0] == "internal" else self.alpha, "")
                    for m in RPCS if m.split("/")[1] not in ("DeleteEvent", "RemoveSource")])
        leaks = sorted({(m, message) for m, _, message in self.outcomes if LEAK.search(message)})
        self.assertEqual(leaks, [], "error messages naming internals")
        # An exception escaping a handler is UNKNOWN "Unexpected error in RPC handling".
        unknown = sorted({(m, message) for m, code, message in self.outcomes if code == "UNKNOWN"})
        self.assertEqual(unknown, [], "calls that failed inside the service")

    def test_zzz_the_store_down_is_said_without_its_address(self):
        # Last: the store is gone for good. What users get says so, not where it was.
        self.stack.kill("store")
        results = self.calls([("babillard.v1.Ingest/GetEvent", self.beta, None),
                              ("babillard.v1.Ingest/ListSources", self.beta, ""),
                              ("babillard.v1.Publish/ListWebhooks", self.beta, "")])
        for code, message, _ in results:
            self.assertIn(code, ("UNAVAILABLE", "UNAUTHENTICATED"), message)
            self.assertNotIn(str(self.stack.ports["store"]), message)
            self.assertNotIn("127.0.0.1", message)
            self.assertIsNone(LEAK.search(message), message)
        self.assertIn("UNAVAILABLE", [code for code, _, _ in results])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[2:], verbosity=2)
