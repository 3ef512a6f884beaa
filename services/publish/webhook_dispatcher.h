#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/common/client/store_client.h"
#include "services/common/clock.h"
#include "services/common/work_queue.h"
#include "services/publish/change_reader.h"
#include "services/publish/webhook_sender.h"

namespace babillard::publish {

struct WebhookOptions {
  // How often the list of webhooks is re-read from the store.
  absl::Duration refresh = absl::Seconds(2);
  // Retry delays double from `first_retry` up to `max_retry`.
  absl::Duration first_retry = absl::Seconds(1);
  absl::Duration max_retry = absl::Minutes(10);
  // Failed attempts in a row after which a webhook is disabled.
  int max_failures = 15;
  // Deliveries made at once, however many webhooks there are. A receiver
  // that hangs holds one for its timeout: enough that a few such do not
  // hold up every other organization's deliveries.
  int delivery_threads = 32;
};

struct WebhookCounters {
  std::atomic<int64_t> delivered{0}, failed{0}, disabled{0};
};

// Delivers every matching change to every enabled webhook: one worker per
// webhook, in cursor order, each change until a 2xx (at least once), the
// webhook's cursor saved in the store only after that 2xx, so a restart
// resends at most the change in flight and never skips or reorders one.
// Retries back off exponentially; a 410 or `max_failures` failures in a row
// disable the webhook with the reason, which the CLI shows. A worker is a
// state, not a thread: its steps (read the next changes, make one attempt)
// run on `delivery_threads` threads, one step of a webhook at a time, and
// between steps it waits on a timer or for the next change, holding none.
class WebhookDispatcher {
 public:
  WebhookDispatcher(StoreClient& store, ChangeReader& reader, WebhookPoster& poster,
                    const Clock& clock, WebhookOptions options);
  ~WebhookDispatcher();
  void Start();
  void Stop();
  // Re-reads the webhooks now (after one was created or deleted).
  void Refresh();
  const WebhookCounters& counters() const { return counters_; }

 private:
  class Worker;
  void Run();
  void Sync();
  // Runs the worker's next step at `at` (now: at once) unless it has been
  // scheduled again since (`epoch`).
  void Schedule(std::shared_ptr<Worker> worker, uint64_t epoch, absl::Time at);
  void RunTimers();

  StoreClient& store_;
  ChangeReader& reader_;
  WebhookPoster& poster_;
  const Clock& clock_;
  const WebhookOptions options_;
  WebhookCounters counters_;
  uint64_t listener_ = 0;
  absl::Notification stop_;
  absl::Mutex mu_;
  bool refresh_requested_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, std::shared_ptr<Worker>> workers_ ABSL_GUARDED_BY(mu_);
  // Stopped workers whose last step may still run: their webhook gets a new
  // worker only once they are done (no POST of the old after one of the new).
  std::vector<std::shared_ptr<Worker>> retiring_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;

  absl::Mutex timers_mu_;
  std::multimap<absl::Time, std::pair<std::shared_ptr<Worker>, uint64_t>> timers_
      ABSL_GUARDED_BY(timers_mu_);
  absl::CondVar timers_changed_;  // an earlier timer, or Stop
  bool timers_stopped_ ABSL_GUARDED_BY(timers_mu_) = false;
  std::thread timer_thread_;
  WorkQueue pool_;  // after what its steps use
};

}  // namespace babillard::publish
