#pragma once

#include <libical/ical.h>

#include <string>
#include <variant>
#include <vector>

#include "babillard/v1/event.pb.h"
#include "services/common/ical/event_rules.h"
#include "services/common/ical/time_zones.h"

namespace babillard::ical {

// Reads one VEVENT (a master or an override) of a parsed calendar into the
// proto, as its properties say: times resolved through the calendar's zones,
// DURATION turned into an end, a missing UID derived when allowed. What
// libical could not read of a property that decides when the event happens
// rejects it, naming the property ("dtstart", "rrule"). The checks every
// event meets, whichever way it came in, are NormalizeEvent's, run next.
// Not thread-safe; lives as long as the calendar its zones borrow.
// libical's X-LIC-ERROR messages for a line it could not read at all.
bool IsLibicalSyntaxError(std::string_view message);

class VeventReader {
 public:
  VeventReader(const NormalizeOptions& options, ZoneResolver& zones,
               std::vector<std::string>& warnings)
      : options_(options), zones_(zones), warnings_(warnings) {}

  std::variant<v1::Event, FieldError> Read(icalcomponent* vevent);

 private:
  std::optional<FieldError> CheckLibicalErrors(icalcomponent* vevent);
  std::optional<FieldError> ReadIdentity(icalcomponent* vevent, v1::Event& event);
  std::variant<v1::EventTime, FieldError> ToEventTime(icalproperty* p, icaltimetype t,
                                                      std::string_view field);
  std::optional<FieldError> ReadTimes(icalcomponent* vevent, v1::Event& event);
  std::optional<FieldError> ReadEnd(icalcomponent* vevent, v1::Event& event);
  std::optional<FieldError> ReadRecurrence(icalcomponent* vevent, v1::Event& event);
  void ReadText(icalcomponent* vevent, v1::Event& event);
  void ReadExtension(icalproperty* p, v1::Event& event);
  void ReadMetadata(icalcomponent* vevent, v1::Event& event);
  void SetText(icalproperty* p, const char* raw, v1::LocalizedText* text) const;

  const NormalizeOptions& options_;
  ZoneResolver& zones_;
  std::vector<std::string>& warnings_;
};

}  // namespace babillard::ical
