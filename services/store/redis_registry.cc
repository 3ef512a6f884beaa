#include "services/store/redis_registry.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/common/string_view.h"
#include "services/store/change_stream.h"
#include "services/store/registry_records.h"

namespace babillard::store {
namespace {

constexpr int kUpdateAttempts = 16;

// Why EXEC failed: a queued command that Redis refused (OOM past maxmemory)
// makes EXEC answer EXECABORT; the command's own error says why.
absl::Status ExecError(const std::vector<redis::Reply>& replies) {
  for (size_t i = 1; i + 1 < replies.size(); ++i) {
    if (replies[i].type == redis::Reply::Type::kError) return redis::ErrorStatus(replies[i]);
  }
  return redis::ErrorStatus(replies.back());
}

// What `key` (the prefix removed) holds, in words: error messages reach users
// through ingest and publish and never name a key.
std::string Described(std::string_view key) {
  static constexpr std::pair<std::string_view, std::string_view> kKinds[] = {
      {"org:", "organization "},
      {"src:", "source "},
      {"wh:", "webhook "},
      {"feed:", "named feed "}};
  for (const auto& [kind, words] : kKinds) {
    if (key.starts_with(kind)) return absl::StrCat(Av(words), Av(key.substr(kind.size())));
  }
  return "record";
}

}  // namespace

absl::StatusOr<std::vector<redis::Reply>> RedisRegistry::Transaction(
    const std::vector<std::vector<std::string>>& commands) {
  std::vector<std::vector<std::string>> all = {{"MULTI"}};
  all.insert(all.end(), commands.begin(), commands.end());
  all.push_back({"EXEC"});
  BABILLARD_ASSIGN_OR_RETURN(redis::ConnectionPool::Lease lease, pool_.Acquire());
  absl::StatusOr<std::vector<redis::Reply>> replies = (lease)->Pipeline(all);
  if (!replies.ok()) {
    pool_.ReportFailure();
    return replies.status();
  }
  const redis::Reply& exec = replies->back();
  if (exec.type == redis::Reply::Type::kError) return ExecError(*replies);
  if (!exec.is_array()) return absl::AbortedError("the store's transaction was aborted; try again");
  for (const redis::Reply& r : exec.elements) {
    BABILLARD_RETURN_IF_ERROR(redis::ErrorStatus(r));
  }
  return exec.elements;
}

absl::Status RedisRegistry::Update(
    const std::string& key,
    const std::function<absl::Status(std::string&, std::vector<std::vector<std::string>>&)>&
        change) {
  BABILLARD_ASSIGN_OR_RETURN(redis::ConnectionPool::Lease lease, pool_.Acquire());
  for (int attempt = 0; attempt < kUpdateAttempts; ++attempt) {
    absl::StatusOr<std::vector<redis::Reply>> read =
        (lease)->Pipeline({{"WATCH", key}, {"GET", key}});
    if (!read.ok()) {
      pool_.ReportFailure();
      return read.status();
    }
    if ((*read)[1].is_nil()) {
      (void)(lease)->Run({"UNWATCH"});
      return absl::NotFoundError(
          absl::StrCat(Described(Sv(key).substr(prefix_.size())), " not found"));
    }
    std::string value = (*read)[1].str;
    std::vector<std::vector<std::string>> extra;
    if (absl::Status s = change(value, extra); !s.ok()) {
      (void)(lease)->Run({"UNWATCH"});
      return s;
    }
    std::vector<std::vector<std::string>> all = {{"MULTI"}, {"SET", key, value}};
    all.insert(all.end(), extra.begin(), extra.end());
    all.push_back({"EXEC"});
    absl::StatusOr<std::vector<redis::Reply>> replies = (lease)->Pipeline(all);
    if (!replies.ok()) {
      pool_.ReportFailure();
      return replies.status();
    }
    if (replies->back().is_array()) return absl::OkStatus();
    if (replies->back().type == redis::Reply::Type::kError) return ExecError(*replies);
    // nil EXEC: someone wrote the key between WATCH and EXEC; read again.
  }
  return absl::AbortedError(
      absl::StrCat(Described(Sv(key).substr(prefix_.size())), ": too much contention; try again"));
}

absl::StatusOr<std::string> RedisRegistry::Get(const std::string& key) {
  BABILLARD_ASSIGN_OR_RETURN(redis::Reply reply, pool_.Run({"GET", key}));
  BABILLARD_RETURN_IF_ERROR(redis::ErrorStatus(reply));
  if (reply.is_nil())
    return absl::NotFoundError(
        absl::StrCat(Described(Sv(key).substr(prefix_.size())), " not found"));
  return reply.str;
}

absl::StatusOr<std::vector<std::string>> RedisRegistry::Members(const std::string& set_key) {
  BABILLARD_ASSIGN_OR_RETURN(redis::Reply reply, pool_.Run({"SMEMBERS", set_key}));
  BABILLARD_RETURN_IF_ERROR(redis::ErrorStatus(reply));
  std::vector<std::string> out;
  for (const redis::Reply& r : reply.elements) out.push_back(r.str);
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::string> RedisRegistry::NextId(const std::string& kind) {
  BABILLARD_ASSIGN_OR_RETURN(redis::Reply reply, pool_.Run({"INCR", prefix_ + "seq:" + kind}));
  BABILLARD_RETURN_IF_ERROR(redis::ErrorStatus(reply));
  return absl::StrCat(kind, "-", reply.integer);
}

absl::StatusOr<v1::Organization> RedisRegistry::PutOrganization(const v1::Organization& org,
                                                                const std::string& token_sha256,
                                                                bool create_only) {
  if (org.slug().empty()) return absl::InvalidArgumentError("organization.slug: required");
  const std::string key = prefix_ + "org:" + org.slug();
  const std::string token_key = prefix_ + "org-token:" + org.slug();
  BABILLARD_ASSIGN_OR_RETURN(redis::ConnectionPool::Lease lease, pool_.Acquire());
  for (int attempt = 0; attempt < kUpdateAttempts; ++attempt) {
    absl::StatusOr<std::vector<redis::Reply>> read =
        (lease)->Pipeline({{"WATCH", key, token_key}, {"EXISTS", key}, {"GET", token_key}});
    if (!read.ok()) {
      pool_.ReportFailure();
      return read.status();
    }
    if (create_only && (*read)[1].integer == 1) {
      (void)(lease)->Run({"UNWATCH"});
      return absl::AlreadyExistsError(absl::StrCat("organization ", org.slug(), " exists"));
    }
    std::vector<std::vector<std::string>> all = {
        {"MULTI"}, {"SET", key, org.SerializeAsString()}, {"SADD", prefix_ + "orgs", org.slug()}};
    if (!token_sha256.empty()) {
      // The old token stops working in the same step the new one starts.
      if (!(*read)[2].is_nil()) all.push_back({"DEL", prefix_ + "token:" + (*read)[2].str});
      all.push_back({"SET", prefix_ + "token:" + token_sha256, org.slug()});
      all.push_back({"SET", token_key, token_sha256});
    }
    all.push_back({"EXEC"});
    absl::StatusOr<std::vector<redis::Reply>> replies = (lease)->Pipeline(all);
    if (!replies.ok()) {
      pool_.ReportFailure();
      return replies.status();
    }
    if (replies->back().is_array()) return org;
    if (replies->back().type == redis::Reply::Type::kError) return ExecError(*replies);
  }
  return absl::AbortedError("organization: too much contention");
}

absl::StatusOr<v1::Organization> RedisRegistry::GetOrganization(const std::string& slug) {
  BABILLARD_ASSIGN_OR_RETURN(std::string bytes, Get(prefix_ + "org:" + slug));
  return ParseRecord<v1::Organization>(bytes);
}

absl::StatusOr<std::vector<v1::Organization>> RedisRegistry::ListOrganizations() {
  BABILLARD_ASSIGN_OR_RETURN(std::vector<std::string> slugs, Members(prefix_ + "orgs"));
  std::vector<v1::Organization> out;
  for (const std::string& slug : slugs) {
    absl::StatusOr<v1::Organization> org = GetOrganization(slug);
    if (org.ok()) out.push_back(*std::move(org));
  }
  return out;
}

absl::StatusOr<v1::Organization> RedisRegistry::LookupToken(const std::string& token_sha256) {
  absl::StatusOr<std::string> slug = Get(prefix_ + "token:" + token_sha256);
  if (!slug.ok()) {
    if (absl::IsNotFound(slug.status())) return absl::NotFoundError("unknown token");
    return slug.status();
  }
  return GetOrganization(*slug);
}

absl::StatusOr<v1::Source> RedisRegistry::PutSource(const v1::Source& source) {
  v1::Source s = source;
  if (s.id().empty()) {
    BABILLARD_ASSIGN_OR_RETURN(std::string id, NextId("src"));
    s.set_id(id);
  }
  std::vector<std::vector<std::string>> commands = {
      {"SET", prefix_ + "src:" + s.id(), s.SerializeAsString()},
      {"SADD", prefix_ + "srcs", s.id()}};
  // Subscribers and webhooks hear when a source needs a human: once, as it
  // becomes flagged or disabled (or changes between the two).
  const bool alarming =
      s.health() == v1::Source::HEALTH_FLAGGED || s.health() == v1::Source::HEALTH_DISABLED;
  if (alarming) {
    absl::StatusOr<std::string> before = Get(prefix_ + "src:" + s.id());
    v1::Source previous;
    if (before.ok()) (void)previous.ParseFromString(*before);
    if (!before.ok() || previous.health() != s.health()) {
      commands.push_back(change_stream::SourceAnnouncement(prefix_ + "changes", retention_, s));
    }
  }
  BABILLARD_RETURN_IF_ERROR(Transaction(commands).status());
  return s;
}

absl::StatusOr<v1::Source> RedisRegistry::GetSource(const std::string& id) {
  BABILLARD_ASSIGN_OR_RETURN(std::string bytes, Get(prefix_ + "src:" + id));
  return ParseRecord<v1::Source>(bytes);
}

absl::StatusOr<std::vector<v1::Source>> RedisRegistry::ListSources(
    const std::string& organization) {
  BABILLARD_ASSIGN_OR_RETURN(std::vector<std::string> ids, Members(prefix_ + "srcs"));
  std::vector<v1::Source> out;
  for (const std::string& id : ids) {
    absl::StatusOr<v1::Source> s = GetSource(id);
    if (s.ok() && (organization.empty() || s->organization() == organization))
      out.push_back(*std::move(s));
  }
  return out;
}

absl::Status RedisRegistry::DeleteSource(const std::string& id) {
  return Transaction({{"DEL", prefix_ + "src:" + id}, {"SREM", prefix_ + "srcs", id}}).status();
}

absl::StatusOr<v1::NamedFeed> RedisRegistry::PutNamedFeed(const v1::NamedFeed& feed,
                                                          bool create_only) {
  if (feed.name().empty()) return absl::InvalidArgumentError("feed.name: required");
  std::vector<std::string> set = {"SET", prefix_ + "feed:" + feed.name(), feed.SerializeAsString()};
  if (create_only) set.push_back("NX");
  // When NX refuses, the name is already in the set: the SADD changes nothing.
  BABILLARD_ASSIGN_OR_RETURN(std::vector<redis::Reply> replies,
                             Transaction({set, {"SADD", prefix_ + "feeds", feed.name()}}));
  if (replies.empty() || replies.front().is_nil()) {
    return absl::AlreadyExistsError(absl::StrCat("feed.name: \"", feed.name(), "\" is taken"));
  }
  return feed;
}

absl::StatusOr<v1::NamedFeed> RedisRegistry::GetNamedFeed(const std::string& name) {
  BABILLARD_ASSIGN_OR_RETURN(std::string bytes, Get(prefix_ + "feed:" + name));
  return ParseRecord<v1::NamedFeed>(bytes);
}

absl::StatusOr<std::vector<v1::NamedFeed>> RedisRegistry::ListNamedFeeds() {
  BABILLARD_ASSIGN_OR_RETURN(std::vector<std::string> names, Members(prefix_ + "feeds"));
  std::vector<v1::NamedFeed> out;
  for (const std::string& name : names) {
    absl::StatusOr<std::string> bytes = Get(prefix_ + "feed:" + name);
    if (!bytes.ok()) continue;
    absl::StatusOr<v1::NamedFeed> feed = ParseRecord<v1::NamedFeed>(*bytes);
    if (feed.ok()) out.push_back(*std::move(feed));
  }
  return out;
}

absl::Status RedisRegistry::DeleteNamedFeed(const std::string& name) {
  return Transaction({{"DEL", prefix_ + "feed:" + name}, {"SREM", prefix_ + "feeds", name}})
      .status();
}

}  // namespace babillard::store
