#include "services/common/ical/field_status.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace babillard::ical {
namespace {

constexpr absl::string_view kFieldPayload = "type.babillard.dev/calendar-field";

}  // namespace

absl::Status CalendarFieldError(absl::StatusCode code, absl::string_view field,
                                absl::string_view reason) {
  return WithField(absl::Status(code, absl::StrCat(field, ": ", reason)), field);
}

absl::Status WithField(absl::Status status, absl::string_view field) {
  status.SetPayload(kFieldPayload, absl::Cord(field));
  return status;
}

std::optional<std::string> FieldOfError(const absl::Status& status) {
  absl::optional<absl::Cord> field = status.GetPayload(kFieldPayload);
  if (!field.has_value()) return std::nullopt;
  return std::string(*field);
}

}  // namespace babillard::ical
