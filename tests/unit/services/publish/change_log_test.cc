#include "services/publish/change_log.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace babillard::publish {
namespace {

ChangePtr Change(int64_t ms, int seq = 0) {
  auto c = std::make_shared<v1::Change>();
  c->set_cursor(absl::StrCat(ms, "-", seq));
  c->set_committed_at_ms(ms);
  c->mutable_event()->set_uid(absl::StrCat("e", ms, "-", seq));
  return c;
}

std::vector<std::string> Cursors(const ChangeLog::Slice& s) {
  std::vector<std::string> out;
  for (const ChangePtr& c : s.changes) out.push_back(c->cursor());
  return out;
}

TEST(ChangeLog, ReadsAfterACursorComparedAsNumbersNotText) {
  ChangeLog log;
  log.Reset("998-0");
  for (int64_t ms : {999, 1000, 1001}) log.Append(Change(ms));
  // "999-0" > "1000-0" as text: the log must compare the numbers.
  EXPECT_EQ(Cursors(log.Read("999-0", 10)), (std::vector<std::string>{"1000-0", "1001-0"}));
  ChangeLog::Slice s = log.Read("998-0", 2);
  EXPECT_EQ(Cursors(s), (std::vector<std::string>{"999-0", "1000-0"}));
  EXPECT_EQ(s.behind, 3u);
  EXPECT_TRUE(log.Read("1001-0", 10).changes.empty());
  EXPECT_EQ(log.head(), "1001-0");
}

TEST(ChangeLog, ACursorBeforeTheLogIsTooOldAndEvictionMovesTheStart) {
  ChangeLog log(3);
  log.Reset("10-0");
  EXPECT_TRUE(log.Read("9-5", 10).too_old);
  EXPECT_FALSE(log.Read("10-0", 10).too_old);
  for (int64_t ms = 11; ms <= 15; ++ms) log.Append(Change(ms));
  // Holds 13, 14, 15: after 12 is still complete, after 11 is not.
  EXPECT_FALSE(log.Read("12-0", 10).too_old);
  EXPECT_EQ(Cursors(log.Read("12-0", 10)), (std::vector<std::string>{"13-0", "14-0", "15-0"}));
  EXPECT_TRUE(log.Read("11-0", 10).too_old);
}

TEST(ChangeLog, IgnoresRepeatedOrOlderChangesAndWakesListeners) {
  ChangeLog log;
  log.Reset("1-0");
  int wakes = 0;
  const uint64_t id = log.AddListener([&] { ++wakes; });
  log.Append(Change(2));
  log.Append(Change(2));  // the store's at-least-once after a reconnect
  log.Append(Change(1, 5));
  EXPECT_EQ(log.Read("1-0", 10).changes.size(), 1u);
  EXPECT_EQ(wakes, 1);
  log.RemoveListener(id);
  log.Append(Change(3));
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(log.OldestAfter("2-0"), 3);
  EXPECT_EQ(log.OldestAfter("3-0"), 0);
}

TEST(ChangeLog, NothingBeforeTheFirstSnapshot) {
  ChangeLog log;
  EXPECT_FALSE(log.ready());
  ChangeLog::Slice s = log.Read("", 10);
  EXPECT_FALSE(s.too_old);
  EXPECT_TRUE(s.changes.empty());
}

}  // namespace
}  // namespace babillard::publish
