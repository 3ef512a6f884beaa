#include "services/common/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace babillard {
namespace {

TEST(GroupCommit, ALoneCallerRunsAloneAndAtOnce) {
  int groups = 0;
  GroupCommit<int, int> commit(8, [&](const std::vector<const int*>& items) {
    ++groups;
    EXPECT_EQ(items.size(), 1u);
    return std::vector<int>{*items[0] * 10};
  });
  EXPECT_EQ(commit.Submit(4), 40);
  EXPECT_EQ(commit.Submit(5), 50);
  EXPECT_EQ(groups, 2);
}

TEST(GroupCommit, CallersWaitingDuringAGroupRideTogetherAndEachGetsItsOwnResult) {
  // The first group blocks until every other caller has queued: they must
  // then go in one group (at most max_group), each with its own answer.
  constexpr int kCallers = 12;
  std::atomic<int> queued{0};
  absl::Notification first_running, release;
  std::vector<size_t> sizes;  // written by one leader at a time, read after the joins
  GroupCommit<std::string, std::string> commit(8,
                                               [&](const std::vector<const std::string*>& items) {
                                                 sizes.push_back(items.size());
                                                 if (sizes.size() == 1) {
                                                   first_running.Notify();
                                                   release.WaitForNotification();
                                                 }
                                                 std::vector<std::string> out;
                                                 for (const std::string* s : items)
                                                   out.push_back("done " + *s);
                                                 return out;
                                               });
  std::vector<std::string> results(kCallers + 1);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { results[0] = commit.Submit("first"); });
  first_running.WaitForNotification();
  for (int i = 1; i <= kCallers; ++i) {
    threads.emplace_back([&, i] {
      ++queued;
      results[i] = commit.Submit(std::to_string(i));
    });
  }
  while (queued < kCallers) absl::SleepFor(absl::Milliseconds(1));
  absl::SleepFor(absl::Milliseconds(50));  // let the last ones reach the queue
  release.Notify();
  for (auto& t : threads) t.join();
  EXPECT_EQ(results[0], "done first");
  for (int i = 1; i <= kCallers; ++i) EXPECT_EQ(results[i], "done " + std::to_string(i));
  ASSERT_EQ(sizes.size(), 3u);
  EXPECT_EQ(sizes[0], 1u);
  EXPECT_EQ(sizes[1], 8u) << "bounded by max_group";
  EXPECT_EQ(sizes[2], 4u);
}

}  // namespace
}  // namespace babillard
