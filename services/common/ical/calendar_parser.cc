#include "services/common/ical/calendar_parser.h"

#include <libical/ical.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <variant>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/ical/handles.h"
#include "services/common/ical/preflight.h"
#include "services/common/ical/time_zones.h"
#include "services/common/ical/vevent_reader.h"
#include "services/common/ical/zone_rules.h"
#include "services/common/status_macros.h"

namespace babillard::ical {
namespace {

// A rule's proto path as the iCalendar property an organization wrote:
// "start" -> "dtstart", "title.fr" -> "summary", "rdates[3]" -> "rdate".
std::string PropertyName(std::string_view field) {
  const std::string_view head = field.substr(0, field.find_first_of(".["));
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"start", "dtstart"},
      {"end", "dtend"},
      {"title", "summary"},
      {"rdates", "rdate"},
      {"exdates", "exdate"},
      {"location", "location"},
      {"price", "price"},
      {"description", "description"},
      {"accessibility", "accessibility"}};
  for (const auto& [proto, property] : kNames) {
    if (head == proto) return std::string(property);
  }
  return std::string(field);
}

void CalendarName(icalcomponent* calendar, ParsedCalendar& out) {
  for (icalproperty* p = icalcomponent_get_first_property(calendar, ICAL_ANY_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(calendar, ICAL_ANY_PROPERTY)) {
    const char* name = icalproperty_get_property_name(p);
    if (name == nullptr) continue;
    if (absl::EqualsIgnoreCase(name, "X-WR-CALNAME") || absl::EqualsIgnoreCase(name, "NAME")) {
      const char* value = icalproperty_get_value_as_string(p);
      if (value != nullptr && out.name.empty()) out.name = std::string(value).substr(0, 256);
    }
  }
}

// Calendar-level and VTIMEZONE errors: syntax errors reject the file (the
// preflight should have caught them); the rest are warnings.
absl::Status CheckCalendarErrors(icalcomponent* component, ParsedCalendar& out, int depth) {
  for (icalproperty* p = icalcomponent_get_first_property(component, ICAL_XLICERROR_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(component, ICAL_XLICERROR_PROPERTY)) {
    std::string message = icalproperty_get_xlicerror(p) ? icalproperty_get_xlicerror(p) : "";
    if (IsLibicalSyntaxError(message)) {
      return absl::InvalidArgumentError(absl::StrCat("calendar: ", message.substr(0, 200)));
    }
    if (!absl::StartsWith(message, "No value")) {
      out.warnings.push_back(absl::StrCat("dropped: ", message.substr(0, 200)));
    }
  }
  if (depth > 0) return absl::OkStatus();
  for (icalcomponent* c = icalcomponent_get_first_component(component, ICAL_ANY_COMPONENT);
       c != nullptr; c = icalcomponent_get_next_component(component, ICAL_ANY_COMPONENT)) {
    if (icalcomponent_isa(c) == ICAL_VTIMEZONE_COMPONENT) {
      BABILLARD_RETURN_IF_ERROR(CheckCalendarErrors(c, out, depth + 1));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ParsedCalendar> ParseCalendar(const std::string& bytes,
                                             const NormalizeOptions& options) {
  BABILLARD_ASSIGN_OR_RETURN(PreparedCalendar prepared, PrepareCalendar(bytes, options.limits));
  ParsedCalendar out;
  out.warnings = std::move(prepared.warnings);

  icalerror_clear_errno();
  ComponentPtr root(
      icalparser_parse_string(prepared.unchanged ? bytes.c_str() : prepared.text.c_str()));
  // libical copied what it needs. Free the text now, and keep the line table in
  // a local that dies before the tree: a large free() after the tree's
  // thousands of small ones makes glibc consolidate them all (10% of an import).
  const std::vector<int> vevent_lines = std::move(prepared.vevent_lines);
  prepared.text = std::string();
  if (root == nullptr || icalcomponent_isa(root.get()) != ICAL_VCALENDAR_COMPONENT) {
    return absl::InvalidArgumentError("calendar: not an iCalendar VCALENDAR");
  }
  BABILLARD_RETURN_IF_ERROR(CheckCalendarErrors(root.get(), out, 0));
  BABILLARD_RETURN_IF_ERROR(CheckTimeZoneRules(root.get(), options.limits));
  CalendarName(root.get(), out);

  ZoneResolver zones(root.get(), options.default_time_zone);
  VeventReader reader(options, zones, out.warnings);

  struct Pending {
    v1::Event master;
    bool has_master = false;
    int line = 0;
    int index = 0;
    std::vector<v1::Event> overrides;
  };
  std::vector<Pending> series;
  absl::flat_hash_map<std::string, size_t> by_uid;
  int index = 0;
  for (icalcomponent* c = icalcomponent_get_first_component(root.get(), ICAL_VEVENT_COMPONENT);
       c != nullptr;
       c = icalcomponent_get_next_component(root.get(), ICAL_VEVENT_COMPONENT), ++index) {
    const int line = index < static_cast<int>(vevent_lines.size()) ? vevent_lines[index] : 0;
    auto read = reader.Read(c);
    std::optional<FieldError> error;
    if (auto* e = std::get_if<FieldError>(&read)) {
      error = std::move(*e);
    } else if (auto rule = NormalizeEvent(std::get<v1::Event>(read), options, out.warnings)) {
      error = FieldError{PropertyName(rule->field), std::move(rule->reason)};
    }
    if (error.has_value()) {
      v1::Rejection& r = out.rejections.emplace_back();
      r.set_index(index);
      if (const char* uid = icalcomponent_get_uid(c)) r.set_uid(std::string(uid).substr(0, 255));
      r.set_field(error->field);
      r.set_reason(error->reason);
      r.set_line(line);
      continue;
    }
    v1::Event event = std::get<v1::Event>(std::move(read));
    auto [it, inserted] = by_uid.emplace(event.uid(), series.size());
    if (inserted) series.emplace_back();
    Pending& p = series[it->second];
    if (event.has_recurrence_id()) {
      // Two overrides of one instance: the higher SEQUENCE wins.
      auto same = std::find_if(p.overrides.begin(), p.overrides.end(), [&](const v1::Event& o) {
        return o.recurrence_id().utc_seconds() == event.recurrence_id().utc_seconds();
      });
      if (same == p.overrides.end()) {
        if (static_cast<int>(p.overrides.size()) >= options.limits.max_overrides) {
          return absl::ResourceExhaustedError(absl::StrCat("line ", line, ": more than ",
                                                           options.limits.max_overrides,
                                                           " overrides of ", event.uid()));
        }
        p.overrides.push_back(std::move(event));
      } else if (event.sequence() >= same->sequence()) {
        *same = std::move(event);
      }
      if (!p.has_master) p.line = line, p.index = index;
      continue;
    }
    if (p.has_master) {
      // The same UID twice: the newer SEQUENCE wins (what calendar apps do).
      out.warnings.push_back(absl::StrCat("line ", line, ": UID ", event.uid(),
                                          " appears twice; kept SEQUENCE ",
                                          std::max(event.sequence(), p.master.sequence())));
      if (event.sequence() < p.master.sequence()) continue;
    }
    p.master = std::move(event);
    p.has_master = true;
    p.line = line;
    p.index = index;
  }
  for (Pending& p : series) {
    if (!p.has_master) {
      // Instances published without their series (Google does for birthdays):
      // the first becomes the master, the others RDATEs it overrides.
      std::sort(p.overrides.begin(), p.overrides.end(), [](const v1::Event& a, const v1::Event& b) {
        return a.recurrence_id().utc_seconds() < b.recurrence_id().utc_seconds();
      });
      out.warnings.push_back(
          absl::StrCat("line ", p.line, ": UID ", p.overrides.front().uid(),
                       " has overrides but no master; published as a series of its own"));
      p.master = std::move(p.overrides.front());
      p.overrides.erase(p.overrides.begin());
      p.master.clear_recurrence_id();
      if (!p.master.has_end()) *p.master.mutable_end() = p.master.start();
      for (const v1::Event& o : p.overrides) *p.master.add_rdates() = o.recurrence_id();
    }
    for (v1::Event& o : p.overrides) *p.master.add_overrides() = std::move(o);
    if (std::optional<FieldError> error = CompleteSeries(p.master, options)) {
      v1::Rejection& r = out.rejections.emplace_back();
      r.set_index(p.index);
      r.set_uid(p.master.uid().substr(0, 255));
      r.set_field(PropertyName(error->field));
      r.set_reason(std::move(error->reason));
      r.set_line(p.line);
      continue;
    }
    out.events.push_back(std::move(p.master));
  }
  std::sort(out.rejections.begin(), out.rejections.end(),
            [](const v1::Rejection& a, const v1::Rejection& b) { return a.index() < b.index(); });
  return out;
}

}  // namespace babillard::ical
