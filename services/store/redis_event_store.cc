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
#include "services/store/change_stream.h"
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

// The put and delete scripts' own refusals (lua_scripts.h), then Redis's.
absl::Status ReplyError(const redis::Reply& reply) {
  const std::string& e = reply.str;
  if (absl::StartsWith(e, "STALE"))
    return absl::AbortedError(absl::StrCat("stale version: ", e.substr(6)));
  if (absl::StartsWith(e, "EXISTS"))
    return absl::AlreadyExistsError(absl::StrCat("event exists: ", e.substr(7)));
  if (absl::StartsWith(e, "DUPLICATE")) {
    // The other uid is the rest of the reply: uids may hold spaces.
    return absl::FailedPreconditionError(absl::StrCat("possible duplicate of ", e.substr(10)));
  }
  return redis::ErrorStatus(reply);
}

struct Summary {
  std::string uid;
  std::string org, muni, cats;
  int status = 0;
  int64_t start = 0, end = 0;
  bool recurring = false;
};

// What the hash fields alone say of ical::Matches: false only when the
// event cannot match (so most of the events are never parsed); the full rule
// then runs on the events that pass.
bool CouldMatch(const Summary& s, const v1::Filter& f) {
  auto any_of = [](const auto& wanted, const std::string& value) {
    return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
  };
  if (!any_of(f.organizations(), s.org)) return false;
  if (!any_of(f.municipalities(), s.muni)) return false;
  if (f.categories_size() > 0) {
    bool hit = false;
    for (absl::string_view c : absl::StrSplit(s.cats, ',', absl::SkipEmpty())) {
      hit = hit || std::find(f.categories().begin(), f.categories().end(), std::string(c)) !=
                       f.categories().end();
    }
    if (!hit) return false;
  }
  if (f.statuses_size() > 0 &&
      std::find(f.statuses().begin(), f.statuses().end(), s.status) == f.statuses().end()) {
    return false;
  }
  if (f.to_seconds() > 0 && s.start >= f.to_seconds()) return false;
  if (f.by_start()) return f.from_seconds() <= 0 || s.start >= f.from_seconds();
  if (f.from_seconds() > 0 && s.end <= f.from_seconds() && s.end != s.start) return false;
  if (f.from_seconds() > 0 && s.end == s.start && s.start < f.from_seconds()) return false;
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisEventStore>> RedisEventStore::Open(redis::ConnectionPool& pool,
                                                                       RedisStoreOptions options) {
  std::unique_ptr<RedisEventStore> store(new RedisEventStore(pool, std::move(options)));
  for (LoadedScript* script : {&store->put_, &store->delete_}) {
    absl::StatusOr<redis::Reply> reply = pool.Run({"SCRIPT", "LOAD", script->text});
    if (!reply.ok()) return reply.status();
    if (reply->type == redis::Reply::Type::kError) return ReplyError(*reply);
    script->sha = reply->str;
  }
  if (absl::Status s = store->IndexDuplicateKeys(); !s.ok()) return s;
  return store;
}

absl::Status RedisEventStore::IndexDuplicateKeys() {
  const std::string marker = options_.prefix + "meta:dup-index";
  absl::StatusOr<redis::Reply> done = pool_.Run({"GET", marker});
  if (!done.ok()) return done.status();
  if (done->str == "1") return absl::OkStatus();
  absl::StatusOr<redis::ConnectionPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
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
    absl::StatusOr<redis::Reply> reply = (*lease)->Run(command);
    if (!reply.ok()) return reply.status();
    if (reply->type == redis::Reply::Type::kError) return ReplyError(*reply);
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
  absl::Status scanned = Snapshot(**lease, sink);
  if (!failed.ok()) return failed;
  if (!scanned.ok()) return scanned;
  if (absl::Status s = flush(); !s.ok()) return s;
  absl::StatusOr<redis::Reply> set = pool_.Run({"SET", marker, "1"});
  if (!set.ok()) return set.status();
  return set->type == redis::Reply::Type::kError ? ReplyError(*set) : absl::OkStatus();
}

absl::StatusOr<redis::Reply> RedisEventStore::RunScript(const LoadedScript& script,
                                                        std::vector<std::string> args) {
  std::vector<std::string> command = {"EVALSHA", script.sha, "0"};
  command.insert(command.end(), std::make_move_iterator(args.begin()),
                 std::make_move_iterator(args.end()));
  absl::StatusOr<redis::Reply> reply = pool_.Run(command);
  if (reply.ok() && reply->type == redis::Reply::Type::kError &&
      absl::StartsWith(reply->str, "NOSCRIPT")) {
    command[0] = "EVAL";
    command[1] = script.text;
    reply = pool_.Run(command);
  }
  if (reply.ok() && reply->type == redis::Reply::Type::kError) return ReplyError(*reply);
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
  absl::StatusOr<redis::Reply> reply = RunScript(put_, std::move(args));
  if (!reply.ok()) return reply.status();
  if (!reply->is_array() || reply->elements.size() != events.size()) {
    return absl::InternalError("redis: unexpected reply to put");
  }
  std::vector<absl::StatusOr<WriteResult>> results;
  for (const redis::Reply& r : reply->elements) {
    if (!r.is_array() || r.elements.size() != 3)
      return absl::InternalError("redis: unexpected reply to put");
    if (r.elements[0].integer < 0) {
      redis::Reply error;
      error.type = redis::Reply::Type::kError;
      error.str = r.elements[1].str;
      results.push_back(ReplyError(error));
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
  absl::StatusOr<std::vector<absl::StatusOr<WriteResult>>> results =
      RunPut(pointers, /*atomic=*/false);
  if (!results.ok()) return results.status();
  for (size_t j = 0; j < slots.size(); ++j) out[slots[j]] = std::move((*results)[j]);
  return out;
}

absl::StatusOr<std::vector<WriteResult>> RedisEventStore::Put(const std::vector<v1::Event>& events,
                                                              const std::vector<Expect>& expect) {
  if (events.empty()) return std::vector<WriteResult>();
  std::vector<std::vector<std::string>> args;
  absl::flat_hash_set<std::string> uids;
  for (size_t i = 0; i < events.size(); ++i) {
    absl::StatusOr<std::vector<std::string>> a =
        EventArgs(events[i], i < expect.size() ? expect[i] : Expect::Any());
    if (!a.ok()) return a.status();
    if (!uids.insert(events[i].uid()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("events: uid ", events[i].uid(), " appears twice"));
    }
    args.push_back(*std::move(a));
  }
  if (args.size() == 1 && options_.max_group > 1) {
    absl::StatusOr<WriteResult> one = group_.Submit(std::move(args[0]));
    if (!one.ok()) return one.status();
    return std::vector<WriteResult>{*std::move(one)};
  }
  std::vector<const std::vector<std::string>*> pointers;
  for (const auto& a : args) pointers.push_back(&a);
  absl::StatusOr<std::vector<absl::StatusOr<WriteResult>>> results =
      RunPut(pointers, /*atomic=*/true);
  if (!results.ok()) return results.status();
  std::vector<WriteResult> out;
  for (auto& r : *results) {
    if (!r.ok()) return r.status();
    out.push_back(*std::move(r));
  }
  return out;
}

absl::StatusOr<internal::StoredEvent> RedisEventStore::Get(const std::string& uid) {
  absl::StatusOr<redis::Reply> reply =
      pool_.Run({"HMGET", options_.prefix + "ev:" + uid, "pb", "v"});
  if (!reply.ok()) return reply.status();
  if (reply->type == redis::Reply::Type::kError) return ReplyError(*reply);
  if (!reply->is_array() || reply->elements.size() != 2 || reply->elements[0].is_nil()) {
    return absl::NotFoundError(absl::StrCat("event ", uid, " not found"));
  }
  internal::StoredEvent stored;
  if (absl::Status s = change_stream::ParseEvent(reply->elements[0].str, *stored.mutable_event());
      !s.ok())
    return s;
  absl::StatusOr<int64_t> version = reply->elements[1].AsInteger();
  stored.set_version(version.ok() ? *version : 0);
  return stored;
}

absl::StatusOr<WriteResult> RedisEventStore::Delete(const std::string& uid, Expect expect) {
  absl::StatusOr<redis::Reply> reply = RunScript(
      delete_, {options_.prefix, std::to_string(options_.retention), uid,
                expect.mode == Expect::Mode::kVersion ? std::to_string(expect.version) : ""});
  if (!reply.ok()) return reply.status();
  if (!reply->is_array() || reply->elements.size() != 2)
    return absl::InternalError("redis: unexpected reply");
  if (reply->elements[0].integer == 0)
    return absl::NotFoundError(absl::StrCat("event ", uid, " not found"));
  WriteResult w;
  w.version = reply->elements[0].integer;
  w.cursor = reply->elements[1].str;
  w.kind = v1::Change::KIND_DELETED;
  return w;
}

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
  absl::StatusOr<redis::ConnectionPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  std::string min = page_token.empty() ? "-inf" : std::to_string(after_start);
  if (filter.by_start() && page_token.empty() && filter.from_seconds() > 0)
    min = std::to_string(filter.from_seconds());
  const std::string max = filter.to_seconds() > 0 ? absl::StrCat("(", filter.to_seconds()) : "+inf";
  EventPage page;
  int64_t offset = 0;
  while (static_cast<int>(page.events.size()) < page_size) {
    absl::StatusOr<redis::Reply> ids =
        (*lease)->Run({"ZRANGE", options_.prefix + "idx:start", min, max, "BYSCORE", "LIMIT",
                       std::to_string(offset), std::to_string(options_.batch), "WITHSCORES"});
    if (!ids.ok()) {
      pool_.ReportFailure();
      return ids.status();
    }
    if (ids->type == redis::Reply::Type::kError) return ReplyError(*ids);
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
      commands.push_back({"HMGET", options_.prefix + "ev:" + uid, "org", "muni", "cats", "status",
                          "start", "end", "rec"});
    }
    absl::StatusOr<std::vector<redis::Reply>> rows = (*lease)->Pipeline(commands);
    if (!rows.ok()) {
      pool_.ReportFailure();
      return rows.status();
    }
    std::vector<std::string> wanted;
    for (size_t i = 0; i < uids.size(); ++i) {
      const auto& f = (*rows)[i].elements;
      if (f.size() != 7 || f[0].is_nil()) continue;  // deleted meanwhile
      Summary s;
      s.uid = uids[i];
      s.org = f[0].str;
      s.muni = f[1].str;
      s.cats = f[2].str;
      (void)absl::SimpleAtoi(f[3].str, &s.status);
      (void)absl::SimpleAtoi(f[4].str, &s.start);
      (void)absl::SimpleAtoi(f[5].str, &s.end);
      s.recurring = f[6].str == "1";
      if (CouldMatch(s, filter)) wanted.push_back(s.uid);
    }
    commands.clear();
    for (const std::string& uid : wanted)
      commands.push_back({"HMGET", options_.prefix + "ev:" + uid, "pb", "v"});
    absl::StatusOr<std::vector<redis::Reply>> bodies = (*lease)->Pipeline(commands);
    if (!bodies.ok()) {
      pool_.ReportFailure();
      return bodies.status();
    }
    for (size_t i = 0; i < wanted.size() && static_cast<int>(page.events.size()) < page_size; ++i) {
      const auto& f = (*bodies)[i].elements;
      if (f.size() != 2 || f[0].is_nil()) continue;
      internal::StoredEvent e;
      if (absl::Status s = change_stream::ParseEvent(f[0].str, *e.mutable_event()); !s.ok())
        return s;
      int64_t v = 0;
      (void)absl::SimpleAtoi(f[1].str, &v);
      e.set_version(v);
      if (!ical::Matches(e.event(), filter, options_.limits)) continue;
      page.events.push_back(std::move(e));
    }
    if (static_cast<int>(ids->elements.size() / 2) < options_.batch) break;
  }
  if (static_cast<int>(page.events.size()) == page_size) {
    const v1::Event& last = page.events.back().event();
    page.next_page_token = absl::StrCat(last.start().utc_seconds(), ":", last.uid());
  }
  return page;
}

absl::Status RedisEventStore::CheckRetained(redis::Connection& connection,
                                            const std::string& cursor) {
  absl::StatusOr<redis::Reply> info =
      connection.Run({"XINFO", "STREAM", options_.prefix + "changes"});
  if (!info.ok()) return info.status();
  if (info->type == redis::Reply::Type::kError)
    return absl::OkStatus();  // no stream yet: nothing trimmed
  int64_t length = 0, added = 0;
  std::string first;
  for (size_t i = 0; i + 1 < info->elements.size(); i += 2) {
    const std::string& name = info->elements[i].str;
    const redis::Reply& value = info->elements[i + 1];
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
  for (int64_t offset = 0;; offset += options_.batch) {
    absl::StatusOr<redis::Reply> ids =
        connection.Run({"ZRANGE", options_.prefix + "idx:start", std::to_string(offset),
                        std::to_string(offset + options_.batch - 1)});
    if (!ids.ok()) return ids.status();
    if (ids->type == redis::Reply::Type::kError) return ReplyError(*ids);
    std::vector<std::vector<std::string>> commands;
    for (const redis::Reply& id : ids->elements) {
      commands.push_back({"HMGET", options_.prefix + "ev:" + id.str, "pb", "v"});
    }
    absl::StatusOr<std::vector<redis::Reply>> rows = connection.Pipeline(commands);
    if (!rows.ok()) return rows.status();
    for (size_t i = 0; i < rows->size(); ++i) {
      const auto& f = (*rows)[i].elements;
      if (f.size() != 2 || f[0].is_nil()) continue;
      v1::Change change;
      change.set_kind(v1::Change::KIND_CREATED);
      if (absl::Status s = change_stream::ParseEvent(f[0].str, *change.mutable_event()); !s.ok())
        return s;
      int64_t v = 0;
      (void)absl::SimpleAtoi(f[1].str, &v);
      change.set_version(v);
      if (!sink.on_change(change)) return absl::CancelledError("watch ended by the receiver");
    }
    if (static_cast<int>(ids->elements.size()) < options_.batch) return absl::OkStatus();
    if (sink.cancelled && sink.cancelled()) return absl::CancelledError("watch cancelled");
  }
}

absl::StatusOr<ChangePage> RedisEventStore::ReadChanges(const std::string& after, int limit) {
  limit = std::clamp(limit, 1, 10000);
  const std::string stream = options_.prefix + "changes";
  absl::StatusOr<redis::ConnectionPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  redis::Connection& c = **lease;
  if (!after.empty()) {
    if (absl::Status retained = CheckRetained(c, after); !retained.ok()) return retained;
  }
  absl::StatusOr<std::vector<redis::Reply>> replies = c.Pipeline(
      {{"XRANGE", stream, after.empty() ? "-" : "(" + after, "+", "COUNT", std::to_string(limit)},
       {"XREVRANGE", stream, "+", "-", "COUNT", "1"}});
  if (!replies.ok()) {
    pool_.ReportFailure();
    return replies.status();
  }
  for (const redis::Reply& r : *replies) {
    if (r.type == redis::Reply::Type::kError) return ReplyError(r);
  }
  ChangePage page;
  for (const redis::Reply& entry : (*replies)[0].elements) {
    absl::StatusOr<v1::Change> change = change_stream::FromEntry(entry);
    if (!change.ok()) return change.status();
    page.changes.push_back(*std::move(change));
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
  absl::StatusOr<std::unique_ptr<redis::Connection>> connection =
      redis::Connection::Open(pool_.address(), options_.watch_block + absl::Seconds(5));
  if (!connection.ok()) return connection.status();
  redis::Connection& c = **connection;
  const std::string stream = options_.prefix + "changes";
  std::string cursor = from_cursor;
  if (snapshot || cursor.empty()) {
    absl::StatusOr<redis::Reply> last = c.Run({"XREVRANGE", stream, "+", "-", "COUNT", "1"});
    if (!last.ok()) return last.status();
    cursor =
        last->is_array() && !last->elements.empty() ? last->elements[0].elements[0].str : "0-0";
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
    absl::StatusOr<redis::Reply> reply =
        c.Run({"XREAD", "COUNT", "512", "BLOCK", block_ms, "STREAMS", stream, cursor});
    if (!reply.ok()) return reply.status();
    if (reply->type == redis::Reply::Type::kError) return ReplyError(*reply);
    if (reply->is_nil() || reply->elements.empty()) {
      if (sink.on_heartbeat && !sink.on_heartbeat(cursor)) return absl::OkStatus();
      continue;
    }
    // Entries could have been trimmed while we were away (a slow reader).
    if (absl::Status retained = CheckRetained(c, cursor); !retained.ok()) return retained;
    for (const redis::Reply& entry : reply->elements[0].elements[1].elements) {
      absl::StatusOr<v1::Change> change = change_stream::FromEntry(entry);
      if (!change.ok()) return change.status();
      cursor = change->cursor();
      if (!sink.on_change(*change)) return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

}  // namespace babillard::store
