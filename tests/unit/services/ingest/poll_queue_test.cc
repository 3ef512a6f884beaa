#include "services/ingest/poll_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace babillard::ingest {
namespace {

using ::testing::ElementsAre;

v1::Source Source(const std::string& organization, int n) {
  v1::Source s;
  s.set_id(organization + "-" + std::to_string(n));
  s.set_organization(organization);
  return s;
}

std::vector<std::string> TakeAll(PollQueue& queue, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back(queue.Take()->id());
  return ids;
}

TEST(PollQueue, OrganizationsTakeTurnsWhateverTheirNumberOfSources) {
  PollQueue queue;
  for (int i = 1; i <= 4; ++i) queue.Add(Source("flood", i));
  queue.Add(Source("club", 1));
  queue.Add(Source("biblio", 1));
  // Before: the sources one after another, club and biblio after all of flood's.
  EXPECT_THAT(TakeAll(queue, 6),
              ElementsAre("flood-1", "club-1", "biblio-1", "flood-2", "flood-3", "flood-4"));
}

TEST(PollQueue, ALateSourceWaitsForOneTurnNotForTheOthersBacklog) {
  PollQueue queue;
  for (int i = 1; i <= 5; ++i) queue.Add(Source("flood", i));
  EXPECT_EQ(queue.Take()->id(), "flood-1");
  queue.Add(Source("club", 1));
  EXPECT_THAT(TakeAll(queue, 3), ElementsAre("flood-2", "club-1", "flood-3"));
}

TEST(PollQueue, ASourceIsQueuedOnceUntilItsPollIsDone) {
  PollQueue queue;
  EXPECT_TRUE(queue.Add(Source("club", 1)));
  EXPECT_FALSE(queue.Add(Source("club", 1))) << "still waiting";
  EXPECT_EQ(queue.Take()->id(), "club-1");
  EXPECT_FALSE(queue.Add(Source("club", 1))) << "being polled";
  queue.Done("club-1");
  EXPECT_TRUE(queue.Add(Source("club", 1)));
}

TEST(PollQueue, CloseWakesEveryWaitingTaker) {
  PollQueue queue;
  std::vector<std::thread> takers;
  std::atomic<int> woken = 0;
  for (int i = 0; i < 3; ++i) {
    takers.emplace_back([&] {
      if (!queue.Take().has_value()) ++woken;
    });
  }
  queue.Close();
  for (std::thread& t : takers) t.join();
  EXPECT_EQ(woken, 3);
  EXPECT_FALSE(queue.Add(Source("club", 1)));
}

}  // namespace
}  // namespace babillard::ingest
