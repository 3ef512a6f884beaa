#include "services/publish/webhook_dispatcher.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/publish/change_filter.h"

namespace babillard::publish {

// Delivers to one webhook, a step at a time on the dispatcher's threads.
class WebhookDispatcher::Worker : public std::enable_shared_from_this<Worker> {
 public:
  Worker(WebhookDispatcher& owner, v1::Webhook hook)
      : owner_(owner),
        hook_(std::move(hook)),
        saved_(hook_.cursor()),
        scan_(hook_.cursor()),
        backoff_(owner_.options_.first_retry),
        failures_(hook_.consecutive_failures()) {}

  // Its first step, at once.
  void Begin() {
    uint64_t epoch;
    {
      absl::MutexLock lock(&mu_);
      epoch = ++epoch_;
    }
    owner_.Schedule(shared_from_this(), epoch, absl::InfinitePast());
  }
  // No step after the one running, if any.
  void Stop() {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  // Waits for the step in flight (a POST may take its timeout).
  void AwaitIdle() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Worker::Idle));
  }
  // New changes in the log: a worker waiting for them steps at once.
  void Wake() {
    uint64_t epoch;
    {
      absl::MutexLock lock(&mu_);
      ++generation_;
      if (!waiting_for_changes_ || stop_) return;
      waiting_for_changes_ = false;
      epoch = ++epoch_;
    }
    owner_.Schedule(shared_from_this(), epoch, absl::InfinitePast());
  }
  // Done for good (disabled, or its cursor moved by someone else), or
  // stopped with no step in flight.
  bool finished() {
    absl::MutexLock lock(&mu_);
    return done_ || (stop_ && !running_);
  }
  const std::string& id() const { return hook_.id(); }
  // Whether `hook` signs with other secrets than this worker (a rotation).
  bool SignsDifferently(const v1::Webhook& hook) const {
    return hook.secret() != hook_.secret() || hook.previous_secret() != hook_.previous_secret();
  }

  // Runs the step scheduled as `epoch`, unless scheduled again since.
  void Run(uint64_t epoch) {
    int64_t seen;
    {
      absl::MutexLock lock(&mu_);
      if (epoch != epoch_ || stop_ || done_ || running_) return;
      running_ = true;
      seen = generation_;
    }
    const Next next = StepOnce();
    bool stopped_meanwhile;
    absl::Time at = next.at;
    {
      absl::MutexLock lock(&mu_);
      running_ = false;
      stopped_meanwhile = stop_;
      if (next.done) done_ = true;
      if (stop_ || done_) {
        epoch = 0;
      } else {
        epoch = ++epoch_;
        if (next.on_change) {
          // Changes that came during the step need no wait.
          if (generation_ != seen) {
            at = absl::InfinitePast();
          } else {
            waiting_for_changes_ = true;
          }
        }
      }
    }
    if (stopped_meanwhile) owner_.Refresh();  // a retiring worker is done: replace it now
    if (epoch != 0) owner_.Schedule(shared_from_this(), epoch, at);
  }

 private:
  // What a step leaves: run again at `at`, or earlier on a new change
  // (`on_change`), or never (`done`).
  struct Next {
    absl::Time at = absl::InfinitePast();
    bool on_change = false;
    bool done = false;
  };
  static Next Now() { return {}; }
  static Next After(absl::Duration wait) { return {absl::Now() + wait, false, false}; }
  static Next OnChangeOrAfter(absl::Duration wait) { return {absl::Now() + wait, true, false}; }
  static Next Done() { return {absl::InfinitePast(), false, true}; }

  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !running_; }

  // Reads the next changes, or makes one attempt at the first of them.
  Next StepOnce() {
    if (queue_.empty()) {
      absl::StatusOr<std::vector<ChangePtr>> batch = owner_.reader_.Read(scan_, 200);
      if (!batch.ok()) {
        if (absl::IsFailedPrecondition(batch.status())) {
          Record(v1::Delivery(),
                 absl::StrCat("changes after ", scan_,
                              " left the store's history before they could be delivered"));
          return Done();
        }
        return OnChangeOrAfter(absl::Seconds(1));
      }
      if (batch->empty()) return OnChangeOrAfter(absl::Seconds(1));
      for (const ChangePtr& c : *batch) {
        scan_ = c->cursor();
        // A webhook sees as its organization sees (its own sources' alarms).
        if (ChangeMatches(*c, hook_.filter(), Viewer{hook_.organization()})) queue_.push_back(c);
      }
      return Now();
    }
    const ChangePtr change = queue_.front();
    ++attempt_;
    const WebhookPostResult post =
        owner_.poster_.Post(hook_.url(), Secrets(), change->cursor(), WebhookBody(*change));
    v1::Delivery delivery;
    delivery.set_message_id(change->cursor());
    delivery.set_attempt(attempt_);
    delivery.set_attempted_at_ms(absl::ToUnixMillis(owner_.clock_.Now()));
    delivery.set_http_status(post.http_status);
    delivery.set_error(post.error);
    delivery.set_duration_ms(static_cast<int>(absl::ToInt64Milliseconds(post.duration)));
    const bool ok = post.http_status >= 200 && post.http_status < 300;
    if (ok) {
      internal::AdvanceWebhookCursorRequest advance;
      advance.set_id(hook_.id());
      advance.set_expected_cursor(saved_);
      advance.set_cursor(change->cursor());
      absl::StatusOr<v1::Webhook> moved =
          owner_.store_.Call(&internal::Store::StubInterface::AdvanceWebhookCursor, advance);
      if (!moved.ok()) {
        // ABORTED: someone else moved the cursor (a second publish, a
        // reset); NOT_FOUND: deleted. Either way the dispatcher's next
        // refresh decides; this worker stops. UNAVAILABLE: retry.
        if (!absl::IsUnavailable(moved.status())) return Done();
        return After(backoff_);
      }
      ++owner_.counters_.delivered;
      saved_ = change->cursor();
      queue_.pop_front();
      attempt_ = 0;
      backoff_ = owner_.options_.first_retry;
    } else {
      ++owner_.counters_.failed;
    }
    // One record per attempt; the one that crosses a limit also disables.
    failures_ = ok ? 0 : failures_ + 1;
    std::string disable;
    if (post.http_status == 410) {
      disable = "the receiver answered 410 Gone";
    } else if (failures_ >= owner_.options_.max_failures) {
      disable = absl::StrCat(
          failures_, " failed deliveries in a row; last: ",
          post.http_status != 0 ? absl::StrCat("HTTP ", post.http_status) : post.error);
    }
    Record(delivery, disable);
    if (!disable.empty()) return Done();
    if (ok) return Now();
    // A receiver asking for time (429 or 503 with Retry-After) gets it.
    const absl::Duration wait = std::max(backoff_, post.retry_after);
    backoff_ = std::min(backoff_ * 2, owner_.options_.max_retry);
    return After(wait);
  }

  // Appends the attempt to the webhook's recent deliveries, and disables the
  // webhook with `disable_reason` when one is given.
  void Record(const v1::Delivery& delivery, const std::string& disable_reason) {
    internal::RecordDeliveryRequest request;
    request.set_webhook_id(hook_.id());
    *request.mutable_delivery() = delivery;
    if (!disable_reason.empty()) {
      request.set_disable(true);
      request.set_disable_reason(disable_reason);
      ++owner_.counters_.disabled;
      log::Warn("webhook disabled", {{"webhook", hook_.id()}, {"reason", disable_reason}});
    }
    (void)owner_.store_.Call(&internal::Store::StubInterface::RecordDelivery, request);
  }

  // The new secret first, and during a rotation's overlap the old one.
  std::vector<std::string> Secrets() const {
    std::vector<std::string> secrets = {hook_.secret()};
    if (!hook_.previous_secret().empty()) secrets.push_back(hook_.previous_secret());
    return secrets;
  }

  WebhookDispatcher& owner_;
  const v1::Webhook hook_;
  // The delivery state, touched by the one step running at a time.
  std::string saved_;  // last change acknowledged with a 2xx
  std::string scan_;   // last change looked at
  std::deque<ChangePtr> queue_;
  absl::Duration backoff_;
  int attempt_ = 0;
  int failures_;

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool waiting_for_changes_ ABSL_GUARDED_BY(mu_) = false;
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;  // the one valid schedule
};

