#include "services/publish/web/site.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/publish/feed_handler.h"
#include "tests/testing/fake_clock.h"

namespace babillard::publish::web {
namespace {

const absl::TimeZone& Zone() {
  static const absl::TimeZone zone = [] {
    absl::TimeZone z;
    absl::LoadTimeZone("America/Toronto", &z);
    return z;
  }();
  return zone;
}

// Thursday 3 December 2026, noon in the region.
const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 12, 3, 12, 0, 0), Zone());

v1::Event At(const std::string& uid, absl::CivilSecond start, const std::string& title,
             const std::string& municipality = "danville") {
  v1::Event e;
  e.set_uid(uid);
  e.set_organization("biblio");
  e.mutable_title()->set_fr(title);
  e.mutable_title()->set_en(title + " (en)");
  e.mutable_start()->set_local(absl::FormatCivilTime(start));
  e.mutable_start()->set_time_zone("America/Toronto");
  e.mutable_start()->set_utc_seconds(absl::ToUnixSeconds(absl::FromCivil(start, Zone())));
  *e.mutable_end() = e.start();
  e.mutable_end()->set_utc_seconds(e.start().utc_seconds() + 3600);
  e.mutable_end()->set_local(absl::FormatCivilTime(start + 3600));
  e.mutable_location()->set_municipality(municipality);
  e.mutable_location()->set_name("Bibliothèque");
  e.add_categories("culture");
  return e;
}

class SiteTest : public ::testing::Test {
 protected:
  SiteTest() : region_(*Region::Load(DefaultRegionPath())), renderer_(*PageRenderer::Load()) {
    SiteOptions options;
    options.page_size = 3;
    site_ = std::make_unique<Site>(view_, region_, nullptr, *renderer_, options);
  }

  void Serve(const std::vector<v1::Event>& events) {
    std::vector<EventPtr> served;
    for (const v1::Event& e : events) {
      auto change = std::make_shared<v1::Change>();
      change->set_kind(v1::Change::KIND_CREATED);
      *change->mutable_event() = e;
      change->set_version(1);
      served.push_back(std::make_shared<const ServedEvent>(std::move(change)));
    }
    view_.Reset(std::move(served), "1-0");
  }

  BuiltPage Get(const std::string& path, const std::string& query = "") {
    absl::StatusOr<PageRoute> route = ParsePageTarget(path, query);
    EXPECT_TRUE(route.ok()) << path << "?" << query << ": " << route.status();
    return route.ok() ? site_->Build(*route, kNow) : BuiltPage{};
  }

  CalendarView view_;
  Region region_;
  std::unique_ptr<PageRenderer> renderer_;
  std::unique_ptr<Site> site_;
};

TEST_F(SiteTest, HomeGroupsUpcomingOccurrencesByDayAndShowsCancelledOnes) {
  v1::Event cancelled = At("c", absl::CivilSecond(2026, 12, 5, 10, 0, 0), "Marché annulé");
  cancelled.set_status(v1::Event::STATUS_CANCELLED);
  v1::Event secret = At("p", absl::CivilSecond(2026, 12, 3, 18, 0, 0), "Réunion privée");
  secret.set_visibility(v1::Event::VISIBILITY_PRIVATE);
  Serve({At("t", absl::CivilSecond(2026, 12, 3, 19, 30, 0), "Heure du conte"),
         At("m", absl::CivilSecond(2026, 12, 4, 9, 0, 0), "Tricot"), cancelled, secret,
         At("old", absl::CivilSecond(2026, 11, 1, 9, 0, 0), "Passé")});
  const BuiltPage page = Get("/");
  ASSERT_EQ(page.status, 200);
  const std::string& html = page.body;
  EXPECT_TRUE(absl::StrContains(html, "<html lang=\"fr\">"));
  EXPECT_TRUE(absl::StrContains(html, ">Aujourd&apos;hui</h2>"));
  EXPECT_TRUE(absl::StrContains(html, ">Demain</h2>"));
  EXPECT_TRUE(absl::StrContains(html, ">Ce week-end · samedi 5 décembre</h2>"));
  EXPECT_TRUE(absl::StrContains(html, "19 h 30 – 20 h 30"));
  EXPECT_LT(html.find("Heure du conte"), html.find("Tricot")) << "by start";
  EXPECT_TRUE(absl::StrContains(html, "Marché annulé"));
  EXPECT_TRUE(absl::StrContains(html, "<strong>Annulé</strong>"));
  EXPECT_FALSE(absl::StrContains(html, "Réunion privée")) << "private events never appear";
  EXPECT_FALSE(absl::StrContains(html, "Passé"));
  EXPECT_TRUE(absl::StrContains(html, "3 activités"));
  EXPECT_TRUE(absl::StrContains(html, "href=\"/evenement/t?date=2026-12-03\""));
  EXPECT_TRUE(absl::StrContains(html, "href=\"/en/\" hreflang=\"en\""));
  EXPECT_TRUE(absl::StrContains(html, "webcal://127.0.0.1:8080/feeds/all.ics"));
  EXPECT_EQ(Get("/evenement/p").status, 404) << "nor their page";
  EXPECT_EQ(Get("/evenement/p.ics").status, 404);

  const BuiltPage english = Get("/en/");
  EXPECT_TRUE(absl::StrContains(english.body, ">Today</h2>"));
  EXPECT_TRUE(absl::StrContains(english.body, "Heure du conte (en)"));
  EXPECT_TRUE(absl::StrContains(english.body, "7:30 p.m. – 8:30 p.m."));
  EXPECT_TRUE(absl::StrContains(english.body, "feeds/all.ics?lang=en"));
}

