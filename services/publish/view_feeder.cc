#include "services/publish/view_feeder.h"

#include <cstdio>

#include "absl/time/clock.h"
#include "services/common/log.h"

namespace babillard::publish {

void ViewFeeder::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ViewFeeder::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  {
    absl::MutexLock lock(&mu_);
    if (active_ != nullptr) active_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

void ViewFeeder::Run() {
  absl::Duration backoff = absl::Milliseconds(100);
  while (!stop_.HasBeenNotified()) {
    grpc::ClientContext context;
    if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
    {
      absl::MutexLock lock(&mu_);
      active_ = &context;
    }
    internal::WatchRequest request;
    const std::string cursor = view_.cursor();
    const bool snapshot = !view_.ready() || cursor.empty();
    request.set_snapshot(snapshot);
    if (!snapshot) request.set_from_cursor(cursor);
    auto reader = stub_->Watch(&context, request);
    std::vector<EventPtr> pending;
    bool in_snapshot = snapshot;
    internal::WatchResponse response;
    while (reader->Read(&response)) {
      backoff = absl::Milliseconds(100);
      if (in_snapshot) {
        if (response.has_change()) {
          pending.push_back(std::make_shared<const ServedEvent>(
              std::make_shared<const v1::Change>(std::move(*response.mutable_change()))));
        }
        if (response.snapshot_done()) {
          view_.Reset(std::move(pending), response.cursor());
          if (log_ != nullptr) log_->Reset(response.cursor());
          pending.clear();
          in_snapshot = false;
        }
        continue;
      }
      if (!response.has_change()) continue;
      auto change = std::make_shared<const v1::Change>(std::move(*response.mutable_change()));
      EventPtr served;
      if (change->kind() != v1::Change::KIND_DELETED && change->has_event()) {
        served = std::make_shared<const ServedEvent>(change);
      }
      view_.Apply(*change, std::move(served));
      if (log_ != nullptr) log_->Append(std::move(change));
    }
    grpc::Status status = reader->Finish();
    {
      absl::MutexLock lock(&mu_);
      active_ = nullptr;
    }
    if (stop_.HasBeenNotified()) return;
    if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      // Our cursor fell out of the store's history: take a new snapshot.
      view_.ForgetCursor();
      continue;
    }
    log::Warn("store watch ended; retrying",
              {{"error", status.error_message()}, {"in", absl::FormatDuration(backoff)}});
    stop_.WaitForNotificationWithTimeout(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
}

}  // namespace babillard::publish
