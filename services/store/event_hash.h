#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "babillard/internal/store.pb.h"
#include "babillard/v1/event.pb.h"
#include "services/common/redis/reply.h"

// An event's hash in Redis (README.md, "ev:<uid>"), as the readers see it:
// the stored record (pb, v), and the summary fields the put script writes
// beside it so that a query can skip an event without parsing it.
namespace babillard::store::event_hash {

// HMGET <key> pb v
std::vector<std::string> GetStored(const std::string& key);
// The record of a GetStored reply; nullopt when the hash is gone (deleted
// meanwhile).
absl::StatusOr<std::optional<internal::StoredEvent>> StoredFrom(const redis::Reply& row);

// The summary fields: organization, municipality, categories, status, first
// start, last end.
struct Summary {
  std::string org, muni, cats;
  int status = 0;
  int64_t start = 0, end = 0;
};
// HMGET <key> org muni cats status start end
std::vector<std::string> GetSummary(const std::string& key);
std::optional<Summary> SummaryFrom(const redis::Reply& row);

// What the summary alone says of ical::Matches: false only when the event
// cannot match; the full rule then runs on the events that pass.
bool CouldMatch(const Summary& s, const v1::Filter& f);

}  // namespace babillard::store::event_hash
