// libFuzzer target: the whole import path of the iCalendar core, from raw
// bytes to normalized events, expanded occurrences and serialized feeds.
#include <libical/ical.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/time/time.h"
#include "services/common/ical/calendar_parser.h"
#include "services/common/ical/recurrence.h"
#include "services/common/ical/serializer.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  icalerror_set_errors_are_fatal(0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace babillard::ical;
  NormalizeOptions options;
  options.limits.max_body_bytes = 1 << 20;
  absl::StatusOr<ParsedCalendar> parsed =
      ParseCalendar(std::string(reinterpret_cast<const char*>(data), size), options);
  if (!parsed.ok()) return 0;
  const absl::Time from = absl::FromUnixSeconds(946684800);  // 2000-01-01
  const absl::Time to = absl::FromUnixSeconds(1893456000);   // 2030-01-01
  for (const babillard::v1::Event& e : parsed->events) {
    (void)ExpandOccurrences(e, from, to, options.limits);
  }
  (void)SerializeCalendar(parsed->events, CalendarHeader(), SerializeOptions());
  return 0;
}
