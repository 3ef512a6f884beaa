#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/common/client/store_client.h"
#include "services/common/clock.h"
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
};

struct WebhookCounters {
  std::atomic<int64_t> delivered{0}, failed{0}, disabled{0};
};

// Delivers every matching change to every enabled webhook: one worker per
// webhook, in cursor order, each change until a 2xx (at least once), the
// webhook's cursor saved in the store only after that 2xx, so a restart
// resends at most the change in flight and never skips or reorders one.
// Retries back off exponentially; a 410 or `max_failures` failures in a row
// disable the webhook with the reason, which the CLI shows.
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
  absl::flat_hash_map<std::string, std::unique_ptr<Worker>> workers_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace babillard::publish
