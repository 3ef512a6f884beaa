#include "services/store/redis_event_store.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/cursor.h"
#include "services/common/ical/duplicate_keys.h"
#include "services/common/ical/event_filter.h"
#include "services/common/ical/recurrence.h"
#include "services/common/status_macros.h"
#include "services/store/change_stream.h"
#include "services/store/event_hash.h"
#include "services/store/lua_scripts.h"

namespace babillard::store {
namespace {

// Beyond any event: the end of a recurrence with no COUNT or UNTIL.
constexpr int64_t kForever = 253402300799;  // 9999-12-31T23:59:59Z

// The last instant any occurrence of `e` ends (kForever for an endless rule).
int64_t LastEnd(const v1::Event& e, const ical::Limits& limits) {
  int64_t last = std::max(e.start().utc_seconds(), e.end().utc_seconds());
  for (const v1::Event& o : e.overrides()) last = std::max(last, o.end().utc_seconds());
  const int64_t duration = e.end().utc_seconds() - e.start().utc_seconds();
  for (const v1::EventTime& t : e.rdates()) last = std::max(last, t.utc_seconds() + duration);
  if (e.rrule().empty()) return last;
  if (!absl::StrContains(e.rrule(), "COUNT=") && !absl::StrContains(e.rrule(), "UNTIL="))
    return kForever;
  ical::Limits bounded = limits;
  bounded.max_occurrences = limits.max_rrule_count + 1;
  absl::StatusOr<ical::Expansion> x = ical::ExpandOccurrences(
      e, absl::FromUnixSeconds(e.start().utc_seconds()), absl::FromUnixSeconds(kForever), bounded);
  if (!x.ok() || x->truncated) return kForever;
  for (const ical::Occurrence& o : x->occurrences)
    last = std::max(last, absl::ToUnixSeconds(o.end));
  return last;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisEventStore>> RedisEventStore::Open(redis::ConnectionPool& pool,
                                                                       RedisStoreOptions options) {
  std::unique_ptr<RedisEventStore> store(new RedisEventStore(pool, std::move(options)));
  for (LoadedScript* script : {&store->put_, &store->delete_, &store->range_after_}) {
    BABILLARD_ASSIGN_OR_RETURN(redis::Reply reply, pool.Run({"SCRIPT", "LOAD", script->text}));
    if (reply.type == redis::Reply::Type::kError) return lua::ScriptError(reply);
    script->sha = reply.str;
  }
  BABILLARD_RETURN_IF_ERROR(store->IndexDuplicateKeys());
  return store;
}

absl::Status RedisEventStore::IndexDuplicateKeys() {
  const std::string marker = options_.prefix + "meta:dup-index";
  // Not through BABILLARD_ASSIGN_OR_RETURN: GCC 12 sees the moved Reply's
  // string as maybe-uninitialized here (a false positive at -O2).
  absl::StatusOr<redis::Reply> done = pool_.Run({"GET", marker});
  if (!done.ok()) return done.status();
  if (done->str == "1") return absl::OkStatus();
  BABILLARD_ASSIGN_OR_RETURN(redis::ConnectionPool::Lease lease, pool_.Acquire());
  std::vector<std::string> batch;
  int pending = 0;
  auto flush = [&]() -> absl::Status {
    if (pending == 0) return absl::OkStatus();
    std::vector<std::string> args = {options_.prefix, std::to_string(pending)};
    args.insert(args.end(), std::make_move_iterator(batch.begin()),
                std::make_move_iterator(batch.end()));
    batch.clear();
    pending = 0;
    std::vector<std::string> command = {"EVAL", lua::kIndexDuplicateKeys, "0"};
    command.insert(command.end(), std::make_move_iterator(args.begin()),
                   std::make_move_iterator(args.end()));
    BABILLARD_ASSIGN_OR_RETURN(redis::Reply reply, (lease)->Run(command));
    if (reply.type == redis::Reply::Type::kError) return lua::ScriptError(reply);
    return absl::OkStatus();
  };
  absl::Status failed;
  WatchSink sink;
  sink.on_change = [&](const v1::Change& change) {
    const v1::Event& e = change.event();
    batch.insert(batch.end(), {e.uid(), std::to_string(change.version()),
                               absl::StrJoin(ical::DuplicateKeys(e), "\n")});
    if (++pending < options_.batch) return true;
    failed = flush();
    return failed.ok();
  };
  absl::Status scanned = Snapshot(*lease, sink);
  if (!failed.ok()) return failed;
  if (!scanned.ok()) return scanned;
  BABILLARD_RETURN_IF_ERROR(flush());
  BABILLARD_ASSIGN_OR_RETURN(redis::Reply set, pool_.Run({"SET", marker, "1"}));
  return set.type == redis::Reply::Type::kError ? lua::ScriptError(set) : absl::OkStatus();
}

absl::StatusOr<redis::Reply> RedisEventStore::RunScript(const LoadedScript& script,
                                                        std::vector<std::string> args,
                                                        redis::Connection* connection) {
  std::vector<std::string> command = {"EVALSHA", script.sha, "0"};
  command.insert(command.end(), std::make_move_iterator(args.begin()),
                 std::make_move_iterator(args.end()));
  auto run = [&] { return connection != nullptr ? connection->Run(command) : pool_.Run(command); };
  absl::StatusOr<redis::Reply> reply = run();
  if (reply.ok() && reply->type == redis::Reply::Type::kError &&
      absl::StartsWith(reply->str, "NOSCRIPT")) {
    command[0] = "EVAL";
    command[1] = script.text;
    reply = run();
  }
  if (reply.ok() && reply->type == redis::Reply::Type::kError) return lua::ScriptError(*reply);
  return reply;
}

absl::StatusOr<std::vector<std::string>> RedisEventStore::EventArgs(const v1::Event& event,
                                                                    const Expect& x) const {
  if (event.uid().empty()) return absl::InvalidArgumentError("event.uid: required");
  if (event.organization().empty())
    return absl::InvalidArgumentError("event.organization: required");
  const v1::Event& e = event;
  std::vector<std::string> args(lua::kPutArgCount);
  args[lua::kPutUid] = e.uid();
  args[lua::kPutExpected] = x.mode == Expect::Mode::kAny      ? ""
                            : x.mode == Expect::Mode::kAbsent ? "new"
                                                              : std::to_string(x.version);
  args[lua::kPutEvent] = e.SerializeAsString();
  args[lua::kPutOrganization] = e.organization();
  args[lua::kPutMunicipality] = e.location().municipality();
  args[lua::kPutCategories] = absl::StrJoin(e.categories(), ",");
  args[lua::kPutStatus] = std::to_string(static_cast<int>(e.status()));
  args[lua::kPutStart] = std::to_string(e.start().utc_seconds());
  args[lua::kPutEnd] = std::to_string(LastEnd(e, options_.limits));
  args[lua::kPutRecurring] = e.rrule().empty() && e.rdates_size() == 0 ? "0" : "1";
  args[lua::kPutDuplicateKeys] = absl::StrJoin(ical::DuplicateKeys(e), "\n");
  args[lua::kPutUnique] = x.unique ? "1" : "0";
  return args;
}

absl::StatusOr<std::vector<absl::StatusOr<WriteResult>>> RedisEventStore::RunPut(
    const std::vector<const std::vector<std::string>*>& events, bool atomic) {
  std::vector<std::string> args = {options_.prefix, std::to_string(options_.retention),
                                   std::to_string(events.size()), atomic ? "1" : "0"};
  args.reserve(lua::kPutHeadArgs + events.size() * lua::kPutArgCount);
  for (const std::vector<std::string>* e : events) args.insert(args.end(), e->begin(), e->end());
  BABILLARD_ASSIGN_OR_RETURN(redis::Reply reply, RunScript(put_, std::move(args)));
  if (!reply.is_array() || reply.elements.size() != events.size()) {
    return absl::InternalError("redis: unexpected reply to put");
  }
  std::vector<absl::StatusOr<WriteResult>> results;
  for (const redis::Reply& r : reply.elements) {
    if (!r.is_array() || r.elements.size() != 3)
      return absl::InternalError("redis: unexpected reply to put");
    if (r.elements[0].integer < 0) {
      redis::Reply error;
      error.type = redis::Reply::Type::kError;
      error.str = r.elements[1].str;
      results.push_back(lua::ScriptError(error));
      continue;
    }
    WriteResult w;
    w.version = r.elements[0].integer;
    w.kind = change_stream::ToChangeKind(r.elements[1].integer);
    w.cursor = r.elements[2].str;
    results.push_back(std::move(w));
  }
  return results;
}

RedisEventStore::RedisEventStore(redis::ConnectionPool& pool, RedisStoreOptions options)
    : pool_(pool),
      options_(std::move(options)),
      put_{lua::Script(lua::kPutEvents), ""},
      delete_{lua::Script(lua::kDeleteEvent), ""},
      range_after_{lua::kRangeAfter, ""},
      // Concurrent single writes ride in one script call, each checked and
      // written on its own.
      group_(options_.max_group,
             [this](const std::vector<const std::vector<std::string>*>& events) {
               absl::StatusOr<std::vector<absl::StatusOr<WriteResult>>> results =
                   RunPut(events, /*atomic=*/false);
               if (!results.ok())
                 return std::vector<absl::StatusOr<WriteResult>>(events.size(), results.status());
               return *std::move(results);
             }) {}

absl::StatusOr<std::vector<absl::StatusOr<WriteResult>>> RedisEventStore::PutEach(
    const std::vector<v1::Event>& events, const std::vector<Expect>& expect) {
  std::vector<absl::StatusOr<WriteResult>> out(events.size(), absl::InternalError("not written"));
  std::vector<std::vector<std::string>> args;
  std::vector<size_t> slots;
  for (size_t i = 0; i < events.size(); ++i) {
    absl::StatusOr<std::vector<std::string>> a =
        EventArgs(events[i], i < expect.size() ? expect[i] : Expect::Any());
    if (!a.ok()) {
      out[i] = a.status();
      continue;
    }
    args.push_back(*std::move(a));
    slots.push_back(i);
  }
  if (args.empty()) return out;
  std::vector<const std::vector<std::string>*> pointers;
  for (const auto& a : args) pointers.push_back(&a);
  BABILLARD_ASSIGN_OR_RETURN(std::vector<absl::StatusOr<WriteResult>> results,
                             RunPut(pointers, /*atomic=*/false));
  for (size_t j = 0; j < slots.size(); ++j) out[slots[j]] = std::move((results)[j]);
  return out;
}

absl::StatusOr<std::vector<WriteResult>> RedisEventStore::Put(const std::vector<v1::Event>& events,
                                                              const std::vector<Expect>& expect) {
  if (events.empty()) return std::vector<WriteResult>();
  std::vector<std::vector<std::string>> args;
  absl::flat_hash_set<std::string> uids;
  for (size_t i = 0; i < events.size(); ++i) {
    BABILLARD_ASSIGN_OR_RETURN(std::vector<std::string> a,
                               EventArgs(events[i], i < expect.size() ? expect[i] : Expect::Any()));
    if (!uids.insert(events[i].uid()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("events: uid ", events[i].uid(), " appears twice"));
    }
    args.push_back(std::move(a));
  }
  if (args.size() == 1 && options_.max_group > 1) {
    BABILLARD_ASSIGN_OR_RETURN(WriteResult one, group_.Submit(std::move(args[0])));
    return std::vector<WriteResult>{std::move(one)};
  }
  std::vector<const std::vector<std::string>*> pointers;
  for (const auto& a : args) pointers.push_back(&a);
  BABILLARD_ASSIGN_OR_RETURN(std::vector<absl::StatusOr<WriteResult>> results,
                             RunPut(pointers, /*atomic=*/true));
  std::vector<WriteResult> out;
  for (auto& r : results) {
    if (!r.ok()) return r.status();
    out.push_back(*std::move(r));
  }
  return out;
}

absl::StatusOr<internal::StoredEvent> RedisEventStore::Get(const std::string& uid) {
  BABILLARD_ASSIGN_OR_RETURN(redis::Reply reply,
                             pool_.Run(event_hash::GetStored(options_.prefix + "ev:" + uid)));
  if (reply.type == redis::Reply::Type::kError) return lua::ScriptError(reply);
  BABILLARD_ASSIGN_OR_RETURN(std::optional<internal::StoredEvent> stored,
                             event_hash::StoredFrom(reply));
  if (!stored.has_value()) return absl::NotFoundError(absl::StrCat("event ", uid, " not found"));
  return *std::move(stored);
}

absl::StatusOr<WriteResult> RedisEventStore::Delete(const std::string& uid, Expect expect) {
  BABILLARD_ASSIGN_OR_RETURN(
      redis::Reply reply,
      RunScript(delete_,
                {options_.prefix, std::to_string(options_.retention), uid,
                 expect.mode == Expect::Mode::kVersion ? std::to_string(expect.version) : ""}));
  if (!reply.is_array() || reply.elements.size() != 2)
    return absl::InternalError("redis: unexpected reply");
  if (reply.elements[0].integer == 0)
    return absl::NotFoundError(absl::StrCat("event ", uid, " not found"));
  WriteResult w;
  w.version = reply.elements[0].integer;
  w.cursor = reply.elements[1].str;
  w.kind = v1::Change::KIND_DELETED;
  return w;
}

}  // namespace babillard::store
