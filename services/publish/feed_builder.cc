#include "services/publish/feed_builder.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "babillard/v1/store.pb.h"
#include "services/common/ical/recurrence.h"
#include "services/publish/change_filter.h"

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

absl::StatusOr<std::string> BuildFeed(const std::vector<EventPtr>& events, const FeedQuery& query,
                                      const FeedOptions& options) {
  absl::flat_hash_set<std::string> present;
  for (const EventPtr& e : events) present.insert(e->uid());
  std::vector<const v1::Event*> selected;
  ical::Limits limits;
  const v1::Filter filter = FilterOf(query);
  for (const EventPtr& e : events) {
    if (!EventMatches(*e, filter)) continue;
    // A merged duplicate appears once, as its canonical event (unless only
    // the duplicate's organization is asked for, or the canonical is gone).
    if (!e->duplicate_of().empty() && present.contains(e->duplicate_of()) &&
        !(query.organizations.size() == 1 && query.organizations[0] == e->organization())) {
      continue;
    }
    // Cancelled events stay while their occurrences are in the window (STATUS:CANCELLED).
    absl::StatusOr<ical::Expansion> x =
        ical::ExpandOccurrences(*e, query.from, query.to, limits, options.time_zone);
    if (!x.ok() || x->occurrences.empty()) continue;
    selected.push_back(e.get());
  }
  std::sort(selected.begin(), selected.end(), [](const v1::Event* a, const v1::Event* b) {
    return std::make_pair(a->start().utc_seconds(), a->uid()) <
           std::make_pair(b->start().utc_seconds(), b->uid());
  });
  if (query.json) {
    v1::QueryEventsResponse list;
    for (const v1::Event* e : selected) {
      v1::Event* out = list.add_events();
      *out = *e;
      out->clear_ical_fr();
      out->clear_ical_en();
    }
    std::string text;
    google::protobuf::util::JsonPrintOptions json;
    json.preserve_proto_field_names = true;
    if (!google::protobuf::util::MessageToJsonString(list, &text, json).ok()) {
      return absl::InternalError("feed: JSON encoding failed");
    }
    return text;
  }
  std::vector<std::string> owned;
  std::vector<std::string_view> texts;
  std::set<std::string> zones;
  int64_t earliest = absl::ToUnixSeconds(query.from);
  ical::SerializeOptions serialize;
  serialize.language = query.language;
  owned.reserve(selected.size());
  for (const v1::Event* e : selected) {
    const std::string& stored = query.language == ical::Language::kFr ? e->ical_fr() : e->ical_en();
    if (stored.empty()) {
      owned.push_back(ical::SerializeEvent(*e, serialize));
      texts.push_back(owned.back());
    } else {
      texts.push_back(stored);
    }
    for (std::string& z : ical::TimeZonesOf(*e)) zones.insert(std::move(z));
    earliest = std::min(earliest, e->start().utc_seconds());
  }
  ical::CalendarHeader header;
  header.name = query.title.empty() ? options.region_name : query.title;
  header.time_zone = options.time_zone;
  header.refresh_interval = options.refresh_interval;
  std::vector<std::string> zone_list(zones.begin(), zones.end());
  return ical::AssembleCalendar(header, texts, zone_list, earliest);
}

}  // namespace babillard::publish
