#include "services/publish/json_feed.h"

#include <google/protobuf/util/json_util.h>

#include "absl/time/civil_time.h"
#include "babillard/v1/json_feed.pb.h"

namespace babillard::publish {
namespace {

constexpr char kScheduled[] = "https://schema.org/EventScheduled";
constexpr char kCancelled[] = "https://schema.org/EventCancelled";

const char* SchemaStatus(v1::Event::Status status) {
  return status == v1::Event::STATUS_CANCELLED ? kCancelled : kScheduled;
}

const char* OwnStatus(v1::Event::Status status) {
  switch (status) {
    case v1::Event::STATUS_CANCELLED:
      return "cancelled";
    case v1::Event::STATUS_TENTATIVE:
      return "tentative";
    default:
      return "confirmed";
  }
}

std::string UtcInstant(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// Formats the instants of one event's times: as dates for all-day events
// (an end as the last day it covers), else with the offset of its zone.
class TimeFormat {
 public:
  TimeFormat(const v1::EventTime& start, const std::string& region_zone)
      : all_day_(start.all_day()) {
    const std::string& name =
        all_day_ || start.time_zone().empty() ? region_zone : start.time_zone();
    if (!absl::LoadTimeZone(name, &zone_)) zone_ = absl::UTCTimeZone();
  }
  std::string Start(absl::Time t) const {
    return all_day_ ? absl::FormatCivilTime(absl::ToCivilDay(t, zone_))
                    : absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, zone_);
  }
  std::string End(absl::Time t) const {
    return all_day_ ? absl::FormatCivilTime(absl::ToCivilDay(t - absl::Seconds(1), zone_))
                    : absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, zone_);
  }

 private:
  bool all_day_;
  absl::TimeZone zone_;
};

}  // namespace

v1::JsonEvent ToJsonEvent(const SelectedEvent& selected, const JsonFeedHeader& header) {
  const v1::Event& e = selected.served->event();
  const absl::string_view lang = header.language;
  const TimeFormat times(e.start(), header.time_zone);
  v1::JsonEvent j;
  j.set_type("Event");
  j.set_identifier(e.uid());
  j.set_name(InLanguage(e.title(), lang));
  j.set_description(InLanguage(e.description(), lang));
  j.set_start_date(times.Start(absl::FromUnixSeconds(e.start().utc_seconds())));
  j.set_end_date(times.End(absl::FromUnixSeconds(e.end().utc_seconds())));
  j.set_event_status(SchemaStatus(e.status()));
  const v1::Location& where = e.location();
  if (!where.name().empty() || !where.address().empty() || !where.municipality().empty() ||
      where.has_coordinates()) {
    v1::JsonPlace& place = *j.mutable_location();
    place.set_type("Place");
    place.set_name(where.name());
    place.set_address(where.address());
    if (where.has_coordinates()) {
      place.mutable_geo()->set_type("GeoCoordinates");
      place.mutable_geo()->set_latitude(where.latitude());
      place.mutable_geo()->set_longitude(where.longitude());
    }
    if (!where.municipality().empty()) {
      v1::JsonCity& city = *place.mutable_contained_in_place();
      city.set_type("City");
      city.set_identifier(where.municipality());
      const v1::Municipality* m = header.region != nullptr
                                      ? header.region->FindMunicipality(where.municipality())
                                      : nullptr;
      city.set_name(m != nullptr ? InLanguage(m->name(), lang) : where.municipality());
    }
  }
  if (!e.organizer().name().empty() || !e.organizer().email().empty()) {
    j.mutable_organizer()->set_type("Organization");
    j.mutable_organizer()->set_name(e.organizer().name());
    j.mutable_organizer()->set_email(e.organizer().email());
  }
  if (const std::string& price = InLanguage(e.price(), lang); !price.empty()) {
    j.mutable_offers()->set_type("Offer");
    j.mutable_offers()->set_description(price);
  }
  j.set_url(e.url());
  j.set_image(e.image_url());
  for (const std::string& tag : e.tags()) j.add_keywords(tag);
  j.set_status(OwnStatus(e.status()));
  for (const std::string& slug : e.categories()) {
    v1::JsonCategory& c = *j.add_categories();
    c.set_identifier(slug);
    const v1::Category* known =
        header.region != nullptr ? header.region->FindCategory(slug) : nullptr;
    c.set_name(known != nullptr ? InLanguage(known->name(), lang) : slug);
  }
  j.set_organization(e.organization());
  j.set_all_day(e.start().all_day());
  if (!e.start().all_day()) {
    j.set_time_zone(e.start().time_zone().empty() ? header.time_zone : e.start().time_zone());
  }
  j.set_recurrence_rule(e.rrule());
  for (const ical::Occurrence& o : selected.expansion->occurrences) {
    v1::JsonOccurrence& out = *j.add_occurrences();
    out.set_start_date(times.Start(o.start));
    out.set_end_date(times.End(o.end));
    out.set_event_status(
        SchemaStatus(o.status == v1::Event::STATUS_UNSPECIFIED ? e.status() : o.status));
    out.set_changed(o.override_event != nullptr);
  }
  j.set_accessibility(InLanguage(e.accessibility(), lang));
  j.set_sequence(e.sequence());
  if (e.last_modified() > 0)
    j.set_date_modified(UtcInstant(absl::FromUnixSeconds(e.last_modified())));
  return j;
}

absl::StatusOr<std::string> BuildJsonFeed(const std::vector<SelectedEvent>& events,
                                          const JsonFeedHeader& header) {
  v1::JsonFeed feed;
  feed.set_context("https://schema.org");
  feed.set_name(header.name);
  feed.set_in_language(header.language);
  feed.set_from(UtcInstant(header.from));
  feed.set_to(UtcInstant(header.to));
  for (const SelectedEvent& e : events) *feed.add_events() = ToJsonEvent(e, header);
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(feed, &text).ok()) {
    return absl::InternalError("feed: JSON encoding failed");
  }
  return text;
}

}  // namespace babillard::publish
