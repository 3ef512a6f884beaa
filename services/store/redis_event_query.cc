#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/ical/event_filter.h"
#include "services/common/status_macros.h"
#include "services/store/event_hash.h"
#include "services/store/lua_scripts.h"
#include "services/store/redis_event_store.h"

// RedisEventStore's queries: the start index read in batches, each event's
// summary fields first (most events are never parsed), then the full rule.
namespace babillard::store {

absl::StatusOr<std::vector<RedisEventStore::StartEntry>> RedisEventStore::StartIndexPage(
    redis::Connection& connection, const std::optional<StartEntry>& after, const std::string& min,
    int limit) {
  const std::string index = options_.prefix + "idx:start";
  absl::StatusOr<redis::Reply> reply;
  if (after.has_value()) {
    reply = RunScript(range_after_,
                      {index, std::to_string(after->start), after->uid, std::to_string(limit)},
                      &connection);
  } else {
    reply = connection.Run({"ZRANGE", index, min, "+inf", "BYSCORE", "LIMIT", "0",
                            std::to_string(limit), "WITHSCORES"});
    if (reply.ok() && reply->type == redis::Reply::Type::kError) return lua::ScriptError(*reply);
  }
  if (!reply.ok()) return reply.status();
  std::vector<StartEntry> entries;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    double score = 0;  // scores are whole seconds, exact in a double
    if (!absl::SimpleAtod(reply->elements[i + 1].str, &score)) {
      return absl::InternalError("the start index holds a score that is not a number");
    }
    entries.push_back({reply->elements[i].str, static_cast<int64_t>(score)});
  }
  return entries;
}

absl::StatusOr<EventPage> RedisEventStore::Query(const v1::Filter& filter, int page_size,
                                                 const std::string& page_token) {
  page_size = page_size <= 0 ? 100 : std::min(page_size, 1000);
  // Page token: "<start>:<uid>" of the last event returned.
  std::optional<StartEntry> after;
  if (!page_token.empty()) {
    size_t colon = page_token.find(':');
    after.emplace();
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(page_token.substr(0, colon), &after->start)) {
      return absl::InvalidArgumentError("page_token: malformed");
    }
    after->uid = page_token.substr(colon + 1);
  }
  BABILLARD_ASSIGN_OR_RETURN(redis::ConnectionPool::Lease lease, pool_.Acquire());
  const std::string min = filter.by_start() && filter.from_seconds() > 0
                              ? std::to_string(filter.from_seconds())
                              : "-inf";
  const int64_t end = filter.to_seconds() > 0 ? filter.to_seconds() : INT64_MAX;
  EventPage page;
  bool past_end = false;
  while (static_cast<int>(page.events.size()) < page_size && !past_end) {
    absl::StatusOr<std::vector<StartEntry>> entries =
        StartIndexPage(*lease, after, min, options_.batch);
    if (!entries.ok()) {
      if (absl::IsUnavailable(entries.status())) pool_.ReportFailure();
      return entries.status();
    }
    if (entries->empty()) break;
    after = entries->back();
    std::vector<std::vector<std::string>> commands;
    std::vector<std::string> uids;
    for (const StartEntry& entry : *entries) {
      if (entry.start >= end) {
        past_end = true;
        break;
      }
      uids.push_back(entry.uid);
      commands.push_back(event_hash::GetSummary(options_.prefix + "ev:" + entry.uid));
    }
    absl::StatusOr<std::vector<redis::Reply>> rows = (lease)->Pipeline(commands);
    if (!rows.ok()) {
      pool_.ReportFailure();
      return rows.status();
    }
    std::vector<std::string> wanted;
    for (size_t i = 0; i < uids.size(); ++i) {
      std::optional<event_hash::Summary> summary = event_hash::SummaryFrom((*rows)[i]);
      if (summary.has_value() && event_hash::CouldMatch(*summary, filter))  // not deleted meanwhile
        wanted.push_back(uids[i]);
    }
    commands.clear();
    for (const std::string& uid : wanted)
      commands.push_back(event_hash::GetStored(options_.prefix + "ev:" + uid));
    absl::StatusOr<std::vector<redis::Reply>> bodies = (lease)->Pipeline(commands);
    if (!bodies.ok()) {
      pool_.ReportFailure();
      return bodies.status();
    }
    for (size_t i = 0; i < wanted.size() && static_cast<int>(page.events.size()) < page_size; ++i) {
      BABILLARD_ASSIGN_OR_RETURN(std::optional<internal::StoredEvent> e,
                                 event_hash::StoredFrom((*bodies)[i]));
      if (!e.has_value()) continue;
      if (!ical::Matches((e)->event(), filter, options_.limits)) continue;
      page.events.push_back(*std::move(e));
    }
    if (static_cast<int>(entries->size()) < options_.batch) break;
  }
  if (static_cast<int>(page.events.size()) == page_size) {
    const v1::Event& last = page.events.back().event();
    page.next_page_token = absl::StrCat(last.start().utc_seconds(), ":", last.uid());
  }
  return page;
}

}  // namespace babillard::store
