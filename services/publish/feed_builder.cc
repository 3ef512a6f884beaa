#include "services/publish/feed_builder.h"

#include <algorithm>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/ical/recurrence.h"
#include "services/publish/change_filter.h"
#include "services/publish/json_feed.h"

namespace babillard::publish {
namespace {

// The query's criteria as one Filter, the form change streams use too.
v1::Filter FilterOf(const FeedQuery& q) {
  v1::Filter f = q.extra;
  for (const std::string& m : q.municipalities) f.add_municipalities(m);
  for (const std::string& c : q.categories) f.add_categories(c);
  for (const std::string& o : q.organizations) f.add_organizations(o);
  return f;
}

}  // namespace

std::string FeedQuery::Key() const {
  return absl::StrCat(json ? "json" : "ics", "|", language == ical::Language::kFr ? "fr" : "en",
                      "|", absl::StrJoin(municipalities, ","), "|", absl::StrJoin(categories, ","),
                      "|", absl::StrJoin(organizations, ","), "|", absl::ToUnixSeconds(from), "|",
                      absl::ToUnixSeconds(to), "|", title, "|",
                      absl::CEscape(extra.SerializeAsString()));
}

std::vector<SelectedEvent> SelectEvents(const std::vector<EventPtr>& events, const FeedQuery& query,
                                        const std::string& time_zone) {
  // Views of the events' own uids: no copy of 10,000 strings per build.
  absl::flat_hash_set<absl::string_view> present;
  present.reserve(events.size());
  for (const EventPtr& e : events) present.insert(e->event().uid());
  std::vector<SelectedEvent> selected;
  const v1::Filter filter = FilterOf(query);
  // A merged group is in a filtered feed when any of its copies matches
  // (only the copy might have the category), shown as its canonical event.
  absl::flat_hash_set<absl::string_view> wanted_groups;
  for (const EventPtr& served : events) {
    const v1::Event& e = served->event();
    if (!e.duplicate_of().empty() && EventMatches(e, filter))
      wanted_groups.insert(e.duplicate_of());
  }
  for (const EventPtr& served : events) {
    const v1::Event* e = &served->event();
    if (!EventMatches(*e, filter) &&
        !(wanted_groups.contains(e->uid()) && e->visibility() != v1::Event::VISIBILITY_PRIVATE))
      continue;
    // A merged duplicate appears once, as its canonical event (unless only
    // the duplicate's organization is asked for, or the canonical is gone).
    if (!e->duplicate_of().empty() && present.contains(e->duplicate_of()) &&
        !(query.organizations.size() == 1 && query.organizations[0] == e->organization())) {
      continue;
    }
    // Cancelled events stay while their occurrences are in the window (STATUS:CANCELLED).
    absl::StatusOr<std::shared_ptr<const ical::Expansion>> x =
        served->Occurrences(query.from, query.to, time_zone);
    if (!x.ok() || (*x)->occurrences.empty()) continue;
    selected.push_back({served.get(), *std::move(x)});
  }
  // By reference: a pair of copies per comparison was most of a rebuild.
  std::sort(selected.begin(), selected.end(), [](const SelectedEvent& a, const SelectedEvent& b) {
    const v1::Event& x = a.served->event();
    const v1::Event& y = b.served->event();
    if (x.start().utc_seconds() != y.start().utc_seconds())
      return x.start().utc_seconds() < y.start().utc_seconds();
    return x.uid() < y.uid();
  });
  return selected;
}

absl::StatusOr<std::string> BuildFeed(const std::vector<EventPtr>& events, const FeedQuery& query,
                                      const FeedOptions& options) {
  const std::vector<SelectedEvent> selected = SelectEvents(events, query, options.time_zone);
  const std::string name = query.title.empty() ? options.region_name : query.title;
  if (query.json) {
    return BuildJsonFeed(selected, {.name = name,
                                    .language = query.language == ical::Language::kEn ? "en" : "fr",
                                    .from = query.from,
                                    .to = query.to,
                                    .time_zone = options.time_zone,
                                    .region = options.region});
  }
  std::vector<std::string_view> texts;
  std::set<std::string> zones;
  int64_t earliest = absl::ToUnixSeconds(query.from);
  texts.reserve(selected.size());
  for (const SelectedEvent& s : selected) {
    const ServedEvent* e = s.served;
    texts.push_back(e->ical(query.language));
    for (std::string& z : ical::TimeZonesOf(e->event())) zones.insert(std::move(z));
    earliest = std::min(earliest, e->event().start().utc_seconds());
  }
  ical::CalendarHeader header;
  header.name = name;
  header.refresh_interval = options.refresh_interval;
  std::vector<std::string> zone_list(zones.begin(), zones.end());
  return ical::AssembleCalendar(header, texts, zone_list, earliest);
}

}  // namespace babillard::publish
