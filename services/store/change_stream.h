#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "babillard/v1/event.pb.h"
#include "services/common/redis/reply.h"

// The change stream: one Redis Stream ("<prefix>changes"), one entry per
// committed change, its id the cursor. Its entry format is owned here; the
// Lua scripts that append to it get these names and numbers bound in
// (lua_scripts.h), so no script spells a field or a kind itself.
namespace babillard::store::change_stream {

// The fields of an entry.
inline constexpr char kKindField[] = "k";
inline constexpr char kUidField[] = "u";
inline constexpr char kVersionField[] = "v";
// The v1.Event after the change (before it, for a deletion).
inline constexpr char kEventField[] = "pb";
// For a source announcement: the v1.Source, without its secrets.
inline constexpr char kSourceField[] = "src";

// The kind of an entry, as stored.
enum Kind : int {
  kCreated = 1,
  kUpdated = 2,
  kCancelled = 3,
  kDeleted = 4,
  kSourceFlagged = 5,
};

v1::Change::Kind ToChangeKind(int64_t kind);

// An event as an entry (or the event's hash) holds it. Fields of older
// schemas (the iCalendar renderings once stored) are dropped, not carried on.
absl::Status ParseEvent(const std::string& bytes, v1::Event& event);

// One entry, [id, [field, value, ...]], as a Change. INTERNAL for an entry
// this code did not write.
absl::StatusOr<v1::Change> FromEntry(const redis::Reply& entry);

// The XADD command announcing that `source` became flagged or disabled.
std::vector<std::string> SourceAnnouncement(const std::string& stream, int64_t retention,
                                            const v1::Source& source);

}  // namespace babillard::store::change_stream
