#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "babillard/v1/event.pb.h"
#include "services/common/clock.h"
#include "services/common/work_queue.h"
#include "services/publish/change_filter.h"
#include "services/publish/change_reader.h"
#include "services/publish/connection_limits.h"

namespace babillard::publish {

struct SubscriptionOptions {
  // A subscriber whose next change has waited this long for it to read is
  // dropped (RESOURCE_EXHAUSTED); it resumes from its last cursor. Checked
  // on every change and by a timer (ChangeLog::Poke), so that a stream that
  // stops reading is dropped even when nothing changes.
  absl::Duration max_lag = absl::Seconds(30);
  // Where catch-ups from the store run: a few threads for every subscriber,
  // however many arrive with an old cursor at once. Required.
  WorkQueue* catch_up = nullptr;
  // Changes taken from the log at a time (the subscriber's own buffer).
  size_t batch = 256;
  // What measures the lag.
  const Clock* clock = &Clock::Real();
};

// One Subscribe stream (callback API). It follows the shared ChangeLog from
// its cursor, sends the changes that pass its filter one write at a time,
// and catches up from the store first when its cursor is older than the log.
// A subscriber never holds up the others: the log is shared, its own buffer
// is `batch` pointers, and one that stops reading is dropped.
class Subscription : public grpc::ServerWriteReactor<v1::Change>,
                     public std::enable_shared_from_this<Subscription> {
 public:
  // Starts the stream; gRPC owns it until OnDone.
  // `slot` counts the stream among the open ones until it is done.
  static grpc::ServerWriteReactor<v1::Change>* Start(
      ChangeReader& reader, v1::Filter filter, std::string cursor, SubscriptionOptions options,
      std::unique_ptr<ConnectionLimits::Slot> slot = nullptr, Viewer viewer = {});

  Subscription(ChangeReader& reader, v1::Filter filter, std::string cursor,
               SubscriptionOptions options, Viewer viewer = {})
      : reader_(reader),
        filter_(std::move(filter)),
        viewer_(std::move(viewer)),
        options_(options),
        cursor_(std::move(cursor)) {}

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void Notify();
  void Pump() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Refill() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CatchUp();
  void Take(const std::vector<ChangePtr>& changes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void End(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ChangeReader& reader_;
  const v1::Filter filter_;
  const Viewer viewer_;
  const SubscriptionOptions options_;
  std::shared_ptr<Subscription> self_;  // released in OnDone
  std::unique_ptr<ConnectionLimits::Slot> slot_;
  uint64_t listener_ = 0;

  absl::Mutex mu_;
  std::string cursor_ ABSL_GUARDED_BY(mu_);  // last change taken from the log or store
  std::deque<ChangePtr> pending_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time write_started_ ABSL_GUARDED_BY(mu_);
  bool catching_up_ ABSL_GUARDED_BY(mu_) = false;
  bool live_ ABSL_GUARDED_BY(mu_) = false;  // has reached the head of the log once
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace babillard::publish
