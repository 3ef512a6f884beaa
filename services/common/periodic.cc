#include "services/common/periodic.h"

#include <utility>

namespace babillard {

void Periodic::Start(absl::Duration period, std::function<void()> task) {
  thread_ = std::thread([this, period, task = std::move(task)] {
    do {
      task();
    } while (!stop_.WaitForNotificationWithTimeout(period));
  });
}

void Periodic::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace babillard
