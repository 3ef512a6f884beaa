#include "services/store/change_stream.h"

#include "absl/strings/numbers.h"
#include "services/common/cursor.h"
#include "services/common/status_macros.h"

namespace babillard::store::change_stream {

v1::Change::Kind ToChangeKind(int64_t kind) {
  switch (kind) {
    case kCreated:
      return v1::Change::KIND_CREATED;
    case kUpdated:
      return v1::Change::KIND_UPDATED;
    case kCancelled:
      return v1::Change::KIND_CANCELLED;
    case kDeleted:
      return v1::Change::KIND_DELETED;
    case kSourceFlagged:
      return v1::Change::KIND_SOURCE_FLAGGED;
    default:
      return v1::Change::KIND_UNSPECIFIED;
  }
}

absl::Status ParseEvent(const std::string& bytes, v1::Event& event) {
  if (!event.ParseFromString(bytes)) return absl::InternalError("redis: unreadable event");
  // The old fields were top-level: look there (cheap) before a full walk.
  if (!event.GetReflection()->GetUnknownFields(event).empty()) event.DiscardUnknownFields();
  return absl::OkStatus();
}

absl::StatusOr<v1::Change> FromEntry(const redis::Reply& entry) {
  if (!entry.is_array() || entry.elements.size() != 2 || !entry.elements[1].is_array()) {
    return absl::InternalError("redis: malformed stream entry");
  }
  v1::Change change;
  change.set_cursor(entry.elements[0].str);
  change.set_committed_at_ms(SplitCursor(change.cursor()).first);
  const auto& fields = entry.elements[1].elements;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    const std::string& name = fields[i].str;
    const std::string& value = fields[i + 1].str;
    if (name == kKindField) {
      int64_t kind = 0;
      (void)absl::SimpleAtoi(value, &kind);
      change.set_kind(ToChangeKind(kind));
    } else if (name == kVersionField) {
      int64_t version = 0;
      (void)absl::SimpleAtoi(value, &version);
      change.set_version(version);
    } else if (name == kSourceField) {
      if (!change.mutable_source()->ParseFromString(value)) {
        return absl::InternalError("redis: unreadable source in the change stream");
      }
    } else if (name == kEventField) {
      BABILLARD_RETURN_IF_ERROR(ParseEvent(value, *change.mutable_event()));
    }
  }
  return change;
}

std::vector<std::string> SourceAnnouncement(const std::string& stream, int64_t retention,
                                            const v1::Source& source) {
  // An alarm names the source, never its URL: a private Google or Outlook
  // calendar link is its secret, and the reason may quote it.
  v1::Source announced = source;
  announced.clear_etag();
  announced.clear_last_modified();
  announced.clear_url();
  std::string reason = announced.health_reason();
  if (!source.url().empty()) {
    for (size_t at = reason.find(source.url()); at != std::string::npos;
         at = reason.find(source.url(), at)) {
      reason.replace(at, source.url().size(), "(the source's URL)");
    }
  }
  announced.set_health_reason(reason);
  return {"XADD",
          stream,
          "MAXLEN",
          "~",
          std::to_string(retention),
          "*",
          kKindField,
          std::to_string(kSourceFlagged),
          kUidField,
          source.id(),
          kVersionField,
          "0",
          kSourceField,
          announced.SerializeAsString()};
}

}  // namespace babillard::store::change_stream
