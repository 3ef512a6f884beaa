#include "services/ingest/occurrences.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/common/grpc_status.h"
#include "services/common/ical/event_time.h"
#include "services/common/ical/recurrence.h"
#include "services/common/ical/time_zones.h"
#include "services/common/status_macros.h"

namespace babillard::ingest {
namespace {

absl::Status Invalid(const std::string& reason) {
  return BadRequestError(absl::StrCat("occurrence: ", reason), {{"occurrence", reason}});
}

}  // namespace

absl::StatusOr<v1::Event*> CancelOccurrence(v1::Event& series, const std::string& occurrence,
                                            const ical::Limits& limits,
                                            const std::string& region_zone) {
  const v1::EventTime& start = series.start();
  if (series.rrule().empty() && series.rdates_size() == 0)
    return Invalid("the event does not repeat; cancel it whole");
  absl::StatusOr<absl::CivilSecond> local = ical::ParseLocal(occurrence, start.all_day());
  if (!local.ok()) return Invalid(std::string(local.status().message()));
  const std::string zone_name = start.all_day() ? region_zone : start.time_zone();
  absl::StatusOr<absl::TimeZone> tz = ical::LoadIanaZone(zone_name);
  if (!tz.ok()) return tz.status();
  const absl::Time instant = ical::LocalToUtc({zone_name, *tz, nullptr}, *local);
  // The instance must be one the series has (an override may have moved it:
  // the instance is named by its original start).
  BABILLARD_ASSIGN_OR_RETURN(
      ical::Expansion around,
      ical::ExpandOccurrences(series, instant - absl::Hours(48), instant + absl::Hours(48), limits,
                              region_zone));
  v1::Event* existing = nullptr;
  for (v1::Event& o : *series.mutable_overrides()) {
    if (o.recurrence_id().utc_seconds() == absl::ToUnixSeconds(instant)) existing = &o;
  }
  bool found = existing != nullptr;
  for (const ical::Occurrence& o : around.occurrences)
    found = found || (o.override_event == nullptr && o.start == instant);
  if (!found) {
    return Invalid(absl::StrCat("\"", occurrence, "\" is not one of the series' dates (",
                                start.time_zone().empty() ? region_zone : start.time_zone(), ")"));
  }
  if (existing == nullptr) {
    existing = series.add_overrides();
    *existing = series;
    existing->clear_rrule();
    existing->clear_rdates();
    existing->clear_exdates();
    existing->clear_overrides();
    existing->clear_provenance();
    v1::EventTime& rid = *existing->mutable_recurrence_id();
    rid.set_all_day(start.all_day());
    rid.set_local(ical::FormatLocal(*local, start.all_day()));
    if (!start.all_day()) rid.set_time_zone(start.time_zone());
    rid.set_utc_seconds(absl::ToUnixSeconds(instant));
    const int64_t length = series.end().utc_seconds() - start.utc_seconds();
    *existing->mutable_start() = rid;
    v1::EventTime& end = *existing->mutable_end();
    end = rid;
    end.set_utc_seconds(rid.utc_seconds() + length);
    end.set_local(ical::FormatLocal(
        absl::ToCivilSecond(absl::FromUnixSeconds(end.utc_seconds()), *tz), start.all_day()));
  }
  existing->set_status(v1::Event::STATUS_CANCELLED);
  return existing;
}

}  // namespace babillard::ingest
