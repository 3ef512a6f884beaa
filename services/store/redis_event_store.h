#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/cursor.h"
#include "services/common/group_commit.h"
#include "services/common/ical/limits.h"
#include "services/common/redis/connection_pool.h"
#include "services/store/event_store.h"

namespace babillard::store {

struct RedisStoreOptions {
  // Prefix of every key, so that regions (tenants) can share a Redis.
  std::string prefix = "bab:";
  // Change-stream entries kept (XADD MAXLEN ~); older cursors must re-snapshot.
  int64_t retention = 100000;
  // How long one XREAD blocks before a heartbeat.
  absl::Duration watch_block = absl::Seconds(1);
  // Events read per round trip while snapshotting or scanning.
  int batch = 500;
  // Bounds the expansion done to index recurring events and answer windows.
  ical::Limits limits;
  // Concurrent single-event writes grouped into one script call, at most this
  // many (1 disables grouping). Each is still checked and written on its own.
  int max_group = 64;
};

// EventStore on Redis (hiredis). Key layout: services/store/README.md.
class RedisEventStore final : public EventStore {
 public:
  // Loads the scripts now, so that a wrong address fails at startup.
  static absl::StatusOr<std::unique_ptr<RedisEventStore>> Open(redis::ConnectionPool& pool,
                                                               RedisStoreOptions options);

  absl::StatusOr<std::vector<WriteResult>> Put(const std::vector<v1::Event>& events,
                                               const std::vector<Expect>& expect) override;
  absl::StatusOr<std::vector<absl::StatusOr<WriteResult>>> PutEach(
      const std::vector<v1::Event>& events, const std::vector<Expect>& expect) override;
  absl::StatusOr<internal::StoredEvent> Get(const std::string& uid) override;
  absl::StatusOr<WriteResult> Delete(const std::string& uid, Expect expect) override;
  absl::StatusOr<EventPage> Query(const v1::Filter& filter, int page_size,
                                  const std::string& page_token) override;
  absl::Status Watch(const std::string& from_cursor, bool snapshot, WatchSink& sink) override;
  absl::StatusOr<ChangePage> ReadChanges(const std::string& after, int limit) override;

  const RedisStoreOptions& options() const { return options_; }

 private:
  RedisEventStore(redis::ConnectionPool& pool, RedisStoreOptions options);

  // A script as sent to Redis (lua::Script) and its SHA once loaded.
  struct LoadedScript {
    std::string text;
    std::string sha;
  };
  // EVALSHA, falling back to EVAL when Redis lost its script cache (restart).
  absl::StatusOr<redis::Reply> RunScript(const LoadedScript& script, std::vector<std::string> args,
                                         redis::Connection* connection = nullptr);
  // An entry of idx:start.
  struct StartEntry {
    std::string uid;
    int64_t start = 0;
  };
  // Up to `limit` entries of idx:start in (start, uid) order: after `after`
  // when set (whether or not it is still there), else from score `min`.
  // Never skips an entry that stays while others are written or removed.
  absl::StatusOr<std::vector<StartEntry>> StartIndexPage(redis::Connection& connection,
                                                         const std::optional<StartEntry>& after,
                                                         const std::string& min, int limit);
  absl::StatusOr<std::vector<std::string>> EventArgs(const v1::Event& event, const Expect& x) const;
  absl::StatusOr<std::vector<absl::StatusOr<WriteResult>>> RunPut(
      const std::vector<const std::vector<std::string>*>& events, bool atomic);
  absl::Status CheckRetained(redis::Connection& connection, const std::string& cursor);
  absl::Status Snapshot(redis::Connection& connection, WatchSink& sink);
  // Once per database: indexes the duplicate keys of events written before
  // the index existed (marker key meta:dup-index).
  absl::Status IndexDuplicateKeys();

  redis::ConnectionPool& pool_;
  RedisStoreOptions options_;
  LoadedScript put_;
  LoadedScript delete_;
  LoadedScript range_after_;
  GroupCommit<std::vector<std::string>, absl::StatusOr<WriteResult>> group_;
};

}  // namespace babillard::store
