#pragma once

#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace babillard {

// Runs a task at once and then every `period` on a thread of its own, until
// Stop() (which waits for a run in progress). For the loops that keep an
// in-memory copy of something the store holds.
class Periodic {
 public:
  Periodic() = default;
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;
  ~Periodic() { Stop(); }

  // Once per object.
  void Start(absl::Duration period, std::function<void()> task);
  void Stop();

 private:
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace babillard