TEST_F(SiteTest, MarkupInEventsShowsAsText) {
  v1::Event e = At("x", absl::CivilSecond(2026, 12, 4, 9, 0, 0),
                   "<script>alert(1)</script><b onmouseover=\"x\">gras</b>");
  e.mutable_description()->set_fr(
      "</script><img src=x onerror=alert(2)>\n\nVoir https://example.org/a?b=1&c=2. Merci");
  e.mutable_location()->set_name("\"><iframe src=//evil>");
  Serve({e});
  for (const std::string path : {"/", "/evenement/x", "/mois", "/atom.xml"}) {
    const std::string query = path == "/mois" ? "month=2026-12" : "";
    const BuiltPage page = Get(path, query);
    ASSERT_EQ(page.status, 200) << path;
    EXPECT_FALSE(absl::StrContains(page.body, "<script>alert")) << path;
    EXPECT_FALSE(absl::StrContains(page.body, "<b onmouseover")) << path;
    EXPECT_FALSE(absl::StrContains(page.body, "<iframe")) << path;
    EXPECT_FALSE(absl::StrContains(page.body, "<img src=x")) << path;
    if (path != "/atom.xml") {
      EXPECT_TRUE(absl::StrContains(page.body, "&lt;script&gt;alert(1)&lt;/script&gt;")) << path;
    }
  }
  const std::string html = Get("/evenement/x").body;
  EXPECT_TRUE(absl::StrContains(
      html, "<a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow noopener\">"))
      << "links in the description are links, without the sentence's full stop";
  // JSON-LD cannot end its script element, however the title reads.
  const size_t ld = html.find("<script type=\"application/ld+json\">");
  ASSERT_NE(ld, std::string::npos);
  const std::string json = html.substr(ld, html.find("</script>", ld) - ld);
  EXPECT_FALSE(absl::StrContains(json.substr(10), "<")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\\u003cscript\\u003e"));
}

TEST_F(SiteTest, EventPageSaysEverythingTheEventHas) {
  v1::Event e = At("s", absl::CivilSecond(2026, 12, 1, 19, 0, 0), "Club de lecture");
  e.set_rrule("FREQ=WEEKLY;BYDAY=TU");
  e.mutable_location()->set_address("150 rue Water");
  e.mutable_location()->set_has_coordinates(true);
  e.mutable_location()->set_latitude(45.788);
  e.mutable_location()->set_longitude(-72.016);
  e.mutable_price()->set_fr("Gratuit");
  e.mutable_accessibility()->set_fr("Rampe d'accès");
  e.mutable_organizer()->set_name("Marie Tremblay");
  e.set_status(v1::Event::STATUS_CANCELLED);
  Serve({e});
  const std::string html = Get("/evenement/s").body;
  EXPECT_TRUE(absl::StrContains(html, "mardi 8 décembre 2026, 19 h – 20 h")) << "the next date";
  EXPECT_TRUE(absl::StrContains(html, "Chaque semaine, le mardi"));
  EXPECT_TRUE(
      absl::StrContains(html, "https://www.openstreetmap.org/?mlat=45.788&amp;mlon=-72.016"));
  EXPECT_TRUE(absl::StrContains(html, "Gratuit"));
  EXPECT_TRUE(absl::StrContains(html, "Rampe d&apos;accès"));
  EXPECT_TRUE(absl::StrContains(html, "Cette activité est annulée."));
  EXPECT_TRUE(absl::StrContains(html, "\"eventStatus\":\"https://schema.org/EventCancelled\""));
  EXPECT_TRUE(absl::StrContains(html, "\"offers\":{\"@type\":\"Offer\""));
  EXPECT_TRUE(absl::StrContains(html, "\"organizer\":{\"@type\":\"Organization\""));
  EXPECT_TRUE(absl::StrContains(
      html, "<link rel=\"canonical\" href=\"http://127.0.0.1:8080/evenement/s\">"));
  EXPECT_TRUE(absl::StrContains(html, "property=\"og:title\""));
  EXPECT_TRUE(absl::StrContains(html, "/evenement/s.ics"));
  EXPECT_TRUE(absl::StrContains(html, "calendar.google.com/calendar/render?action=TEMPLATE"));
  EXPECT_TRUE(absl::StrContains(html, "dates=20261209T000000Z/20261209T010000Z"));
  EXPECT_TRUE(absl::StrContains(html, "href=\"/evenement/s?date=2026-12-15\"")) << "next dates";
  EXPECT_FALSE(absl::StrContains(html, "<dt>Prix</dt>\n<dd></dd>"));
  // Every occurrence has its page; a day without one is a 404.
  const std::string occurrence = Get("/evenement/s", "date=2026-12-15").body;
  EXPECT_TRUE(absl::StrContains(occurrence, "mardi 15 décembre 2026, 19 h"));
  EXPECT_TRUE(absl::StrContains(occurrence, "aria-current=\"page\">mardi 15 décembre, 19 h"));
  EXPECT_EQ(Get("/evenement/s", "date=2026-12-16").status, 404);
  const BuiltPage ics = Get("/evenement/s.ics");
  EXPECT_EQ(ics.content_type, "text/calendar; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(ics.body, "UID:s\r\n"));
}

TEST_F(SiteTest, FiltersPagingAndUnknownSlugs) {
  Serve({At("a", absl::CivilSecond(2026, 12, 3, 19, 0, 0), "Un", "danville"),
         At("b", absl::CivilSecond(2026, 12, 4, 19, 0, 0), "Deux", "wotton"),
         At("c", absl::CivilSecond(2026, 12, 5, 19, 0, 0), "Trois", "danville"),
         At("d", absl::CivilSecond(2026, 12, 6, 19, 0, 0), "Quatre", "danville"),
         At("e", absl::CivilSecond(2026, 12, 20, 19, 0, 0), "Cinq", "danville")});
  const std::string danville = Get("/", "municipality=danville").body;
  EXPECT_TRUE(absl::StrContains(danville, "4 activités"));
  EXPECT_FALSE(absl::StrContains(danville, "Deux"));
  EXPECT_TRUE(absl::StrContains(danville, "rel=\"next\"")) << "3 a page";
  EXPECT_TRUE(absl::StrContains(danville, "<option value=\"danville\" selected>"));
  EXPECT_TRUE(absl::StrContains(danville, "feeds/all.ics?municipality=danville"));
  EXPECT_TRUE(absl::StrContains(Get("/", "municipality=danville&page=2").body, "Cinq"));
  EXPECT_EQ(Get("/", "municipality=danville&page=3").status, 404);
  EXPECT_EQ(Get("/municipalite/atlantis").status, 404);
  EXPECT_EQ(Get("/", "category=nope").status, 404);
  EXPECT_TRUE(absl::StrContains(Get("/municipalite/asbestos").body, "Val-des-Sources"))
      << "an alias names its municipality";
  const std::string weekend = Get("/", "period=weekend").body;
  EXPECT_TRUE(absl::StrContains(weekend, "Trois"));
  EXPECT_TRUE(absl::StrContains(weekend, "Quatre"));
  EXPECT_FALSE(absl::StrContains(weekend, "Deux"));
  EXPECT_TRUE(absl::StrContains(Get("/", "q=quat").body, "1 activité"));
  const std::string month = Get("/mois", "month=2026-12&municipality=danville").body;
  EXPECT_TRUE(absl::StrContains(month, "<caption>décembre 2026 — 4 activités</caption>"));
  EXPECT_TRUE(absl::StrContains(month, "month=2027-01")) << "next month";
  EXPECT_TRUE(absl::StrContains(month, "<th scope=\"col\"><abbr title=\"lundi\">lun.</abbr></th>"));
}

TEST_F(SiteTest, AtomSitemapAndRobots) {
  Serve({At("a", absl::CivilSecond(2026, 12, 3, 19, 0, 0), "Un & deux")});
  const BuiltPage atom = Get("/atom.xml", "municipality=danville");
  EXPECT_EQ(atom.content_type, "application/atom+xml; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(atom.body, "<title>Un &amp; deux</title>"));
  EXPECT_TRUE(absl::StrContains(atom.body, "<id>http://127.0.0.1:8080/evenement/a</id>"));
  const BuiltPage sitemap = Get("/sitemap.xml");
  EXPECT_TRUE(absl::StrContains(sitemap.body, "<loc>http://127.0.0.1:8080/en/event/a</loc>"));
  EXPECT_TRUE(
      absl::StrContains(sitemap.body, "<loc>http://127.0.0.1:8080/municipalite/danville</loc>"));
  EXPECT_TRUE(
      absl::StrContains(Get("/robots.txt").body, "Sitemap: http://127.0.0.1:8080/sitemap.xml"));
}

TEST_F(SiteTest, WidgetPageAndItsBuilder) {
  Serve({At("a", absl::CivilSecond(2026, 12, 3, 19, 0, 0), "Un"),
         At("b", absl::CivilSecond(2026, 12, 4, 19, 0, 0), "Deux"),
         At("c", absl::CivilSecond(2026, 12, 5, 19, 0, 0), "Trois", "wotton")});
  SiteOptions options;
  options.widget_frame_ancestors = "https://tourisme.example.org";
  const Site site(view_, region_, nullptr, *renderer_, options);
  const BuiltPage widget = site.Build(*ParsePageTarget("/widget", "limit=1&theme=dark"), kNow);
  EXPECT_EQ(widget.status, 200);
  EXPECT_TRUE(absl::StrContains(widget.content_security_policy,
                                "frame-ancestors https://tourisme.example.org"));
  EXPECT_TRUE(absl::StrContains(widget.body, "<html lang=\"fr\" class=\"theme-dark\">"));
  EXPECT_TRUE(absl::StrContains(widget.body, "Un"));
  EXPECT_FALSE(absl::StrContains(widget.body, "Deux")) << "limit=1";
  EXPECT_TRUE(absl::StrContains(
      widget.body, "href=\"http://127.0.0.1:8080/evenement/a?date=2026-12-03\" target=\"_blank\""));
  EXPECT_TRUE(absl::StrContains(widget.body, "<script src=\"/static/frame.js"));
  EXPECT_EQ(site.Build(*ParsePageTarget("/widget", "municipality=atlantis"), kNow).status, 404);
  EXPECT_TRUE(absl::IsInvalidArgument(ParsePageTarget("/widget", "limit=51").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParsePageTarget("/widget", "theme=pink").status()));

  const BuiltPage builder =
      site.Build(*ParsePageTarget("/en/integrate", "municipality=wotton&limit=5"), kNow);
  EXPECT_EQ(builder.status, 200);
  EXPECT_TRUE(absl::StrContains(builder.content_security_policy, "frame-src 'self'"));
  // The snippets are text to copy, escaped in their textarea.
  EXPECT_TRUE(absl::StrContains(
      builder.body,
      "&lt;iframe src=&quot;http://127.0.0.1:8080/en/widget?municipality=wotton&amp;limit=5"));
  EXPECT_TRUE(
      absl::StrContains(builder.body,
                        "&lt;babillard-events src=&quot;http://127.0.0.1:8080/feeds/all.json?"
                        "municipality=wotton&amp;lang=en&quot; limit=&quot;5&quot;"));
  EXPECT_TRUE(
      absl::StrContains(builder.body, "<iframe class=\"widget-preview\" src=\"/en/widget?"));
  EXPECT_FALSE(absl::StrContains(builder.body, "<babillard-events"));
  EXPECT_TRUE(absl::StrContains(Get("/").body, "href=\"/integrer\""))
      << "every list links to the builder";
}

// Every template file is loaded, and every {{t.key}} it uses has its words
// in both languages.
TEST(PageWords, EveryTemplateLoadedAndEveryKeyInBothLanguages) {
  std::unique_ptr<PageRenderer> r = *PageRenderer::Load();
  std::set<std::string> keys;
  int templates = 0;
  for (const auto& file : std::filesystem::directory_iterator(
           absl::StrCat(BABILLARD_SOURCE_DIR, "/services/publish/web/templates"))) {
    const std::string name = file.path().stem().string();
    EXPECT_TRUE(r->HasTemplate(name)) << name << " is not in kTemplates";
    ++templates;
    std::ifstream in(file.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    ASSERT_FALSE(s.empty()) << name;
    std::regex key(R"(\{\{t\.([a-z0-9_]+)\}\})");
    for (auto it = std::sregex_iterator(s.begin(), s.end(), key); it != std::sregex_iterator();
         ++it)
      keys.insert((*it)[1]);
  }
  EXPECT_GE(templates, 11);
  EXPECT_GT(keys.size(), 40u);
  for (const std::string& key : keys) {
    EXPECT_FALSE(r->Word(key, "fr").empty()) << key << " in fr.txt";
    EXPECT_FALSE(r->Word(key, "en").empty()) << key << " in en.txt";
  }
}

// Through the HTTP handler: built off the I/O threads, cached, 304, headers.
TEST_F(SiteTest, HandlerCachesPagesAndSendsTheirPolicies) {
  Serve({At("a", absl::CivilSecond(2026, 12, 3, 19, 0, 0), "Un")});
  testing::FakeClock clock(kNow);
  FeedHandler handler(view_, FeedOptions(), {}, nullptr, clock);
  const Site site(view_, region_, nullptr, *renderer_, SiteOptions());
  handler.ServePages(site, *renderer_);
  HttpRequest home{"GET", "/", "", "gzip", "", "", ""};
  EXPECT_EQ(handler.Handle(home, FeedHandler::Mode::kCachedOnly).status, FeedHandler::kBuildNeeded)
      << "an I/O thread never builds a page";
  const HttpResponse built = handler.Handle(home);
  ASSERT_EQ(built.status, 200);
  std::map<std::string, std::string> headers(built.headers.begin(), built.headers.end());
  EXPECT_TRUE(absl::StrContains(headers["Content-Security-Policy"], "default-src 'none'"));
  EXPECT_FALSE(absl::StrContains(headers["Content-Security-Policy"], "unsafe-inline"));
  EXPECT_EQ(headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(headers["Content-Encoding"], "gzip");
  EXPECT_EQ(headers["Set-Cookie"], "babillard_lang=fr; Path=/; Max-Age=31536000; SameSite=Lax");
  const HttpResponse cached = handler.Handle(home, FeedHandler::Mode::kCachedOnly);
  EXPECT_EQ(cached.status, 200);
  home.if_none_match = headers["ETag"];
  EXPECT_EQ(handler.Handle(home, FeedHandler::Mode::kCachedOnly).status, 304);
  // Accept-Language picks English on a first visit only; the cookie wins after.
  HttpRequest first{"GET", "/", "", "", "", "en-CA,en;q=0.9,fr;q=0.5", ""};
  const HttpResponse redirect = handler.Handle(first, FeedHandler::Mode::kCachedOnly);
  EXPECT_EQ(redirect.status, 302);
  first.cookie = "babillard_lang=fr";
  EXPECT_NE(handler.Handle(first).status, 302);
  HttpRequest french_browser{"GET", "/", "", "", "", "fr-CA,fr;q=0.9,en;q=0.8", ""};
  EXPECT_NE(handler.Handle(french_browser).status, 302);
  // Unknown pages are real 404 pages, never cached.
  const HttpResponse missing = handler.Handle({"GET", "/evenement/nope", "", "", "", "", ""});
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(absl::StrContains(missing.body, "<h1>Page introuvable</h1>"));
  const HttpResponse css = handler.Handle({"GET", "/static/babillard.css", "", "", "", "", ""},
                                          FeedHandler::Mode::kCachedOnly);
  EXPECT_EQ(css.status, 200);
  // A change rebuilds the page.
  Serve({At("a", absl::CivilSecond(2026, 12, 3, 19, 0, 0), "Autre titre")});
  EXPECT_EQ(handler.Handle(home, FeedHandler::Mode::kCachedOnly).status, FeedHandler::kBuildNeeded);
  EXPECT_EQ(handler.Handle(home).status, 200);
}

}  // namespace
}  // namespace babillard::publish::web
