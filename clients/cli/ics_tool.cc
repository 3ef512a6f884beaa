#include "clients/cli/ics_tool.h"

#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/files.h"
#include "services/common/ical/calendar_parser.h"
#include "services/common/ical/recurrence.h"
#include "services/common/ical/serializer.h"

namespace babillard::cli {
namespace {

constexpr char kUsage[] =
    "usage: babillard-ics check FILE\n"
    "       babillard-ics feed FILE [--lang=fr|en] [--name=TITLE]\n"
    "       babillard-ics expand FILE --from=YYYY-MM-DD --to=YYYY-MM-DD\n"
    "         (one line per occurrence: UID START END [override] [cancelled] TAB title)\n";

std::optional<absl::Time> ParseDay(const std::string& text) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) return std::nullopt;
  return absl::FromCivil(day, absl::UTCTimeZone());
}

}  // namespace

int RunIcsTool(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() < 2 || args[0] == "--help" || args[0] == "-h") {
    (args.empty() || args[0] != "--help" ? err : out) << kUsage;
    return args.empty() || args[0] != "--help" ? 2 : 0;
  }
  const std::string& command = args[0];
  absl::flat_hash_map<std::string, std::string> flags;
  for (size_t i = 2; i < args.size(); ++i) {
    size_t eq = args[i].find('=');
    if (!absl::StartsWith(args[i], "--") || eq == std::string::npos) {
      err << "babillard-ics: unexpected argument \"" << args[i] << "\"\n" << kUsage;
      return 2;
    }
    flags[args[i].substr(2, eq - 2)] = args[i].substr(eq + 1);
  }
  absl::StatusOr<std::string> bytes = ReadFile(args[1]);
  if (!bytes.ok()) {
    err << "babillard-ics: " << bytes.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<ical::ParsedCalendar> parsed =
      ical::ParseCalendar(*bytes, ical::NormalizeOptions());
  if (!parsed.ok()) {
    err << "babillard-ics: " << args[1] << ": " << parsed.status().message() << "\n";
    return 1;
  }
  if (command == "check") {
    out << "events: " << parsed->events.size() << "\n";
    for (const v1::Event& e : parsed->events) {
      out << "  " << e.uid() << "  " << e.start().local() << " " << e.start().time_zone() << "  "
          << ical::Pick(e.title(), ical::Language::kFr) << "\n";
    }
    out << "rejected: " << parsed->rejections.size() << "\n";
    for (const v1::Rejection& r : parsed->rejections) {
      out << "  line " << r.line() << " " << r.uid() << "  " << r.field() << ": " << r.reason()
          << "\n";
    }
    for (const std::string& w : parsed->warnings) out << "warning: " << w << "\n";
    return parsed->rejections.empty() ? 0 : 1;
  }
  if (command == "feed") {
    ical::SerializeOptions options;
    if (flags.contains("lang")) {
      absl::StatusOr<ical::Language> language = ical::ParseLanguage(flags["lang"]);
      if (!language.ok()) {
        err << "babillard-ics: " << language.status().message() << "\n";
        return 2;
      }
      options.language = *language;
    }
    ical::CalendarHeader header;
    header.name = flags.contains("name") ? flags["name"] : parsed->name;
    absl::StatusOr<std::string> feed = ical::SerializeCalendar(parsed->events, header, options);
    if (!feed.ok()) {
      err << "babillard-ics: " << feed.status().message() << "\n";
      return 1;
    }
    out << *feed;
    return 0;
  }
  if (command == "expand") {
    std::optional<absl::Time> from = ParseDay(flags["from"]);
    std::optional<absl::Time> to = ParseDay(flags["to"]);
    if (!from.has_value() || !to.has_value()) {
      err << "babillard-ics: expand needs --from=YYYY-MM-DD and --to=YYYY-MM-DD\n";
      return 2;
    }
    for (const v1::Event& e : parsed->events) {
      absl::StatusOr<ical::Expansion> expansion =
          ical::ExpandOccurrences(e, *from, *to, ical::Limits());
      if (!expansion.ok()) {
        err << "babillard-ics: " << e.uid() << ": " << expansion.status().message() << "\n";
        return 1;
      }
      for (const ical::Occurrence& o : expansion->occurrences) {
        out << e.uid() << " "
            << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", o.start, absl::UTCTimeZone()) << " "
            << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", o.end, absl::UTCTimeZone())
            << (o.override_event != nullptr ? " override" : "")
            << (o.status == v1::Event::STATUS_CANCELLED ? " cancelled" : "") << "\t"
            << ical::Pick((o.override_event != nullptr ? *o.override_event : e).title(),
                          ical::Language::kFr)
            << "\n";
      }
    }
    return 0;
  }
  err << "babillard-ics: unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}

}  // namespace babillard::cli
