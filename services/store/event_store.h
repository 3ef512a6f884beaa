#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "babillard/internal/store.pb.h"
#include "babillard/v1/event.pb.h"

namespace babillard::store {

// The outcome of one event write.
struct WriteResult {
  int64_t version = 0;
  // Cursor of the change appended; empty when the event was unchanged.
  std::string cursor;
  v1::Change::Kind kind = v1::Change::KIND_UNSPECIFIED;
};

// Expectation on the stored version of an event being written.
struct Expect {
  enum class Mode { kAny, kAbsent, kVersion };
  Mode mode = Mode::kAny;
  int64_t version = 0;
  // Refuse the write (FAILED_PRECONDITION, "possible duplicate of <uid>") if
  // another organization's event shares one of its ical::DuplicateKeys.
  bool unique = false;
  static Expect Any() { return {}; }
  static Expect Absent() { return {Mode::kAbsent, 0}; }
  static Expect Version(int64_t v) { return {Mode::kVersion, v}; }
};

struct EventPage {
  std::vector<internal::StoredEvent> events;
  std::string next_page_token;
};

// A stretch of the change stream.
struct ChangePage {
  std::vector<v1::Change> changes;
  // The newest cursor in the stream when it was read ("" when empty).
  std::string last_cursor;
};

// Receives the changes of a watch, in commit order. Returning false stops it.
struct WatchSink {
  // A current event during the snapshot (kind CREATED, empty cursor).
  std::function<bool(const v1::Change&)> on_change;
  // Once after the snapshot: the cursor live changes resume from.
  std::function<bool(const std::string& cursor)> on_snapshot_done;
  // Periodically while nothing happens: the latest cursor reached.
  std::function<bool(const std::string& cursor)> on_heartbeat;
  // Polled between reads; true ends the watch with OK.
  std::function<bool()> cancelled;
};

// The persistent events of one region, with their indexes and change stream.
// Thread-safe. Every write is atomic: on error none of it is visible.
// UNAVAILABLE means Redis is unreachable (safe to retry).
class EventStore {
 public:
  virtual ~EventStore() = default;
  // Writes all events or none. ABORTED when an expectation fails (stale
  // version), ALREADY_EXISTS for Absent on an existing uid. Each result says
  // whether the event was created, updated, cancelled or unchanged.
  virtual absl::StatusOr<std::vector<WriteResult>> Put(const std::vector<v1::Event>& events,
                                                       const std::vector<Expect>& expect) = 0;
  // Each event checked and written on its own, in order, in one step of the
  // store (independent writes sent together): one result per event. An error
  // for the whole call (UNAVAILABLE) means none was written.
  virtual absl::StatusOr<std::vector<absl::StatusOr<WriteResult>>> PutEach(
      const std::vector<v1::Event>& events, const std::vector<Expect>& expect) = 0;
  // NOT_FOUND if no event has this uid.
  virtual absl::StatusOr<internal::StoredEvent> Get(const std::string& uid) = 0;
  // Deletes and appends a DELETED change. NOT_FOUND, or ABORTED on a stale version.
  virtual absl::StatusOr<WriteResult> Delete(const std::string& uid, Expect expect) = 0;
  // Events matching `filter`, ordered by (start, uid), `page_size` at most.
  virtual absl::StatusOr<EventPage> Query(const v1::Filter& filter, int page_size,
                                          const std::string& page_token) = 0;
  // Streams changes after `from_cursor` (empty: from now), optionally after a
  // snapshot, until the sink stops it or it is cancelled (then OK).
  // FAILED_PRECONDITION when the cursor is older than the retained history.
  virtual absl::Status Watch(const std::string& from_cursor, bool snapshot, WatchSink& sink) = 0;
  // At most `limit` changes after `after` ("" for the oldest retained), in
  // commit order, without blocking. FAILED_PRECONDITION as for Watch.
  virtual absl::StatusOr<ChangePage> ReadChanges(const std::string& after, int limit) = 0;
};

using EventStorePtr = std::unique_ptr<EventStore>;

}  // namespace babillard::store
