#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "babillard/v1/event.pb.h"

namespace babillard::ical {

enum class Language { kFr, kEn };

// "fr" -> kFr, "en" -> kEn; INVALID_ARGUMENT otherwise.
absl::StatusOr<Language> ParseLanguage(std::string_view code);

// The text in `language`, or in the other one when it is empty.
const std::string& Pick(const v1::LocalizedText& text, Language language);

struct SerializeOptions {
  Language language = Language::kFr;
  // Prefix the titles of cancelled events ("ANNULÉ : " / "CANCELLED: "):
  // Outlook shows cancelled events of a subscribed calendar as active.
  bool mark_cancelled_titles = true;
  // Write every language present (SUMMARY;LANGUAGE=fr and ;LANGUAGE=en...):
  // the lossless form ingest parses back, not what feeds serve.
  bool all_languages = false;
};

// The event's VEVENT text, then one VEVENT per override: CRLF line ends,
// lines folded at 75 octets without splitting a UTF-8 character, TEXT values
// escaped (a title with CR, LF, commas or semicolons stays one SUMMARY line).
// Deterministic: the same event always gives the same bytes.
std::string SerializeEvent(const v1::Event& event, const SerializeOptions& options);

// Calendar-level properties of a feed.
struct CalendarHeader {
  // NAME and X-WR-CALNAME.
  std::string name;
  // X-WR-CALDESC, optional.
  std::string description;
  // REFRESH-INTERVAL and X-PUBLISHED-TTL, as an RFC 5545 duration.
  std::string refresh_interval = "PT1H";
  // PRODID.
  std::string product_id = "-//babillard//babillard 1.0//FR";
};

// Joins already-serialized VEVENT texts into one VCALENDAR, with one
// VTIMEZONE for every zone in `time_zones` (IANA names; "UTC" needs none),
// each trimmed to the rules in force from `earliest_utc_seconds` on.
// INVALID_ARGUMENT for a zone tzdata does not know.
absl::StatusOr<std::string> AssembleCalendar(const CalendarHeader& header,
                                             absl::Span<const std::string_view> vevents,
                                             absl::Span<const std::string> time_zones,
                                             int64_t earliest_utc_seconds);

// The time zones an event uses (start, end, RDATE, EXDATE, overrides).
std::vector<std::string> TimeZonesOf(const v1::Event& event);

// The VTIMEZONE text of an IANA zone, from `from_utc_seconds` on (cached).
absl::StatusOr<std::string> VTimezoneText(const std::string& iana, int64_t from_utc_seconds);

// Appends one content line ("NAME;PARAMS:VALUE", already escaped), folded at
// 75 octets and ended by CRLF.
void AppendFolded(std::string_view line, std::string& out);

// RFC 5545 TEXT escaping: backslash, semicolon, comma; line breaks as "\n".
std::string EscapeText(std::string_view text);

}  // namespace babillard::ical

namespace babillard::ical {

// Serializes `events` and assembles them into one VCALENDAR (both steps above).
absl::StatusOr<std::string> SerializeCalendar(absl::Span<const v1::Event> events,
                                              const CalendarHeader& header,
                                              const SerializeOptions& options);

}  // namespace babillard::ical
