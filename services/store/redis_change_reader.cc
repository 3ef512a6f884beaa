#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/cursor.h"
#include "services/common/status_macros.h"
#include "services/store/change_stream.h"
#include "services/store/event_hash.h"
#include "services/store/lua_scripts.h"
#include "services/store/redis_event_store.h"

// RedisEventStore's readers of the change stream: a snapshot of every event,
// pages of past changes, and Watch (XREAD BLOCK on its own connection), each
// refusing a cursor older than the retained history.
namespace babillard::store {

absl::Status RedisEventStore::CheckRetained(redis::Connection& connection,
                                            const std::string& cursor) {
  BABILLARD_ASSIGN_OR_RETURN(redis::Reply info,
                             connection.Run({"XINFO", "STREAM", options_.prefix + "changes"}));
  if (info.type == redis::Reply::Type::kError)
    return absl::OkStatus();  // no stream yet: nothing trimmed
  int64_t length = 0, added = 0;
  std::string first;
  for (size_t i = 0; i + 1 < info.elements.size(); i += 2) {
    const std::string& name = info.elements[i].str;
    const redis::Reply& value = info.elements[i + 1];
    if (name == "length") length = value.integer;
    if (name == "entries-added") added = value.integer;
    if (name == "recorded-first-entry-id") first = value.str;
  }
  // Trimmed entries all precede the oldest one kept. A cursor before it may
  // have missed some (conservatively: the client takes a new snapshot).
  if (added > length && !first.empty() && CompareCursors(cursor, first) < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cursor ", cursor, " is older than the retained history (oldest kept: ", first,
                     "); take a new snapshot"));
  }
  return absl::OkStatus();
}

absl::Status RedisEventStore::Snapshot(redis::Connection& connection, WatchSink& sink) {
  // Pages by (start, uid), not by rank: an event deleted between two pages
  // must not push an unrelated one out of the snapshot. Events written
  // meanwhile are in the changes after the snapshot's cursor.
  std::optional<StartEntry> after;
  for (;;) {
    BABILLARD_ASSIGN_OR_RETURN(std::vector<StartEntry> entries,
                               StartIndexPage(connection, after, "-inf", options_.batch));
    if (entries.empty()) return absl::OkStatus();
    after = entries.back();
    std::vector<std::vector<std::string>> commands;
    for (const StartEntry& entry : entries) {
      commands.push_back(event_hash::GetStored(options_.prefix + "ev:" + entry.uid));
    }
    BABILLARD_ASSIGN_OR_RETURN(std::vector<redis::Reply> rows, connection.Pipeline(commands));
    for (size_t i = 0; i < rows.size(); ++i) {
      BABILLARD_ASSIGN_OR_RETURN(std::optional<internal::StoredEvent> stored,
                                 event_hash::StoredFrom((rows)[i]));
      if (!stored.has_value()) continue;  // deleted meanwhile
      v1::Change change;
      change.set_kind(v1::Change::KIND_CREATED);
      change.set_version((stored)->version());
      *change.mutable_event() = std::move(*(stored)->mutable_event());
      if (!sink.on_change(change)) return absl::CancelledError("watch ended by the receiver");
    }
    if (static_cast<int>(entries.size()) < options_.batch) return absl::OkStatus();
    if (sink.cancelled && sink.cancelled()) return absl::CancelledError("watch cancelled");
  }
}

absl::StatusOr<ChangePage> RedisEventStore::ReadChanges(const std::string& after, int limit) {
  limit = std::clamp(limit, 1, 10000);
  const std::string stream = options_.prefix + "changes";
  BABILLARD_ASSIGN_OR_RETURN(redis::ConnectionPool::Lease lease, pool_.Acquire());
  redis::Connection& c = *lease;
  if (!after.empty()) {
    BABILLARD_RETURN_IF_ERROR(CheckRetained(c, after));
  }
  absl::StatusOr<std::vector<redis::Reply>> replies = c.Pipeline(
      {{"XRANGE", stream, after.empty() ? "-" : "(" + after, "+", "COUNT", std::to_string(limit)},
       {"XREVRANGE", stream, "+", "-", "COUNT", "1"}});
  if (!replies.ok()) {
    pool_.ReportFailure();
    return replies.status();
  }
  for (const redis::Reply& r : *replies) {
    if (r.type == redis::Reply::Type::kError) return lua::ScriptError(r);
  }
  ChangePage page;
  for (const redis::Reply& entry : (*replies)[0].elements) {
    BABILLARD_ASSIGN_OR_RETURN(v1::Change change, change_stream::FromEntry(entry));
    page.changes.push_back(std::move(change));
  }
  const redis::Reply& last = (*replies)[1];
  if (last.is_array() && !last.elements.empty())
    page.last_cursor = last.elements[0].elements[0].str;
  return page;
}

absl::Status RedisEventStore::Watch(const std::string& from_cursor, bool snapshot,
                                    WatchSink& sink) {
  // A dedicated connection: XREAD BLOCK must not share a pooled one, and its
  // socket timeout must outlast the block.
  BABILLARD_ASSIGN_OR_RETURN(std::unique_ptr<redis::Connection> connection,
                             pool_.OpenDedicated(options_.watch_block + absl::Seconds(5)));
  redis::Connection& c = *connection;
  const std::string stream = options_.prefix + "changes";
  std::string cursor = from_cursor;
  if (snapshot || cursor.empty()) {
    BABILLARD_ASSIGN_OR_RETURN(redis::Reply last,
                               c.Run({"XREVRANGE", stream, "+", "-", "COUNT", "1"}));
    cursor = last.is_array() && !last.elements.empty() ? last.elements[0].elements[0].str : "0-0";
  } else if (absl::Status retained = CheckRetained(c, cursor); !retained.ok()) {
    return retained;
  }
  if (snapshot) {
    absl::Status status = Snapshot(c, sink);
    if (absl::IsCancelled(status)) return absl::OkStatus();
    if (!status.ok()) return status;
    if (!sink.on_snapshot_done(cursor)) return absl::OkStatus();
  }
  const std::string block_ms = std::to_string(absl::ToInt64Milliseconds(options_.watch_block));
  while (!(sink.cancelled && sink.cancelled())) {
    BABILLARD_ASSIGN_OR_RETURN(redis::Reply reply, c.Run({"XREAD", "COUNT", "512", "BLOCK",
                                                          block_ms, "STREAMS", stream, cursor}));
    if (reply.type == redis::Reply::Type::kError) return lua::ScriptError(reply);
    if (reply.is_nil() || reply.elements.empty()) {
      if (sink.on_heartbeat && !sink.on_heartbeat(cursor)) return absl::OkStatus();
      continue;
    }
    // Entries could have been trimmed while we were away (a slow reader).
    BABILLARD_RETURN_IF_ERROR(CheckRetained(c, cursor));
    for (const redis::Reply& entry : reply.elements[0].elements[1].elements) {
      BABILLARD_ASSIGN_OR_RETURN(v1::Change change, change_stream::FromEntry(entry));
      cursor = change.cursor();
      if (!sink.on_change(change)) return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

}  // namespace babillard::store
