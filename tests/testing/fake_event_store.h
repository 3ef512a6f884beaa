#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "services/common/ical/duplicate_keys.h"
#include "services/common/ical/event_filter.h"
#include "services/store/event_store.h"

namespace babillard::testing {

// An in-memory EventStore with the same contract, for unit tests of the
// layers above the store. FailNextCall() makes the next call return a status.
class FakeEventStore final : public store::EventStore {
 public:
  void FailNextCall(absl::Status status) {
    absl::MutexLock lock(&mu_);
    fail_next_ = std::move(status);
  }
  // Runs `write` once, just before the next Put is checked: another writer
  // landing between a caller's read and its write.
  void BeforeNextPut(std::function<void()> write) {
    absl::MutexLock lock(&mu_);
    before_next_put_ = std::move(write);
  }
  std::vector<v1::Change> changes() {
    absl::MutexLock lock(&mu_);
    return changes_;
  }

  absl::StatusOr<std::vector<store::WriteResult>> Put(
      const std::vector<v1::Event>& events, const std::vector<store::Expect>& expect) override {
    std::function<void()> before;
    {
      absl::MutexLock lock(&mu_);
      before.swap(before_next_put_);
    }
    if (before) before();
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    for (size_t i = 0; i < events.size(); ++i) {
      const store::Expect x = i < expect.size() ? expect[i] : store::Expect::Any();
      auto it = events_.find(events[i].uid());
      const int64_t version = it == events_.end() ? 0 : it->second.version();
      if (x.mode == store::Expect::Mode::kAbsent && version > 0)
        return absl::AlreadyExistsError(events[i].uid());
      if (x.mode == store::Expect::Mode::kVersion && x.version != version)
        return absl::AbortedError(events[i].uid());
      if (x.unique) {
        for (const std::string& key : ical::DuplicateKeys(events[i])) {
          for (const auto& [uid, other] : events_) {
            if (uid == events[i].uid() || other.event().organization() == events[i].organization())
              continue;
            const std::vector<std::string> keys = ical::DuplicateKeys(other.event());
            if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
              return absl::FailedPreconditionError(events[i].uid() + ": possible duplicate of " +
                                                   uid);
            }
          }
        }
      }
    }
    std::vector<store::WriteResult> results;
    for (const v1::Event& e : events) {
      internal::StoredEvent stored;
      *stored.mutable_event() = e;
      auto it = events_.find(e.uid());
      const int64_t version = it == events_.end() ? 0 : it->second.version();
      stored.set_version(version + 1);
      store::WriteResult w;
      w.version = version + 1;
      w.kind = version == 0 ? v1::Change::KIND_CREATED : v1::Change::KIND_UPDATED;
      w.cursor = Append(w.kind, stored);
      events_[e.uid()] = stored;
      results.push_back(w);
    }
    return results;
  }
  absl::StatusOr<std::vector<absl::StatusOr<store::WriteResult>>> PutEach(
      const std::vector<v1::Event>& events, const std::vector<store::Expect>& expect) override {
    {
      absl::MutexLock lock(&mu_);
      if (auto failure = TakeFailure()) return *failure;
    }
    std::vector<absl::StatusOr<store::WriteResult>> out;
    for (size_t i = 0; i < events.size(); ++i) {
      auto r = Put({events[i]}, {i < expect.size() ? expect[i] : store::Expect::Any()});
      out.push_back(r.ok() ? absl::StatusOr<store::WriteResult>(r->front()) : r.status());
    }
    return out;
  }
  absl::StatusOr<internal::StoredEvent> Get(const std::string& uid) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    auto it = events_.find(uid);
    if (it == events_.end()) return absl::NotFoundError(uid);
    return it->second;
  }
  absl::StatusOr<store::WriteResult> Delete(const std::string& uid, store::Expect) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    auto it = events_.find(uid);
    if (it == events_.end()) return absl::NotFoundError(uid);
    store::WriteResult w;
    w.kind = v1::Change::KIND_DELETED;
    w.version = it->second.version() + 1;
    internal::StoredEvent gone = it->second;
    gone.set_version(w.version);
    w.cursor = Append(w.kind, gone);
    events_.erase(it);
    return w;
  }
  // The same rule (ical::Matches), order (start, uid) and page tokens as the store.
  absl::StatusOr<store::EventPage> Query(const v1::Filter& filter, int page_size,
                                         const std::string& page_token) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    page_size = page_size <= 0 ? 100 : std::min(page_size, 1000);
    std::pair<int64_t, std::string> after = {INT64_MIN, ""};
    if (!page_token.empty()) {
      const size_t colon = page_token.find(':');
      if (colon == std::string::npos ||
          !absl::SimpleAtoi(page_token.substr(0, colon), &after.first)) {
        return absl::InvalidArgumentError("page_token: malformed");
      }
      after.second = page_token.substr(colon + 1);
    }
    const auto key = [](const internal::StoredEvent& e) {
      return std::make_pair(e.event().start().utc_seconds(), e.event().uid());
    };
    std::vector<const internal::StoredEvent*> matching;
    for (const auto& [uid, e] : events_) {
      if (key(e) > after && ical::Matches(e.event(), filter, ical::Limits())) {
        matching.push_back(&e);
      }
    }
    std::sort(matching.begin(), matching.end(),
              [&](const auto* a, const auto* b) { return key(*a) < key(*b); });
    store::EventPage page;
    for (const internal::StoredEvent* e : matching) {
      if (static_cast<int>(page.events.size()) == page_size) {
        const auto [start, uid] = key(page.events.back());
        page.next_page_token = absl::StrCat(start, ":", uid);
        break;
      }
      page.events.push_back(*e);
    }
    return page;
  }
  absl::Status Watch(const std::string& from_cursor, bool snapshot,
                     store::WatchSink& sink) override {
    std::vector<v1::Change> pending;
    std::string snapshot_cursor;
    {
      absl::MutexLock lock(&mu_);
      if (auto failure = TakeFailure()) return *failure;
      if (snapshot) {
        for (const auto& [uid, e] : events_) {
          v1::Change c;
          c.set_kind(v1::Change::KIND_CREATED);
          *c.mutable_event() = e.event();
          c.set_version(e.version());
          pending.push_back(c);
        }
        snapshot_cursor = changes_.empty() ? "" : changes_.back().cursor();
      } else {
        for (const v1::Change& c : changes_) {
          if (c.cursor() > from_cursor) pending.push_back(c);
        }
      }
    }
    for (const v1::Change& c : pending) {
      if (!sink.on_change(c)) return absl::OkStatus();
    }
    if (snapshot && sink.on_snapshot_done) sink.on_snapshot_done(snapshot_cursor);
    return absl::OkStatus();
  }

  absl::StatusOr<store::ChangePage> ReadChanges(const std::string& after, int limit) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    store::ChangePage page;
    for (const v1::Change& c : changes_) {
      if (c.cursor() > after && static_cast<int>(page.changes.size()) < limit)
        page.changes.push_back(c);
    }
    if (!changes_.empty()) page.last_cursor = changes_.back().cursor();
    return page;
  }

 private:
  std::optional<absl::Status> TakeFailure() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!fail_next_.has_value()) return std::nullopt;
    absl::Status s = *fail_next_;
    fail_next_.reset();
    return s;
  }
  std::string Append(v1::Change::Kind kind, const internal::StoredEvent& e)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    v1::Change c;
    c.set_kind(kind);
    c.set_cursor(absl::StrFormat("%013d-0", ++sequence_));  // sortable as text
    *c.mutable_event() = e.event();
    c.set_version(e.version());
    changes_.push_back(c);
    return c.cursor();
  }

  absl::Mutex mu_;
  std::map<std::string, internal::StoredEvent> events_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Change> changes_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Status> fail_next_ ABSL_GUARDED_BY(mu_);
  std::function<void()> before_next_put_ ABSL_GUARDED_BY(mu_);
  int64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace babillard::testing
