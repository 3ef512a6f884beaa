#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace babillard::publish {

// How many connections publish keeps open, in all and from one address:
// past either, a new connection is closed at once, so that idle or slow
// sockets from a few addresses cannot use up the file descriptors that the
// feeds, /healthz and Subscribe need. Thread-safe.
class ConnectionLimits {
 public:
  ConnectionLimits(size_t max_total, size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  // Held by a connection for its lifetime; its destruction frees the slot.
  class Slot {
   public:
    Slot(ConnectionLimits& limits, std::string address)
        : limits_(limits), address_(std::move(address)) {}
    ~Slot() { limits_.Release(address_); }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    ConnectionLimits& limits_;
    const std::string address_;
  };

  // A slot for a connection from `address`, or null when over a cap.
  std::unique_ptr<Slot> Acquire(const std::string& address);

  size_t open() const;
  int64_t refused() const;

 private:
  void Release(const std::string& address);

  const size_t max_total_, max_per_address_;
  mutable absl::Mutex mu_;
  size_t open_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t refused_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, size_t> by_address_ ABSL_GUARDED_BY(mu_);
};

// The connection cap that fits the process's file descriptor limit (raised
// to its hard limit first), keeping `reserve` for everything else.
size_t ConnectionCapForDescriptors(size_t wanted, size_t reserve);

}  // namespace babillard::publish
