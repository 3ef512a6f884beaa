#include <algorithm>
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

absl::StatusOr<EventPage> RedisEventStore::Query(const v1::Filter& filter, int page_size,
                                                 const std::string& page_token) {
  page_size = page_size <= 0 ? 100 : std::min(page_size, 1000);
  // Page token: "<start>:<uid>" of the last event returned.
  int64_t after_start = INT64_MIN;
  std::string after_uid;
  if (!page_token.empty()) {
    size_t colon = page_token.find(':');
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(page_token.substr(0, colon), &after_start)) {
      return absl::InvalidArgumentError("page_token: malformed");
    }
    after_uid = page_token.substr(colon + 1);
  }
  BABILLARD_ASSIGN_OR_RETURN(redis::ConnectionPool::Lease lease, pool_.Acquire());
  std::string min = page_token.empty() ? "-inf" : std::to_string(after_start);
  if (filter.by_start() && page_token.empty() && filter.from_seconds() > 0)
    min = std::to_string(filter.from_seconds());
  const std::string max = filter.to_seconds() > 0 ? absl::StrCat("(", filter.to_seconds()) : "+inf";
  EventPage page;
  int64_t offset = 0;
  while (static_cast<int>(page.events.size()) < page_size) {
    absl::StatusOr<redis::Reply> ids =
        (lease)->Run({"ZRANGE", options_.prefix + "idx:start", min, max, "BYSCORE", "LIMIT",
                      std::to_string(offset), std::to_string(options_.batch), "WITHSCORES"});
    if (!ids.ok()) {
      pool_.ReportFailure();
      return ids.status();
    }
    if (ids->type == redis::Reply::Type::kError) return lua::ScriptError(*ids);
    if (ids->elements.empty()) break;
    offset += static_cast<int64_t>(ids->elements.size() / 2);
    std::vector<std::vector<std::string>> commands;
    std::vector<std::string> uids;
    for (size_t i = 0; i + 1 < ids->elements.size(); i += 2) {
      const std::string& uid = ids->elements[i].str;
      int64_t score = 0;
      (void)absl::SimpleAtoi(ids->elements[i + 1].str, &score);
      if (!page_token.empty() && score == after_start && uid <= after_uid) continue;
      uids.push_back(uid);
      commands.push_back(event_hash::GetSummary(options_.prefix + "ev:" + uid));
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
    if (static_cast<int>(ids->elements.size() / 2) < options_.batch) break;
  }
  if (static_cast<int>(page.events.size()) == page_size) {
    const v1::Event& last = page.events.back().event();
    page.next_page_token = absl::StrCat(last.start().utc_seconds(), ":", last.uid());
  }
  return page;
}

}  // namespace babillard::store