WebhookDispatcher::WebhookDispatcher(StoreClient& store, ChangeReader& reader,
                                     WebhookPoster& poster, const Clock& clock,
                                     WebhookOptions options)
    : store_(store),
      reader_(reader),
      poster_(poster),
      clock_(clock),
      options_(std::move(options)),
      pool_(options_.delivery_threads) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Start() {
  listener_ = reader_.log().AddListener([this] {
    absl::MutexLock lock(&mu_);
    for (auto& [id, worker] : workers_) worker->Wake();
  });
  timer_thread_ = std::thread([this] { RunTimers(); });
  thread_ = std::thread([this] { Run(); });
}

void WebhookDispatcher::Stop() {
  if (!thread_.joinable()) return;
  reader_.log().RemoveListener(listener_);
  stop_.Notify();
  {
    absl::MutexLock lock(&mu_);
    refresh_requested_ = true;
  }
  thread_.join();
  {
    absl::MutexLock lock(&timers_mu_);
    timers_stopped_ = true;
    timers_.clear();
    timers_changed_.Signal();
  }
  timer_thread_.join();
  absl::flat_hash_map<std::string, std::shared_ptr<Worker>> workers;
  std::vector<std::shared_ptr<Worker>> retiring;
  {
    absl::MutexLock lock(&mu_);
    workers.swap(workers_);
    retiring.swap(retiring_);
  }
  for (auto& [id, worker] : workers) worker->Stop();
  for (auto& [id, worker] : workers) worker->AwaitIdle();
  for (auto& worker : retiring) worker->AwaitIdle();
}

