// The durability drill of issue #3, with the real babillard-store binary and
// its private redis-server (AOF, appendfsync always): clients write while
// redis-server, then the store itself, are killed with SIGKILL. Every write
// acknowledged is there after the restarts, and Watch from the last cursor
// each client saw replays without gap or duplicate.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "babillard/internal/store.grpc.pb.h"
#include "services/store/redis_event_store.h"
#include "tests/testing/child_process.h"

namespace babillard {
namespace {

class StoreDrill : public ::testing::Test {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    dir_ = testing::MakeTempDir("babillard-drill");
    StartStore();
  }
  void TearDown() override {
    if (HasFailure()) {
      std::ifstream log(dir_ + "/store.log");
      std::cerr << "--- store.log ---\n" << log.rdbuf() << "\n";
    }
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void StartStore() {
    std::filesystem::remove(dir_ + "/ready");
    store_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{BABILLARD_STORE_BIN, "--data-dir=" + dir_ + "/data",
                                 "--listen=unix:" + dir_ + "/store.sock",
                                 "--ready-file=" + dir_ + "/ready"},
        dir_ + "/store.log");
    ASSERT_TRUE(store_->Start().ok());
    ASSERT_TRUE(store_->WaitForFile(dir_ + "/ready", absl::Seconds(20)).ok());
    std::lock_guard<std::mutex> lock(channel_mu_);
    channel_ =
        grpc::CreateChannel("unix:" + dir_ + "/store.sock", grpc::InsecureChannelCredentials());
    stub_ = internal::Store::NewStub(channel_);
  }
  // pid of the store's private redis-server.
  pid_t RedisPid() {
    std::ifstream children(
        absl::StrCat("/proc/", store_->pid(), "/task/", store_->pid(), "/children"));
    pid_t pid = 0;
    children >> pid;
    return pid;
  }
  v1::Event MakeEvent(const std::string& uid) {
    v1::Event e;
    e.set_uid(uid);
    e.set_organization("drill");
    e.mutable_title()->set_fr("Exercice " + uid);
    e.mutable_start()->set_local("2026-01-10T10:00:00");
    e.mutable_start()->set_time_zone("UTC");
    e.mutable_start()->set_utc_seconds(1768039200);
    *e.mutable_end() = e.start();
    return e;
  }
  // All changes after `from`, read until `count` arrived or 15 s passed.
  std::vector<v1::Change> WatchFrom(const std::string& from, size_t count) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
    internal::WatchRequest request;
    request.set_from_cursor(from);
    auto reader = stub_->Watch(&context, request);
    std::vector<v1::Change> changes;
    internal::WatchResponse response;
    while (changes.size() < count && reader->Read(&response)) {
      if (response.has_change()) changes.push_back(response.change());
    }
    context.TryCancel();
    return changes;
  }

  std::string dir_;
  std::unique_ptr<testing::ChildProcess> store_;
  std::mutex channel_mu_;  // clients keep writing while the store restarts
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<internal::Store::Stub> stub_;
};

TEST_F(StoreDrill, AcknowledgedWritesSurviveSigkillOfRedisAndOfTheStore) {
  constexpr int kClients = 4;
  constexpr int kPerClient = 150;
  std::mutex mu;
  std::map<std::string, std::string> acked;  // uid -> cursor
  std::vector<std::string> last_cursor(kClients);
  std::atomic<int> unavailable{0};
  std::atomic<bool> restarting{false};
  auto client = [&](int id) {
    for (int i = 0; i < kPerClient; ++i) {
      const std::string uid = absl::StrCat("c", id, "-", i);
      // Idempotent retry: the same uid and bytes, until acknowledged.
      for (const absl::Time deadline = absl::Now() + absl::Seconds(60); absl::Now() < deadline;) {
        while (restarting) absl::SleepFor(absl::Milliseconds(10));
        std::shared_ptr<grpc::Channel> channel;
        {
          std::lock_guard<std::mutex> lock(channel_mu_);
          channel = channel_;
        }
        auto stub = internal::Store::NewStub(channel);
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
        internal::PutEventRequest request;
        *request.mutable_event() = MakeEvent(uid);
        internal::PutEventResponse response;
        grpc::Status status = stub->PutEvent(&context, request, &response);
        if (status.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          // A retry of a write that landed reports "unchanged" and no cursor.
          if (!response.cursor().empty()) last_cursor[id] = response.cursor();
          acked[uid] = response.cursor();
          break;
        }
        ASSERT_TRUE(status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                    status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
            << status.error_message();
        ++unavailable;
        absl::SleepFor(absl::Milliseconds(20));
      }
    }
  };
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) clients.emplace_back(client, i);
  auto wait_for_acks = [&](size_t n) {
    for (const absl::Time deadline = absl::Now() + absl::Seconds(30); absl::Now() < deadline;) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (acked.size() >= n) return;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
  };
  wait_for_acks(150);
  const pid_t redis = RedisPid();
  ASSERT_GT(redis, 0);
  kill(redis, SIGKILL);  // the store restarts its redis-server from the AOF
  wait_for_acks(350);
  restarting = true;
  store_->Kill(SIGKILL);  // its redis-server dies with it (PDEATHSIG)
  StartStore();
  restarting = false;
  for (auto& t : clients) t.join();

  ASSERT_EQ(acked.size(), static_cast<size_t>(kClients * kPerClient));
  for (const auto& [uid, cursor] : acked) {
    grpc::ClientContext context;
    internal::GetEventRequest request;
    request.set_uid(uid);
    internal::StoredEvent event;
    ASSERT_TRUE(stub_->GetEvent(&context, request, &event).ok())
        << uid << " was acknowledged, then lost";
  }
  // The whole history: one CREATED per uid, cursors strictly increasing.
  std::vector<v1::Change> all = WatchFrom("0-0", acked.size());
  ASSERT_EQ(all.size(), acked.size());
  std::set<std::string> seen;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_TRUE(seen.insert(all[i].event().uid()).second)
        << "duplicate change for " << all[i].event().uid();
    EXPECT_EQ(all[i].kind(), v1::Change::KIND_CREATED);
    if (i > 0) {
      EXPECT_LT(CompareCursors(all[i - 1].cursor(), all[i].cursor()), 0);
    }
  }
  // From each client's last cursor: exactly the suffix of the history.
  for (int c = 0; c < kClients; ++c) {
    size_t position = 0;
    while (position < all.size() && all[position].cursor() != last_cursor[c]) ++position;
    ASSERT_LT(position, all.size()) << "client " << c << "'s cursor is not in the history";
    const size_t expected = all.size() - position - 1;
    std::vector<v1::Change> suffix = WatchFrom(last_cursor[c], expected);
    ASSERT_EQ(suffix.size(), expected);
    for (size_t i = 0; i < expected; ++i)
      EXPECT_EQ(suffix[i].cursor(), all[position + 1 + i].cursor());
  }
  EXPECT_EQ(store_->Stop(absl::Seconds(30)), 0) << "SIGTERM is a clean exit";
  std::cerr << "drill: " << acked.size() << " acknowledged, " << unavailable
            << " calls refused during the kills, 0 lost\n";
}

}  // namespace
}  // namespace babillard
