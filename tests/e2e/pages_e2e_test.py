#!/usr/bin/python3
"""The residents' pages (#11) end to end: the real store, ingest and publish
on loopback, events submitted with the real CLI, pages read over HTTP
(urllib), in Debian's Chromium (pages_browser.mjs: playwright-core,
axe-core, html-validate), the Atom feed by python3-feedparser, and the feed a
page's subscribe field gives by python3-icalendar, compared with what the
page showed.

usage: pages_e2e_test.py BUILD_DIR
"""
import datetime as dt
import functools
import html as htmllib
import http.server
import json
import os
import subprocess
import re
import sys
import threading
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

import feedparser
import icalendar

from harness import Stack, http_fetch as get

BUILD = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
SHOTS = os.path.abspath(os.path.join(BUILD, "artifacts", "pages"))
TODAY = dt.date.today()
# Dates inside the home page's window, whatever day the test runs.
SOON = TODAY + dt.timedelta(days=3)
MARKUP = '<script>alert("t")</script><img src=x onerror=alert(1)>'


def at(days, hour):
    return (TODAY + dt.timedelta(days=days)).strftime("%Y-%m-%d") + f" {hour:02d}:00"


class Pages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(BUILD, "pages-e2e", publish_args=["--widget_frame_ancestors='self' http://127.0.0.1:*"])
        cls.base = cls.stack.base
        admin = cls.stack.admin
        tokens = {}
        for slug, name, muni in (("biblio", "Bibliothèque de Danville", "danville"),
                                 ("club", "Club de plein air de Wotton", "wotton")):
            r = cls.stack.cli("org", "create", f"--slug={slug}", f"--name={name}", f"--municipality={muni}",
                              token=admin)
            assert r.returncode == 0, r.stderr
            tokens[slug] = r.stdout.split("token: ")[1].split()[0]
        cls.uids = {}

        def submit(key, org, *args):
            r = cls.stack.cli("submit", *args, token=tokens[org])
            assert r.returncode == 0, r.stderr
            cls.uids[key] = r.stdout.strip().split()[-1]

        submit("conte", "biblio", "--title=Heure du conte", "--title-en=Story time", f"--start={at(1, 10)}",
               f"--end={at(1, 11)}", "--category=culture", "--location=Bibliothèque", "--price=Gratuit",
               "--description=Pour les 3 à 6 ans. Détails : https://biblio.example/conte.")
        submit("club", "biblio", "--title=Club de lecture", "--title-en=Book club", f"--start={at(2, 19)}",
               f"--end={at(2, 20)}", "--category=culture", "--rrule=FREQ=WEEKLY;COUNT=6")
        submit("markup", "biblio", f"--title={MARKUP}", f"--description={MARKUP}", f"--start={at(3, 14)}",
               f"--end={at(3, 15)}", "--category=culture")
        submit("cancelled", "biblio", "--title=Vente de livres", "--title-en=Book sale", f"--start={at(4, 9)}",
               f"--end={at(4, 12)}", "--category=culture")
        r = cls.stack.cli("cancel", cls.uids["cancelled"], token=tokens["biblio"])
        assert r.returncode == 0, r.stderr
        submit("sport", "club", "--title=Randonnée", "--title-en=Hike", f"--start={at(2, 9)}",
               f"--end={at(2, 12)}", "--category=sport")
        submit("other_town", "club", "--title=Concert", f"--start={at(5, 20)}", f"--end={at(5, 22)}",
               "--category=culture")
        private = os.path.join(cls.stack.dir, "private.ics")
        start = (TODAY + dt.timedelta(days=2)).strftime("%Y%m%d")
        with open(private, "w") as f:
            f.write("BEGIN:VEVENT\r\nUID:secret-1\r\nSUMMARY:Réunion privée du conseil\r\n"
                    f"DTSTART;TZID=America/Toronto:{start}T180000\r\nDURATION:PT1H\r\nCLASS:PRIVATE\r\n"
                    "END:VEVENT\r\n")
        r = cls.stack.cli("submit", f"--file={private}", "--category=culture", token=tokens["biblio"])
        assert r.returncode == 0, r.stderr
        cls.uids["private"] = r.stdout.strip().split()[-1]
        # Publish has every event once the last public one is on the home page.
        deadline = time.time() + 20
        while time.time() < deadline:
            status, _, body = get(cls.base + "/")
            if status == 200 and "Concert" in body.decode():
                break
            time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def page(self, path, headers=None):
        status, headers, body = get(self.base + path, headers)
        return status, headers, body.decode()

    def test_home_lists_events_escaped_with_their_status_and_safe_headers(self):
        status, headers, html = self.page("/", {"Accept-Language": "fr-CA,fr;q=0.9"})
        self.assertEqual(status, 200)
        self.assertIn("Heure du conte", html)
        self.assertIn("Randonnée", html)
        self.assertIn("Vente de livres", html, "a cancelled event is shown")
        self.assertIn("<strong>Annulé</strong>", html)
        self.assertNotIn("Réunion privée", html, "a private event never is")
        self.assertNotIn("<script>alert", html)
        self.assertNotIn("<img src=x", html)
        self.assertIn("&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;", html)
        self.assertNotIn("<script", html.split("</head>")[1], "no script in the page's body")
        csp = headers["Content-Security-Policy"]
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("script-src", csp, "no script may run at all")
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        self.assertIn("Referrer-Policy", headers)
        # No resource from elsewhere: every src and stylesheet is the site's own.
        for attribute in ("src=\"http", "href=\"//", "src=\"//"):
            self.assertNotIn(attribute, html)
        size = len(html.encode())
        self.assertLess(size, 100 * 1024)
        print(f"home page: {size} bytes", file=sys.stderr)

    def test_event_page_private_and_unknown_ones(self):
        uid = urllib.parse.quote(self.uids["markup"], safe="")
        status, _, html = self.page(f"/evenement/{uid}")
        self.assertEqual(status, 200)
        self.assertNotIn("<script>alert", html)
        ld = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
        data = json.loads(ld)
        self.assertEqual(data["@type"], "Event")
        self.assertEqual(data["name"], MARKUP, "the JSON-LD carries the title as text")
        self.assertIn("<script>", data["name"])
        self.assertNotIn("<", ld)
        status, _, html = self.page("/evenement/" + urllib.parse.quote(self.uids["private"], safe=""))
        self.assertEqual(status, 404)
        self.assertIn("<h1>Page introuvable</h1>", html)
        for path in ("/nope", "/en/nope", "/municipalite/atlantis", "/evenement/nope", "/en/event/nope.ics"):
            status, headers, html = self.page(path)
            self.assertEqual(status, 404, path)
            self.assertTrue(headers["Content-Type"].startswith("text/html"), path)
        status, _, html = self.page("/?period=soon")
        self.assertEqual(status, 400)
        self.assertIn("period", html)

    def test_atom_feed_read_by_feedparser(self):
        status, headers, body = get(self.base + "/atom.xml?category=culture")
        self.assertEqual(status, 200)
        feed = feedparser.parse(body)
        self.assertFalse(feed.bozo, feed.get("bozo_exception"))
        self.assertEqual(feed.version, "atom10")
        titles = [e.title for e in feed.entries]
        self.assertIn("Heure du conte", titles)
        self.assertNotIn("Randonnée", titles, "the filter holds")
        self.assertNotIn("Réunion privée du conseil", titles)
        self.assertIn(MARKUP, titles, "markup is text in Atom too")
        for e in feed.entries:
            self.assertTrue(e.link.startswith(self.base + "/evenement/"), e.link)
            self.assertTrue(e.updated_parsed)

    def test_widget_headers(self):
        status, headers, html = self.page("/widget?municipality=danville&limit=2")
        self.assertEqual(status, 200)
        csp = headers["Content-Security-Policy"]
        self.assertIn("frame-ancestors 'self' http://127.0.0.1:*", csp, "from --widget_frame_ancestors")
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn("X-Frame-Options", headers)
        self.assertEqual(html.count('target="_blank"'), 2 + 2, "2 events, the title and the more link")
        status, headers, _ = self.page("/")
        self.assertEqual(headers["X-Frame-Options"], "DENY", "the other pages are never framed")
        status, headers, body = get(self.base + "/static/widget.js")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/javascript"))
        self.assertIn(b"customElements.define('babillard-events'", body)

    def test_sitemap_and_robots(self):
        status, _, body = get(self.base + "/sitemap.xml")
        self.assertEqual(status, 200)
        root = ET.fromstring(body)
        ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        locs = [u.find("s:loc", ns).text for u in root.findall("s:url", ns)]
        self.assertIn(self.base + "/", locs)
        self.assertIn(self.base + "/en/municipality/danville", locs)
        self.assertIn(self.base + "/evenement/" + urllib.parse.quote(self.uids["conte"], safe=""), locs)
        self.assertFalse(any("secret" in loc for loc in locs))
        status, _, text = self.page("/robots.txt")
        self.assertIn(f"Sitemap: {self.base}/sitemap.xml", text)

    def test_in_chromium(self):
        """Keyboard-only filtering, an event, the subscribe field, the switch;
        axe, the validator and screenshots for every page type."""
        os.makedirs(SHOTS, exist_ok=True)
        conte = urllib.parse.quote(self.uids["conte"], safe="")
        series = urllib.parse.quote(self.uids["club"], safe="")
        pages = {
            "fr-home": "/", "en-home": "/en/", "fr-filtered": "/?municipality=danville&category=culture",
            "fr-month": "/mois", "en-month": "/en/month", "fr-event": f"/evenement/{conte}",
            "en-event": f"/en/event/{conte}", "fr-series": f"/evenement/{series}",
            "fr-municipality": "/municipalite/danville", "en-category": "/en/category/culture",
            "fr-organization": "/organisme/biblio", "en-organization": "/en/organization/club",
            "fr-404": "/evenement/nope", "en-404": "/en/nope",
            "fr-widget-builder": "/integrer?municipality=danville&category=culture&limit=3",
            "en-widget": "/en/widget?category=culture&theme=dark", "fr-widget": "/widget?limit=3",
        }
        # Another site (another origin: its own port) with both snippets the builder gives.
        _, _, builder = self.page("/integrer?municipality=danville&category=culture&limit=3")
        snippets = [htmllib.unescape(t) for t in re.findall(r'<textarea[^>]*>(.*?)</textarea>', builder, re.S)]
        self.assertEqual(len(snippets), 2)
        host_dir = os.path.join(self.stack.dir, "host")
        os.makedirs(host_dir, exist_ok=True)
        with open(os.path.join(host_dir, "index.html"), "w") as f:
            f.write("<!DOCTYPE html><html lang=fr><head><meta charset=utf-8><title>Tourisme</title></head>"
                    f"<body><h1>Tourisme des Sources</h1>{snippets[0]}<h2>Liste</h2>{snippets[1]}</body></html>")
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=host_dir)
        handler.log_message = lambda *args: None
        host = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=host.serve_forever, daemon=True).start()
        self.addCleanup(host.shutdown)
        env = dict(os.environ, HOST_URL=f"http://127.0.0.1:{host.server_address[1]}/index.html")
        r = subprocess.run(["node", os.path.join(HERE, "pages_browser.mjs"), self.base, SHOTS, json.dumps(pages)],
                           capture_output=True, text=True, timeout=240, cwd=os.path.join(HERE, ".."), env=env)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        result = json.loads(r.stdout)
        flow = result["flows"]["fr"]
        for step in ("skip_link_first", "skip_to_main", "focus_visible", "reached_municipality",
                     "chose_municipality", "reached_category", "chose_category", "reached_submit",
                     "reached_event"):
            self.assertTrue(flow[step], step)
        self.assertIn("municipality=danville", flow["filtered_url"])
        self.assertIn("category=culture", flow["filtered_url"])
        shown = {s["uid"] for s in flow["shown"]}
        self.assertIn(self.uids["conte"], shown)
        self.assertNotIn(self.uids["sport"], shown, "another category")
        self.assertNotIn(self.uids["other_town"], shown, "another municipality")
        self.assertNotIn(self.uids["private"], shown)
        # The subscribe field's feed serves exactly the events the page shows.
        feed_url = flow["subscribe_url"]
        self.assertTrue(feed_url.startswith(self.base + "/feeds/all.ics?"), feed_url)
        self.assertEqual(flow["webcal"], "webcal://" + feed_url.split("://", 1)[1])
        self.assertIn(urllib.parse.quote(flow["webcal"], safe=""), flow["google"])
        status, _, body = get(feed_url)
        self.assertEqual(status, 200)
        cal = icalendar.Calendar.from_ical(body)
        today = dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.timezone.utc) - dt.timedelta(days=1)
        in_feed = set()
        for ev in cal.walk("VEVENT"):
            start = ev.decoded("DTSTART")
            if isinstance(start, dt.datetime) and (start.tzinfo and start >= today or ev.get("RRULE")):
                in_feed.add(str(ev["UID"]))
        self.assertEqual(in_feed, shown)
        self.assertTrue(flow["event_url"].startswith(self.base + "/evenement/"))
        self.assertEqual(flow["event_json_ld"]["@type"], "Event")
        status, headers, body = get(flow["event_ics"])
        self.assertEqual(status, 200)
        self.assertEqual(len(icalendar.Calendar.from_ical(body).walk("VEVENT")), 1)
        # Atom of the same filter.
        atom = feedparser.parse(get(flow["atom"])[2])
        self.assertEqual({e.link.rsplit("/", 1)[1] for e in atom.entries},
                         {urllib.parse.quote(u, safe="") for u in shown})
        # English: the same filter, the same events, in English.
        self.assertEqual(flow["english_lang"], "en")
        self.assertIn("/en/?", flow["english_url"])
        self.assertIn("municipality=danville", flow["english_url"])
        self.assertEqual({s["uid"] for s in flow["english_shown"]}, shown)
        self.assertIn("Story time", [s["title"] for s in flow["english_shown"]])
        self.assertIn("lang=en", flow["english_subscribe_url"])
        self.assertEqual(result["flows"]["first_visit_english"]["lang"], "en")
        self.assertEqual(result["flows"]["chosen_french_stays"]["lang"], "fr")
        self.assertEqual(result["csp"], [], "nothing the policy had to block")
        for name, axe in result["axe"].items():
            self.assertEqual(axe["violations"], [], name)
            self.assertGreater(axe["passes"], 0, name)  # axe did run
        self.assertEqual(result["axe"]["fr-home (dark)"]["background"], "rgb(18, 20, 23)",
                         "prefers-color-scheme: dark is followed")
        for name, report in result["html"].items():
            self.assertTrue(report["valid"], f"{name}: {report['messages']}")
        for name, width in result["widths"].items():
            self.assertLessEqual(width, int(name.rsplit("@", 1)[1]), f"{name} scrolls sideways")
        self.assertEqual(len(result["screenshots"]), 2 * len(pages))
        # The widget on another site: the frame fitted to its list, the
        # element's links those of the feed, the fallback link without JavaScript.
        widget = result["widget"]
        self.assertAlmostEqual(widget["frame_height"], widget["frame_content_height"], delta=2)
        self.assertNotEqual(round(widget["frame_height"]), 400)
        self.assertEqual(len(widget["frame_titles"]), 3, "limit=3")
        self.assertIn("Heure du conte", widget["frame_titles"])
        titles = [link["text"] for link in widget["element_links"]]
        self.assertEqual(titles, widget["frame_titles"], "the element and the frame list the same events")
        for link in widget["element_links"]:
            self.assertTrue(link["href"].startswith(self.base + "/evenement/"), link)
        self.assertTrue(widget["fallback_in_light_dom"].startswith(self.base + "/"))
        self.assertTrue(widget["no_js_fallback_visible"])
        self.assertEqual(widget["no_js_frame_titles"], 3, "the frame needs no JavaScript")
        print("pages:", json.dumps({n: r["bytes"] for n, r in result["html"].items()}), file=sys.stderr)
        print("screenshots:", SHOTS, file=sys.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
