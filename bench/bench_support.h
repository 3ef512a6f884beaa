#pragma once

// What the service benchmarks share: a file's bytes, and the real store and
// ingest started on unix sockets in a temporary directory.
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "services/common/files.h"
#include "tests/testing/child_process.h"

namespace babillard::bench {

// A benchmark's input: a missing file is an empty one (the bench then says so).
inline std::string ReadFile(const std::string& path) {
  absl::StatusOr<std::string> bytes = babillard::ReadFile(path, size_t{1} << 30);
  return bytes.ok() ? *bytes : std::string();
}

// store.sock and ingest.sock under `dir`; the admin token in dir/ingest/admin.token.
struct StoreAndIngest {
  std::unique_ptr<testing::ChildProcess> store, ingest;

  // False (with the services' logs under `dir`) if either does not come up.
  bool Start(const std::string& store_bin, const std::string& ingest_bin, const std::string& dir) {
    store = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{store_bin, "--data-dir=" + dir + "/store",
                                 "--listen=unix:" + dir + "/store.sock",
                                 "--ready-file=" + dir + "/store.ready"},
        dir + "/store.log");
    if (!store->Start().ok() || !store->WaitForFile(dir + "/store.ready", absl::Seconds(30)).ok())
      return false;
    ingest = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{ingest_bin, "--store=unix:" + dir + "/store.sock",
                                 "--listen=unix:" + dir + "/ingest.sock",
                                 "--data-dir=" + dir + "/ingest",
                                 "--ready-file=" + dir + "/ingest.ready", "--poll=false",
                                 // The bench measures throughput, not the per-organization policy.
                                 "--writes-per-second=0", "--imports-per-minute=0"},
        dir + "/ingest.log");
    return ingest->Start().ok() &&
           ingest->WaitForFile(dir + "/ingest.ready", absl::Seconds(30)).ok();
  }
  void Stop() {
    if (ingest) ingest->Stop();
    if (store) store->Stop();
  }
};

}  // namespace babillard::bench
