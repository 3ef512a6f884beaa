#!/usr/bin/python3
"""The babillard CLI end to end: the real babillard-store (with its private
redis-server) and babillard-ingest on loopback, driven by the real `babillard`
binary exactly as a user types it.

usage: cli_e2e_test.py BUILD_DIR CORPUS_DIR
"""
import http.server
import json
import os
import re
import shlex
import threading
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import icalendar

from harness import port_of, read_ready, wait_for

BUILD, CORPUS = sys.argv[1], sys.argv[2]
STORE = os.path.join(BUILD, "services/store/babillard-store")
INGEST = os.path.join(BUILD, "services/ingest/babillard-ingest")
CLI = os.path.join(BUILD, "clients/cli/babillard")
ICS_TOOL = os.path.join(BUILD, "clients/cli/babillard-ics")




class SourceServer:
    """A loopback calendar server whose answers the test scripts, recording
    the headers of every request."""

    def __init__(self):
        self.answers = []
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(dict(self.headers))
                status, headers, body, delay = outer.answers.pop(0) if outer.answers else (404, {}, b"", 0)
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading at its size cap

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path="/cal.ics"):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.httpd.shutdown()


def calendar(*events):
    body = "".join(f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{stamp}\r\nDTSTART;TZID=America/Toronto:20300115T190000\r\n"
                   f"DURATION:PT1H\r\nSUMMARY:{title}\r\nEND:VEVENT\r\n" for uid, title, stamp in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n".encode()


class Cluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="babillard-cli-e2e-")
        self.logs = [open(os.path.join(self.dir, n), "w") for n in ("store.log", "ingest.log")]
        self.store = subprocess.Popen(
            [STORE, f"--data-dir={self.dir}/store", "--listen=127.0.0.1:0",
             f"--ready-file={self.dir}/store.ready"], stdout=self.logs[0], stderr=subprocess.STDOUT)
        wait_for(f"{self.dir}/store.ready", self.store)
        store = read_ready(f"{self.dir}/store.ready")["grpc"]
        self.ingest = subprocess.Popen(
            [INGEST, f"--store={store}", "--listen=127.0.0.1:0",
             f"--data-dir={self.dir}/ingest", f"--ready-file={self.dir}/ingest.ready",
             # The corpus goes in twice, 160 imports of one organization in seconds.
             "--imports-per-minute=0"],
            stdout=self.logs[1], stderr=subprocess.STDOUT)
        wait_for(f"{self.dir}/ingest.ready", self.ingest)
        self.ingest_port = port_of(read_ready(f"{self.dir}/ingest.ready")["grpc"])
        with open(f"{self.dir}/ingest/admin.token") as f:
            self.admin = f.read().strip()
        # A second ingest on the same store, for sources on loopback (tests only).
        self.logs.append(open(os.path.join(self.dir, "ingest-loopback.log"), "w"))
        self.ingest_loopback = subprocess.Popen(
            [INGEST, f"--store={store}", "--listen=127.0.0.1:0",
             f"--data-dir={self.dir}/ingest", f"--ready-file={self.dir}/ingest-loopback.ready",
             "--allow-loopback-sources", "--poll=false", "--source-timeout-seconds=2",
             "--max-import-bytes=1000000"], stdout=self.logs[2], stderr=subprocess.STDOUT)
        wait_for(f"{self.dir}/ingest-loopback.ready", self.ingest_loopback)
        self.loopback_port = port_of(read_ready(f"{self.dir}/ingest-loopback.ready")["grpc"])

    def stop(self):
        for p in (self.ingest_loopback, self.ingest, self.store):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in self.logs:
            log.close()

    def logs_text(self):
        return "".join(open(os.path.join(self.dir, n)).read()
                       for n in ("store.log", "ingest.log", "ingest-loopback.log"))

    def cli(self, *args, token=None, loopback=False):
        port = self.loopback_port if loopback else self.ingest_port
        env = dict(os.environ, BABILLARD_ADDR=f"127.0.0.1:{port}")
        env.pop("BABILLARD_TOKEN", None)
        if token is not None:
            env["BABILLARD_TOKEN"] = token
        return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, timeout=120)

    def cli_popen(self, *args, token=None):
        env = dict(os.environ, BABILLARD_ADDR=f"127.0.0.1:{self.ingest_port}", BABILLARD_TOKEN=token or "")
        return subprocess.Popen([CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


CLUSTER = None
TOKENS = {}


def setUpModule():
    global CLUSTER
    CLUSTER = Cluster()
    for slug, name in (("biblio", "Bibliothèque de Danville"), ("club", "Club de ski de fond")):
        r = CLUSTER.cli("org", "create", f"--slug={slug}", f"--name={name}", "--municipality=danville",
                        token=CLUSTER.admin)
        assert r.returncode == 0, r.stderr
        TOKENS[slug] = re.search(r"^token: (\S+)$", r.stdout, re.M).group(1)


def tearDownModule():
    logs = CLUSTER.logs_text()
    CLUSTER.stop()
    # Tokens never appear in logs.
    for token in [CLUSTER.admin, *TOKENS.values()]:
        assert token not in logs, "a token leaked into the logs"
    shutil.rmtree(CLUSTER.dir)


class CliEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = CLUSTER
        cls.tokens = TOKENS

    def submit(self, org, title="Heure du conte", *extra):
        r = self.c.cli("submit", f"--title={title}", "--start=2030-07-01 10:00", "--end=2030-07-01 11:00",
                       "--municipality=danville", "--category=culture", *extra, token=self.tokens[org])
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_an_organization_submits_updates_cancels_and_deletes(self):
        uid = self.submit("biblio", "Conte de Noël", "--title-en=Christmas tale", "--location=Bibliothèque")
        self.assertTrue(uid.startswith("biblio/"), uid)
        listed = self.c.cli("list", "--output=json", token=self.tokens["biblio"])
        self.assertIn(uid, listed.stdout)
        self.assertIn("Christmas tale", listed.stdout)
        table = self.c.cli("list", token=self.tokens["biblio"])
        self.assertIn("Conte de Noël", table.stdout)
        r = self.c.cli("update", uid, "--title=Conte de Noël (salle B)", token=self.tokens["biblio"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("sequence 1", r.stdout)
        r = self.c.cli("cancel", uid, "--reason=tempête", token=self.tokens["biblio"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("sequence 2", r.stdout)
        self.assertIn("STATUS_CANCELLED", self.c.cli("list", "--output=json", token=self.tokens["biblio"]).stdout)
        r = self.c.cli("delete", uid, token=self.tokens["biblio"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(uid, self.c.cli("list", "--output=json", token=self.tokens["biblio"]).stdout)

    def test_a_script_submitting_its_own_uid_twice_makes_one_event(self):
        # #10 item 7: --uid makes a submit repeatable; a change of it needs update.
        first = self.submit("biblio", "Bingo du jeudi", "--uid=bingo-jeudi@script")
        again = self.c.cli("submit", "--title=Bingo du jeudi", "--start=2030-07-01 10:00", "--end=2030-07-01 11:00",
                           "--municipality=danville", "--category=culture", "--uid=bingo-jeudi@script",
                           token=self.tokens["biblio"])
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(again.stdout.strip(), first)
        self.assertIn("already submitted", again.stderr)
        changed = self.c.cli("submit", "--title=Grand bingo", "--start=2030-07-01 10:00", "--uid=bingo-jeudi@script",
                             token=self.tokens["biblio"])
        self.assertEqual(changed.returncode, 1, changed.stdout)
        self.assertIn("use update", changed.stderr)
        listed = self.c.cli("list", "--org=biblio", "--from=2030-01-01", "--output=json",
                            token=self.tokens["biblio"]).stdout
        self.assertEqual(listed.count(first), 1, listed)

    def test_a_reimport_without_flags_keeps_what_the_first_gave_and_defaults_are_the_organizations(self):
        # #13 item 2: the re-import said "updated 3" and took the events out of their municipality's feed.
        calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" + "".join(
            f"BEGIN:VEVENT\r\nUID:reimport{i}@t\r\nDTSTAMP:20300101T000000Z\r\n"
            f"DTSTART:2030080{i}T140000Z\r\nSUMMARY:Atelier {i}\r\nEND:VEVENT\r\n" for i in range(1, 4)
        ) + "END:VCALENDAR\r\n"
        path = os.path.join(self.c.dir, "reimport.ics")
        with open(path, "w") as f:
            f.write(calendar)
        token = self.tokens["biblio"]
        first = self.c.cli("import", path, "--municipality=wotton", "--category=sport", token=token)
        self.assertEqual(first.returncode, 0, first.stderr)
        again = self.c.cli("import", path, token=token)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("unchanged 3", again.stdout)
        listed = json.loads(self.c.cli("list", "--org=biblio", "--from=2030-08-01", "--to=2030-08-03",
                                       "--output=json", token=token).stdout)
        events = [e for e in listed if "reimport" in e["uid"]]
        self.assertEqual(len(events), 3, listed)
        for e in events:
            self.assertEqual(e["location"]["municipality"], "wotton")
            self.assertEqual(e["categories"], ["sport"])
        # Neither the event nor the call names one: the organization's municipality (danville).
        bare = self.c.cli("submit", "--title=Sans lieu", "--start=2030-08-05 10:00", token=token)
        self.assertEqual(bare.returncode, 0, bare.stderr)
        shown = self.c.cli("list", "--org=biblio", "--from=2030-08-05", "--to=2030-08-05", "--output=json",
                           token=token).stdout
        self.assertIn('"municipality": "danville"', shown.replace('":"', '": "'))

    def test_show_prints_an_event_and_version_the_build(self):
        # #13 items 6 and 7.
        uid = self.submit("biblio", "Club de lecture", "--location=Bibliothèque", "--rrule=FREQ=WEEKLY;COUNT=4")
        shown = self.c.cli("show", uid, token=self.tokens["biblio"])
        self.assertEqual(shown.returncode, 0, shown.stderr)
        for line in (f"uid           {uid}", "title         Club de lecture", "start         2030-07-01 10:00",
                     "repeats       FREQ=WEEKLY;COUNT=4", "place         Bibliothèque", "version       1 (sequence 0)"):
            self.assertIn(line, shown.stdout)
        missing = self.c.cli("show", "biblio/nope@x", token=self.tokens["biblio"])
        self.assertEqual(missing.returncode, 1)
        self.assertIn("not found", missing.stderr)
        # Another publisher's list is its own organization's; --all is the region's.
        theirs = self.c.cli("list", "--from=2030-07-01", "--to=2030-07-01", token=self.tokens["club"])
        self.assertNotIn(uid, theirs.stdout)
        self.assertIn("club's events; --all for the whole region", theirs.stderr)
        region = self.c.cli("list", "--all", "--from=2030-07-01", "--to=2030-07-01", token=self.tokens["club"])
        self.assertIn(uid, region.stdout)
        version = self.c.cli("--version")
        self.assertEqual(version.returncode, 0)
        self.assertRegex(version.stdout, r"^babillard \d+\.\d+\.\d+ \(")

    def test_events_export_as_icalendar_that_readers_and_import_take(self):
        # #13 item 6: --output=ics on list and show; python3-icalendar reads it,
        # and `babillard import` takes it back unchanged.
        uid = self.submit("biblio", "Atelier d'écriture", "--title-en=Writing workshop", "--rrule=FREQ=WEEKLY;COUNT=3")
        shown = self.c.cli("show", uid, "--output=ics", token=self.tokens["biblio"])
        self.assertEqual(shown.returncode, 0, shown.stderr)
        calendar = icalendar.Calendar.from_ical(shown.stdout)
        events = [c for c in calendar.walk("VEVENT")]
        self.assertEqual(len(events), 1)
        self.assertEqual(str(events[0]["RRULE"].to_ical(), "ascii"), "FREQ=WEEKLY;COUNT=3")
        self.assertIn("Writing workshop", shown.stdout)
        exported = self.c.cli("list", "--output=ics", "--from=2030-07-01", "--to=2030-07-01",
                              token=self.tokens["biblio"])
        self.assertEqual(exported.returncode, 0, exported.stderr)
        self.assertIn(uid.split("/", 1)[1], exported.stdout)
        path = os.path.join(self.c.dir, "exported.ics")
        with open(path, "w") as f:
            f.write(exported.stdout)
        again = self.c.cli("import", path, "--dry-run", token=self.tokens["biblio"])
        self.assertEqual(again.returncode, 0, again.stderr)
        bad = self.c.cli("list", "--output=yaml", token=self.tokens["biblio"])
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--output=yaml is not one of table|json|ics", bad.stderr)

    def test_authorization_matrix(self):
        uid = self.submit("biblio")
        for command in (["update", uid, "--title=pris"], ["cancel", uid], ["delete", uid]):
            r = self.c.cli(*command, token=self.tokens["club"])
            self.assertEqual(r.returncode, 1, command)
            self.assertIn("permission denied", r.stderr)
        for token in (None, "bab_wrong"):
            r = self.c.cli("submit", "--title=x", "--start=2030-07-01 10:00", token=token)
            self.assertEqual(r.returncode, 1)
            self.assertIn("not authenticated", r.stderr)
        r = self.c.cli("org", "create", "--slug=x", "--name=X", token=self.tokens["club"])
        self.assertIn("permission denied", r.stderr)
        # A publisher's --org naming another organization is refused, not silently ignored (#13 item 1).
        r = self.c.cli("import", os.path.join(CORPUS, "synthetic/tzid_windows_no_vtimezone.ics"),
                       "--org=biblio", token=self.tokens["club"])
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("organization club may not act for biblio", r.stderr)
        r = self.c.cli("import", os.path.join(CORPUS, "synthetic/tzid_windows_no_vtimezone.ics"),
                       "--org=club", token=self.tokens["club"])
        self.assertEqual(r.returncode, 0, "its own organization, named, is fine")
        mine = self.c.cli("list", "--output=json", "--org=club", "--from=2020-01-01", token=self.tokens["club"])
        self.assertIn("club/", mine.stdout)
        orgs = self.c.cli("org", "list", token=self.tokens["club"]).stdout
        self.assertIn("club", orgs)
        self.assertNotIn("biblio", orgs)
        self.assertIn("biblio", self.c.cli("org", "list", token=self.c.admin).stdout)

    def test_the_same_event_from_two_organizations_appears_once(self):
        args = ["--start=2031-06-24 20:00", "--municipality=wotton", "--category=culture"]
        first = self.c.cli("submit", "--title=Feux de la Saint-Jean", *args, token=self.tokens["biblio"])
        second = self.c.cli("submit", "--title=FEUX DE LA SAINT JEAN", *args, token=self.tokens["club"])
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertIn("same event as", second.stderr)
        canonical, duplicate = first.stdout.strip(), second.stdout.strip()
        table = self.c.cli("list", "--from=2031-06-24", "--to=2031-06-26", token=self.c.admin).stdout
        self.assertIn(f"same event as {canonical}", table)
        self.assertIn("published by biblio, club", table)
        # The canonical's organization may not split another's copy; the copy's own may (#10 item 2).
        r = self.c.cli("split", duplicate, token=self.tokens["biblio"])
        self.assertIn("permission denied", r.stderr)
        self.assertIn("only club, whose copy was merged, or an admin", r.stderr)
        r = self.c.cli("split", duplicate, token=self.tokens["club"])
        self.assertEqual(r.returncode, 0, r.stderr)
        table = self.c.cli("list", "--from=2031-06-24", "--to=2031-06-26", token=self.c.admin).stdout
        self.assertNotIn("same event as", table)
        self.assertNotIn("published by", table)

    def test_the_same_event_submitted_by_two_organizations_at_once_is_merged(self):
        # The store checks for a possible duplicate in the step that writes:
        # two simultaneous submits cannot both miss each other.
        for day in range(10, 16):
            args = ["--title=Soirée contes", f"--start=2032-03-{day} 19:00", "--municipality=wotton"]
            runs = {org: self.c.cli_popen("submit", *args, token=self.tokens[org])
                    for org in ("biblio", "club")}
            for org, p in runs.items():
                out, err = p.communicate(timeout=60)
                self.assertEqual(p.returncode, 0, err)
            listed = self.c.cli("list", "--output=json", f"--from=2032-03-{day}", f"--to=2032-03-{day}",
                                token=self.c.admin)
            events = [e for e in json.loads(listed.stdout) if e["title"]["fr"] == "Soirée contes"]
            self.assertEqual(len(events), 2, listed.stdout)
            canonical = [e for e in events if not e.get("duplicateOf")]
            self.assertEqual(len(canonical), 1, f"day {day}: {listed.stdout}")
            other = [e for e in events if e.get("duplicateOf")][0]
            self.assertEqual(other["duplicateOf"], canonical[0]["uid"])
            self.assertEqual(sorted(p["organization"] for p in canonical[0]["provenance"]), ["biblio", "club"])

    def events_titled(self, title, day):
        listed = self.c.cli("list", "--output=json", f"--from={day}", token=self.c.admin)
        return {e["uid"]: e for e in json.loads(listed.stdout) if e["title"]["fr"].lower() == title.lower()}

    def test_a_merged_event_follows_its_organizations_cancelling_or_deleting_it(self):
        args = ["--start=2031-09-12 19:00", "--municipality=wotton"]
        first = self.c.cli("submit", "--title=Concert d'automne", *args, token=self.tokens["biblio"]).stdout.strip()
        second = self.c.cli("submit", "--title=CONCERT D'AUTOMNE", *args, token=self.tokens["club"]).stdout.strip()
        self.assertEqual(self.events_titled("Concert d'automne", "2031-09-12")[second]["duplicateOf"], first)
        # The library cancels: the club still holds it, so the club's copy
        # becomes the one the regional calendar shows.
        r = self.c.cli("cancel", first, token=self.tokens["biblio"])
        self.assertEqual(r.returncode, 0, r.stderr)
        events = self.events_titled("Concert d'automne", "2031-09-12")
        self.assertEqual(events[first]["status"], "STATUS_CANCELLED")
        self.assertEqual([p["organization"] for p in events[first]["provenance"]], ["biblio"])
        self.assertNotIn("duplicateOf", events[second])
        self.assertEqual(events[second].get("status"), "STATUS_CONFIRMED")
        self.assertEqual([p["organization"] for p in events[second]["provenance"]], ["club"])
        # A copy deleted by its organization leaves the canonical event's provenances.
        third = self.c.cli("submit", "--title=Vente de livres", "--start=2031-09-13 10:00", "--municipality=wotton",
                           token=self.tokens["biblio"]).stdout.strip()
        copy = self.c.cli("submit", "--title=Vente de livres", "--start=2031-09-13 10:00", "--municipality=wotton",
                          token=self.tokens["club"]).stdout.strip()
        self.assertEqual(len(self.events_titled("Vente de livres", "2031-09-13")[third]["provenance"]), 2)
        r = self.c.cli("delete", copy, token=self.tokens["club"])
        self.assertEqual(r.returncode, 0, r.stderr)
        events = self.events_titled("Vente de livres", "2031-09-13")
        self.assertEqual(list(events), [third])
        self.assertEqual([p["organization"] for p in events[third]["provenance"]], ["biblio"])

    def test_rotating_a_token_retires_the_old_one(self):
        r = self.c.cli("org", "create", "--slug=rotate", "--name=Rotation", token=self.c.admin)
        old = re.search(r"^token: (\S+)$", r.stdout, re.M).group(1)
        r = self.c.cli("org", "rotate-token", "rotate", token=old)
        self.assertEqual(r.returncode, 0, r.stderr)
        new = re.search(r"^token: (\S+)$", r.stdout, re.M).group(1)
        deadline = time.time() + 10  # the authenticator caches a lookup for 2 s
        while time.time() < deadline and self.c.cli("org", "list", token=old).returncode == 0:
            time.sleep(0.2)
        self.assertIn("not authenticated", self.c.cli("org", "list", token=old).stderr)
        self.assertEqual(self.c.cli("org", "list", token=new).returncode, 0)

    def test_bad_input_is_one_clear_line_and_a_nonzero_exit(self):
        r = self.c.cli("submit", "--start=2030-07-01 10:00", token=self.tokens["biblio"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--title", r.stderr)
        r = self.c.cli("submit", "--title=x", "--start=2030-07-01 10:00", "--end=2030-07-01 09:00",
                       token=self.tokens["biblio"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("invalid argument", r.stderr.splitlines()[0])
        self.assertIn("event.end:", r.stderr)  # the field the caller sent
        r = self.c.cli("submit", "--title=x", "--start=2030-07-01 10:00", "--tz=Mars/Olympus",
                       token=self.tokens["biblio"])
        self.assertIn("event.start.time_zone", r.stderr)
        r = self.c.cli("submit", "--title=x\x07", "--start=2030-07-01 10:00", token=self.tokens["biblio"])
        self.assertIn("control characters", r.stderr)
        r = self.c.cli("submit", "--title=x", "--start=2030-07-01 10:00", "--rrule=FREQ=SECONDLY",
                       token=self.tokens["biblio"])
        self.assertIn("event.rrule", r.stderr)
        r = self.c.cli("import", os.path.join(CORPUS, "synthetic/missing_uid_and_dtstart.ics"),
                       token=self.tokens["club"])
        self.assertEqual(r.returncode, 3, "an import that rejected an event is not a plain success")
        self.assertIn("1 events rejected (listed above)", r.stderr)
        self.assertIn("rejected 1", r.stdout)
        self.assertIn("dtstart", r.stdout)
        r = self.c.cli("import", os.path.join(CORPUS, "node-ical/large-file-with-late-error.ics"),
                       token=self.tokens["club"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("DTSTART", r.stderr)
        self.assertNotIn("Treasure", self.c.cli("list", "--from=2000-01-01", "--output=json", token=self.tokens["club"]).stdout)

    def test_the_corpus_through_the_cli(self):
        if not os.path.isdir(CORPUS):
            self.skipTest("corpus not found")
        r = self.c.cli("org", "create", "--slug=corpus", "--name=Corpus", token=self.c.admin)
        token = re.search(r"^token: (\S+)$", r.stdout, re.M).group(1)
        imported = 0
        for root, _, files in os.walk(CORPUS):
            for name in sorted(files):
                path = os.path.join(root, name)
                check = subprocess.run([ICS_TOOL, "check", path], capture_output=True, text=True)
                r = self.c.cli("import", path, token=token)
                with self.subTest(file=name):
                    parsed = check.stdout.startswith("events: ")
                    events = int(check.stdout.split()[1]) if parsed else 0
                    rejected = int(re.search(r"^rejected: (\d+)", check.stdout, re.M).group(1)) if parsed else 0
                    if parsed and (events > 0 or rejected == 0):
                        # Some events rejected: exit 3 with the report (#13 item 1).
                        self.assertEqual(r.returncode, 3 if rejected else 0, r.stderr)
                        first = r.stdout.splitlines()[0]
                        taken = sum(int(n) for n in re.findall(r"(?:accepted|updated|unchanged) (\d+)", first))
                        self.assertEqual(taken, events, first)
                        self.assertIn(f"rejected {rejected}", first)
                        imported += 1
                        again = self.c.cli("import", path, token=token)
                        self.assertIn(f"unchanged {events}", again.stdout, "a re-import changes nothing")
                    else:
                        self.assertNotEqual(r.returncode, 0, f"{name}: {r.stdout}")
                        self.assertTrue(r.stderr.startswith("babillard: "), r.stderr)
        self.assertGreater(imported, 40)


class Sources(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = CLUSTER
        r = cls.c.cli("org", "create", "--slug=mairie", "--name=Mairie de Wotton", token=cls.c.admin)
        cls.token = re.search(r"^token: (\S+)$", r.stdout, re.M).group(1)
        cls.server = SourceServer()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def titles(self):
        listed = self.c.cli("list", "--org=mairie", "--from=2030-01-01", "--output=json", token=self.token).stdout
        return sorted(re.findall(r'"title":\s*{"fr":\s*"([^"]*)"', listed)), listed.count("STATUS_CANCELLED")

    def poll(self, source):
        return self.c.cli("source", "poll", source, token=self.token, loopback=True)

    def test_a_source_is_followed_through_every_kind_of_answer(self):
        r = self.c.cli("source", "add", self.server.url(), "--municipality=wotton", token=self.token, loopback=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        source = r.stdout.strip()
        first = calendar(("a", "Conseil municipal", "20300101T000000Z"), ("b", "Marché", "20300101T000000Z"),
                         ("c", "Bibliothèque", "20300101T000000Z"))
        self.server.answers.append((200, {"ETag": '"v1"', "Last-Modified": "Tue, 01 Jan 2030 00:00:00 GMT"}, first, 0))
        r = self.poll(source)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("accepted 3", r.stdout)
        # Conditional GET from the second poll on.
        self.server.answers.append((304, {"ETag": '"v1"'}, b"", 0))
        r = self.poll(source)
        self.assertIn("not modified", r.stdout)
        self.assertEqual(self.server.requests[-1].get("If-None-Match"), '"v1"')
        self.assertEqual(self.server.requests[-1].get("If-Modified-Since"), "Tue, 01 Jan 2030 00:00:00 GMT")
        # Google regenerates DTSTAMP on every request: not a change.
        restamped = calendar(("a", "Conseil municipal", "20300202T000000Z"), ("b", "Marché", "20300202T000000Z"),
                             ("c", "Bibliothèque", "20300202T000000Z"))
        self.server.answers.append((200, {"ETag": '"v2"'}, restamped, 0))
        self.assertIn("unchanged", self.poll(source).stdout)
        # One added, one changed, one removed.
        changed = calendar(("a", "Conseil municipal (reporté)", "20300101T000000Z"),
                           ("b", "Marché", "20300101T000000Z"), ("d", "Vente de garage", "20300101T000000Z"))
        self.server.answers.append((200, {"ETag": '"v3"'}, changed, 0))
        r = self.poll(source)
        self.assertIn("accepted 1, updated 1, unchanged 1, cancelled 1", r.stdout)
        titles, cancelled = self.titles()
        self.assertIn("Conseil municipal (reporté)", titles)
        self.assertIn("Vente de garage", titles)
        self.assertEqual(cancelled, 1, "the removed event stays, cancelled")
        before = self.titles()
        # Nothing below may change or cancel anything.
        bad_answers = [
            (500, {}, b"oops", 0, "HTTP 500"),
            (200, {}, b"", 0, "empty body"),
            (200, {}, b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\n", 0, "has no END"),
            (200, {}, b"X" * 2_000_000, 0, "exceeds"),
            (200, {}, changed, 5, "timed out"),
        ]
        for status, headers, body, delay, message in bad_answers:
            self.server.answers.append((status, headers, body, delay))
            r = self.poll(source)
            self.assertEqual(r.returncode, 1, (status, r.stdout))
            self.assertIn(message, r.stderr)
            self.assertEqual(self.titles(), before)
        listed = self.c.cli("source", "list", token=self.token, loopback=True).stdout
        self.assertIn(source, listed)
        # 410: the organization removed its calendar; polling stops.
        self.server.answers.append((410, {}, b"", 0))
        r = self.poll(source)
        self.assertEqual(r.returncode, 1)
        self.assertIn("disabled", self.c.cli("source", "list", token=self.token, loopback=True).stdout)
        self.assertEqual(self.titles(), before)

    def test_loopback_sources_are_refused_by_default(self):
        seen = len(self.server.requests)
        for url in (self.server.url("/private.ics"), "http://[::1]/x.ics", "http://0x7f000001/x.ics",
                    "http://2130706433/x.ics", "http://169.254.169.254/latest/meta-data", "http://10.0.0.1/x.ics",
                    "http://[::ffff:127.0.0.1]/x.ics", "http://localhost:1/x.ics", "webcal://127.0.0.1/x.ics"):
            r = self.c.cli("source", "add", url, token=self.token)
            self.assertEqual(r.returncode, 1, url)
            self.assertIn("invalid argument", r.stderr, url)
            self.assertIn("source.url", r.stderr, url)
            if "127.0.0.1" in url or "::1" in url or "7f" in url or "2130706433" in url or "localhost" in url:
                # #13 item 8: a loopback refusal names the switch for local tries.
                self.assertIn("is this machine (loopback)", r.stderr, url)
                self.assertIn("--allow-loopback-sources", r.stderr, url)
                self.assertIn("make run LOOPBACK=1", r.stderr, url)
            else:
                self.assertIn("loopback, private or link-local", r.stderr, url)
        # A registered URL whose host later resolves to a forbidden address
        # (here: one registered where loopback is allowed) is refused at the
        # fetch itself.
        r = self.c.cli("source", "add", self.server.url("/private.ics"), token=self.token, loopback=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.c.cli("source", "poll", r.stdout.strip(), token=self.token)
        self.assertEqual(r.returncode, 1)
        self.assertIn("permission denied", r.stderr)
        r = self.c.cli("source", "add", "https://user@example.org/x.ics", token=self.token)
        self.assertIn("credentials", r.stderr)
        r = self.c.cli("source", "add", "ftp://example.org/x.ics", token=self.token)
        self.assertIn("source.url", r.stderr)
        self.assertEqual(len(self.server.requests), seen, "not one connection reached the server")


class ShellCompletion(unittest.TestCase):
    """`babillard completion bash`, loaded into a real bash, completes what
    a user presses Tab on (the completion function run as readline would,
    with COMP_LINE and COMP_POINT set; the binary answers)."""

    def complete(self, line):
        script = subprocess.run([CLI, "completion", "bash"], capture_output=True, text=True, check=True).stdout
        program = (f'{script}\nCOMP_LINE={shlex.quote(CLI + " " + line)}; COMP_POINT=${{#COMP_LINE}}\n'
                   '_babillard 2>/dev/null; printf "%s\\n" "${COMPREPLY[@]}"')
        r = subprocess.run(["/bin/bash", "--norc", "-c", program], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [w for w in r.stdout.split("\n") if w]

    def test_bash_completes_commands_flags_and_values(self):
        self.assertEqual(self.complete("sub"), ["submit"])
        self.assertEqual(self.complete("org "), ["create", "list", "rotate-token"])
        self.assertEqual(self.complete("submit --muni"), ["--municipality="])
        # Bash splits "--output=j" at "=": what replaces "j" is the value alone.
        self.assertEqual(self.complete("list --output=j"), ["json"])
        self.assertEqual(self.complete("list --output "), ["table", "json", "ics"])
        self.assertEqual(self.complete("import "), [], "files: left to bash (-o default)")

    def test_zsh_gets_its_own_script_and_other_shells_a_clear_no(self):
        r = subprocess.run([CLI, "completion", "zsh"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        self.assertIn("compdef _babillard babillard", r.stdout)
        if shutil.which("zsh"):
            check = subprocess.run(["zsh", "-n"], input=r.stdout, capture_output=True, text=True, timeout=30)
            self.assertEqual(check.returncode, 0, check.stderr)
        r = subprocess.run([CLI, "completion", "fish"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn('no completion for the shell "fish": bash or zsh', r.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
