// What the site serves beside its pages: the Atom feed, sitemap.xml and robots.txt.
#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "services/publish/web/date_words.h"
#include "services/publish/web/site.h"

namespace babillard::publish::web {
namespace {

// Entries in an Atom feed: readers keep what they saw, so the soonest suffice.
constexpr size_t kAtomEntries = 200;
// The sitemap protocol's limit per file.
constexpr size_t kSitemapUrls = 50000;
constexpr int kUpcomingDays = 548;

std::string Rfc3339(int64_t seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(seconds),
                          absl::UTCTimeZone());
}

int64_t Changed(const v1::Event& e) {
  return std::max({e.last_modified(), e.created(), e.dtstamp()});
}

}  // namespace

BuiltPage Site::Atom(const PageRoute& route, absl::Time now) const {
  const std::string& lang = route.language;
  if (std::string unknown = UnknownSlug(route.filter, lang); !unknown.empty())
    return Error(404, unknown, lang);
  const absl::CivilDay today = absl::ToCivilDay(now, zone_);
  Kept keep;
  const std::vector<Item> items = Items(route.filter, lang, absl::FromCivil(today, zone_),
                                        absl::FromCivil(today + kUpcomingDays, zone_), keep);
  Data entries = NewList();
  absl::flat_hash_set<std::string> seen;
  int64_t updated = 0;
  for (const Item& item : items) {
    const v1::Event& e = item.served->event();
    if (!seen.insert(e.uid()).second) continue;  // one entry per event: its next date
    if (seen.size() > kAtomEntries) break;
    Data d = ItemData(item, lang, true);
    d.set("id", Absolute(EventPath(lang, e.uid())));
    d.set("url", Absolute(EventPath(lang, e.uid())));
    d.set("updated", Rfc3339(Changed(e)));
    updated = std::max(updated, Changed(e));
    std::string summary =
        absl::StrCat(LongDate(absl::ToCivilDay(item.occurrence->start, zone_), lang, true), ", ",
                     TimeText(e, *item.occurrence, lang));
    if (!e.location().name().empty()) absl::StrAppend(&summary, " · ", e.location().name());
    if (!e.location().municipality().empty())
      absl::StrAppend(&summary, " · ", MunicipalityName(e.location().municipality(), lang));
    d.set("summary", summary);
    d.set("description", Optional(InLanguage(e.description(), lang)));
    Data categories = NewList();
    for (const std::string& slug : e.categories()) {
      Data c;
      c.set("slug", slug);
      c.set("name", CategoryName(slug, lang));
      categories.push_back(c);
    }
    d.set("categories", categories);
    entries.push_back(d);
  }
  Data v;
  PageRoute list = route;
  list.kind = PageKind::kList;
  list.scope = PageScope::kNone;
  const std::string heading = Heading(list);
  v.set("title", heading);
  v.set("site_name", region_.Name(lang));
  v.set("id", Absolute(AtomPath(lang, route.filter)));
  v.set("self_url", Absolute(AtomPath(lang, route.filter)));
  v.set("page_url", Absolute(ListPath(lang, route.filter)));
  // The newest change among its entries, so that the bytes (the ETag) stay
  // the same while nothing in it changed.
  v.set("updated", Rfc3339(updated));
  v.set("entries", entries);
  return {200, renderer_.RenderBare("atom", std::move(v), lang),
          "application/atom+xml; charset=utf-8"};
}

BuiltPage Site::Sitemap(absl::Time now) const {
  Data urls = NewList();
  size_t count = 0;
  const auto add = [&](const std::string& path, int64_t modified) {
    if (count++ >= kSitemapUrls) return;
    Data u;
    u.set("loc", Absolute(path));
    if (modified > 0) {
      u.set("lastmod", Rfc3339(modified));
    } else {
      u.set("lastmod", false);
    }
    urls.push_back(u);
  };
  for (const std::string lang : {"fr", "en"}) {
    add(lang == "en" ? "/en/" : "/", 0);
    for (const v1::Municipality& m : region_.proto().municipalities())
      add(ScopePath(lang, PageScope::kMunicipality, m.slug()), 0);
    for (const v1::Category& c : region_.proto().categories())
      add(ScopePath(lang, PageScope::kCategory, c.slug()), 0);
    if (organizations_ != nullptr) {
      for (const auto& [slug, name] : organizations_->All())
        add(ScopePath(lang, PageScope::kOrganization, slug), 0);
    }
  }
  std::vector<EventPtr> events = view_.Events();
  std::sort(events.begin(), events.end(), [](const EventPtr& a, const EventPtr& b) {
    return a->event().uid() < b->event().uid();
  });
  const int64_t today = absl::ToUnixSeconds(absl::FromCivil(absl::ToCivilDay(now, zone_), zone_));
  for (const EventPtr& served : events) {
    const v1::Event& e = served->event();
    if (e.visibility() == v1::Event::VISIBILITY_PRIVATE || !e.duplicate_of().empty()) continue;
    // Past single events are left out; a series' end is not worked out here.
    if (e.rrule().empty() && e.rdates_size() == 0 && e.end().utc_seconds() < today &&
        e.start().utc_seconds() < today)
      continue;
    for (const std::string lang : {"fr", "en"}) add(EventPath(lang, e.uid()), Changed(e));
  }
  Data v;
  v.set("urls", urls);
  return {200, renderer_.RenderBare("sitemap", std::move(v), "fr"),
          "application/xml; charset=utf-8"};
}

BuiltPage Site::Robots() const {
  return {200,
          absl::StrCat("User-agent: *\nAllow: /\nDisallow: /feeds/\nDisallow: /metrics\n",
                       "Sitemap: ", Absolute("/sitemap.xml"), "\n"),
          "text/plain; charset=utf-8"};
}

}  // namespace babillard::publish::web
