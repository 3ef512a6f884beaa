#include "services/publish/webhook_dispatcher.h"

#include <cstdio>
#include <deque>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/publish/change_filter.h"

namespace babillard::publish {

// Delivers to one webhook on its own thread.
class WebhookDispatcher::Worker {
 public:
  Worker(WebhookDispatcher& owner, v1::Webhook hook) : owner_(owner), hook_(std::move(hook)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Worker() {
    Stop();
    thread_.join();
  }
  void Stop() {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  void Wake() {
    absl::MutexLock lock(&mu_);
    ++generation_;
  }
  bool finished() const { return finished_.load(); }
  // Whether `hook` signs with other secrets than this worker (a rotation).
  bool SignsDifferently(const v1::Webhook& hook) const {
    return hook.secret() != hook_.secret() || hook.previous_secret() != hook_.previous_secret();
  }

 private:
  // Sleeps until `timeout`, a new change or Stop(); false once stopped.
  bool Wait(absl::Duration timeout, int64_t seen) {
    absl::MutexLock lock(&mu_);
    // Await evaluates the condition with mu_ held.
    const auto wake = [this, seen] {
      mu_.AssertHeld();
      return stop_ || generation_ != seen;
    };
    mu_.AwaitWithTimeout(absl::Condition(&wake), timeout);
    return !stop_;
  }
  bool WaitForStop(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stop_), timeout);
    return !stop_;
  }
  int64_t generation() {
    absl::MutexLock lock(&mu_);
    return generation_;
  }
  bool stopped() {
    absl::MutexLock lock(&mu_);
    return stop_;
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

  void Run() {
    std::string saved = hook_.cursor();  // last change acknowledged with a 2xx
    std::string scan = saved;            // last change looked at
    std::deque<ChangePtr> queue;
    absl::Duration backoff = owner_.options_.first_retry;
    int attempt = 0;
    int failures = hook_.consecutive_failures();
    while (!stopped()) {
      if (queue.empty()) {
        const int64_t seen = generation();
        absl::StatusOr<std::vector<ChangePtr>> batch = owner_.reader_.Read(scan, 200);
        if (!batch.ok()) {
          if (absl::IsFailedPrecondition(batch.status())) {
            Record(v1::Delivery(),
                   absl::StrCat("changes after ", scan,
                                " left the store's history before they could be delivered"));
            break;
          }
          if (!Wait(absl::Seconds(1), seen)) break;
          continue;
        }
        if (batch->empty()) {
          if (!Wait(absl::Seconds(1), seen)) break;
          continue;
        }
        for (const ChangePtr& c : *batch) {
          scan = c->cursor();
          // A webhook sees as its organization sees (its own sources' alarms).
          if (ChangeMatches(*c, hook_.filter(), Viewer{hook_.organization()})) queue.push_back(c);
        }
        continue;
      }
      const ChangePtr change = queue.front();
      ++attempt;
      const WebhookPostResult post =
          owner_.poster_.Post(hook_.url(), Secrets(), change->cursor(), WebhookBody(*change));
      v1::Delivery delivery;
      delivery.set_message_id(change->cursor());
      delivery.set_attempt(attempt);
      delivery.set_attempted_at_ms(absl::ToUnixMillis(owner_.clock_.Now()));
      delivery.set_http_status(post.http_status);
      delivery.set_error(post.error);
      delivery.set_duration_ms(static_cast<int>(absl::ToInt64Milliseconds(post.duration)));
      const bool ok = post.http_status >= 200 && post.http_status < 300;
      if (ok) {
        internal::AdvanceWebhookCursorRequest advance;
        advance.set_id(hook_.id());
        advance.set_expected_cursor(saved);
        advance.set_cursor(change->cursor());
        absl::StatusOr<v1::Webhook> moved =
            owner_.store_.Call(&internal::Store::StubInterface::AdvanceWebhookCursor, advance);
        if (!moved.ok()) {
          // ABORTED: someone else moved the cursor (a second publish, a
          // reset); NOT_FOUND: deleted. Either way the dispatcher's next
          // refresh decides; this worker stops. UNAVAILABLE: retry.
          if (!absl::IsUnavailable(moved.status())) break;
          if (!WaitForStop(backoff)) break;
          continue;
        }
        ++owner_.counters_.delivered;
        saved = change->cursor();
        queue.pop_front();
        attempt = 0;
        backoff = owner_.options_.first_retry;
      } else {
        ++owner_.counters_.failed;
      }
      // One record per attempt; the one that crosses a limit also disables.
      failures = ok ? 0 : failures + 1;
      std::string disable;
      if (post.http_status == 410) {
        disable = "the receiver answered 410 Gone";
      } else if (failures >= owner_.options_.max_failures) {
        disable = absl::StrCat(
            failures, " failed deliveries in a row; last: ",
            post.http_status != 0 ? absl::StrCat("HTTP ", post.http_status) : post.error);
      }
      Record(delivery, disable);
      if (!disable.empty()) break;
      if (ok) continue;
      // A receiver asking for time (429 or 503 with Retry-After) gets it.
      if (!WaitForStop(std::max(backoff, post.retry_after))) break;
      backoff = std::min(backoff * 2, owner_.options_.max_retry);
    }
    finished_ = true;
  }

  // The new secret first, and during a rotation's overlap the old one.
  std::vector<std::string> Secrets() const {
    std::vector<std::string> secrets = {hook_.secret()};
    if (!hook_.previous_secret().empty()) secrets.push_back(hook_.previous_secret());
    return secrets;
  }

  WebhookDispatcher& owner_;
  const v1::Webhook hook_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

WebhookDispatcher::WebhookDispatcher(StoreClient& store, ChangeReader& reader,
                                     WebhookPoster& poster, const Clock& clock,
                                     WebhookOptions options)
    : store_(store),
      reader_(reader),
      poster_(poster),
      clock_(clock),
      options_(std::move(options)) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Start() {
  listener_ = reader_.log().AddListener([this] {
    absl::MutexLock lock(&mu_);
    for (auto& [id, worker] : workers_) worker->Wake();
  });
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
  absl::flat_hash_map<std::string, std::unique_ptr<Worker>> workers;
  {
    absl::MutexLock lock(&mu_);
    workers.swap(workers_);
  }
  for (auto& [id, worker] : workers) worker->Stop();
  workers.clear();  // joins
}

void WebhookDispatcher::Refresh() {
  absl::MutexLock lock(&mu_);
  refresh_requested_ = true;
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
  std::vector<std::unique_ptr<Worker>> retired;
  bool rotated = false;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = workers_.begin(); it != workers_.end();) {
      auto hook = wanted.find(it->first);
      const bool gone = hook == wanted.end();
      // A rotated secret: the worker stops and, once it has (no POST of the
      // old worker may land after one of the new), the next Sync starts
      // another from the stored cursor.
      const bool changed = !gone && it->second->SignsDifferently(*hook->second);
      if (changed) {
        rotated = true;
        wanted.erase(hook);
      }
      if (changed || gone || it->second->finished()) {
        it->second->Stop();
        retired.push_back(std::move(it->second));
        workers_.erase(it++);
      } else {
        ++it;
      }
    }
    for (const auto& [id, hook] : wanted) {
      if (!workers_.contains(id)) workers_[id] = std::make_unique<Worker>(*this, *hook);
    }
  }
  retired.clear();  // joins outside the lock (a POST in flight may take its timeout)
  if (rotated) Refresh();
}

}  // namespace babillard::publish