void WebhookDispatcher::Refresh() {
  absl::MutexLock lock(&mu_);
  refresh_requested_ = true;
}

void WebhookDispatcher::Schedule(std::shared_ptr<Worker> worker, uint64_t epoch, absl::Time at) {
  if (at <= absl::Now()) {
    pool_.Submit([worker = std::move(worker), epoch] { worker->Run(epoch); });
    return;
  }
  absl::MutexLock lock(&timers_mu_);
  if (timers_stopped_) return;
  const auto it = timers_.emplace(at, std::make_pair(std::move(worker), epoch));
  if (it == timers_.begin()) timers_changed_.Signal();  // sooner than the timer thread waits
}

void WebhookDispatcher::RunTimers() {
  while (true) {
    std::vector<std::pair<std::shared_ptr<Worker>, uint64_t>> due;
    {
      absl::MutexLock lock(&timers_mu_);
      if (timers_stopped_) return;
      const absl::Time next = timers_.empty() ? absl::InfiniteFuture() : timers_.begin()->first;
      if (next > absl::Now()) timers_changed_.WaitWithDeadline(&timers_mu_, next);
      if (timers_stopped_) return;
      const absl::Time now = absl::Now();
      while (!timers_.empty() && timers_.begin()->first <= now) {
        due.push_back(std::move(timers_.begin()->second));
        timers_.erase(timers_.begin());
      }
    }
    for (auto& [worker, epoch] : due)
      pool_.Submit([worker = std::move(worker), epoch = epoch] { worker->Run(epoch); });
  }
}

void WebhookDispatcher::Run() {
  while (!stop_.HasBeenNotified()) {
    Sync();
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&refresh_requested_), options_.refresh);
    refresh_requested_ = false;
  }
}

void WebhookDispatcher::Sync() {
  internal::ListWebhooksRequest request;
  request.set_include_secrets(true);
  absl::StatusOr<internal::ListWebhooksResponse> hooks =
      store_.Call(&internal::Store::StubInterface::ListWebhooks, request);
  if (!hooks.ok()) return;  // the store is away: keep what runs
  absl::flat_hash_map<std::string, const v1::Webhook*> wanted;
  for (const v1::Webhook& h : hooks->webhooks()) {
    if (h.enabled()) wanted[h.id()] = &h;
  }
  std::vector<std::shared_ptr<Worker>> started;
  bool rotated = false;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = workers_.begin(); it != workers_.end();) {
      auto hook = wanted.find(it->first);
      const bool gone = hook == wanted.end();
      // A rotated secret: the worker stops and, once its last step is over
      // (no POST of the old worker may land after one of the new), another
      // starts from the stored cursor.
      const bool changed = !gone && it->second->SignsDifferently(*hook->second);
      rotated = rotated || changed;
      if (changed || gone || it->second->finished()) {
        it->second->Stop();
        retiring_.push_back(std::move(it->second));
        workers_.erase(it++);
      } else {
        ++it;
      }
    }
    absl::flat_hash_set<std::string> busy;
    for (auto it = retiring_.begin(); it != retiring_.end();) {
      if ((*it)->finished()) {
        it = retiring_.erase(it);
      } else {
        busy.insert((*it)->id());
        ++it;
      }
    }
    for (const auto& [id, hook] : wanted) {
      if (workers_.contains(id) || busy.contains(id)) continue;
      auto worker = std::make_shared<Worker>(*this, *hook);
      workers_[id] = worker;
      started.push_back(std::move(worker));
    }
  }
  for (const std::shared_ptr<Worker>& worker : started) worker->Begin();
  if (rotated) Refresh();
}

}  // namespace babillard::publish
