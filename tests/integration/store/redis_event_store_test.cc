// RedisEventStore against a real redis-server.
#include "services/store/redis_event_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "tests/testing/redis_fixture.h"

namespace babillard::store {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr int64_t kJuly1 = 1751400000;  // 2025-07-01T20:00:00Z

v1::Event MakeEvent(const std::string& uid, int64_t start = kJuly1,
                    const std::string& org = "biblio", const std::string& muni = "danville",
                    std::vector<std::string> cats = {"culture"}) {
  v1::Event e;
  e.set_uid(uid);
  e.set_organization(org);
  e.mutable_title()->set_fr("Titre " + uid);
  auto local = [](int64_t t) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(t), absl::UTCTimeZone());
  };
  e.mutable_start()->set_local(local(start));
  e.mutable_start()->set_time_zone("UTC");
  e.mutable_start()->set_utc_seconds(start);
  e.mutable_end()->set_local(local(start + 3600));
  e.mutable_end()->set_time_zone("UTC");
  e.mutable_end()->set_utc_seconds(start + 3600);
  e.mutable_location()->set_municipality(muni);
  for (const auto& c : cats) e.add_categories(c);
  e.set_status(v1::Event::STATUS_CONFIRMED);
  return e;
}

class RedisEventStoreTest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    RedisStoreOptions options;
    options.watch_block = absl::Milliseconds(100);
    options.batch = 3;  // small pages exercise the paging code
    Open(options);
  }
  void Open(RedisStoreOptions options) {
    auto store = RedisEventStore::Open(*pool_, options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  WriteResult PutOk(const v1::Event& e, Expect x = Expect::Any()) {
    auto r = store_->Put({e}, {x});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->front() : WriteResult();
  }
  int64_t StreamLength() { return Redis({"XLEN", "bab:changes"}).integer; }
  int64_t KeyCount() { return Redis({"DBSIZE"}).integer; }
  std::vector<std::string> Uids(const v1::Filter& filter) {
    std::vector<std::string> uids;
    std::string token;
    do {
      auto page = store_->Query(filter, 2, token);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const auto& e : page->events) uids.push_back(e.event().uid());
      token = page->next_page_token;
    } while (!token.empty());
    return uids;
  }
  // Collects changes from a watch until `count` arrived.
  std::vector<v1::Change> Collect(const std::string& from, bool snapshot, size_t count,
                                  std::string* snapshot_cursor = nullptr) {
    std::vector<v1::Change> changes;
    WatchSink sink;
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    sink.on_change = [&](const v1::Change& c) {
      changes.push_back(c);
      return changes.size() < count;
    };
    sink.on_snapshot_done = [&](const std::string& cursor) {
      if (snapshot_cursor) *snapshot_cursor = cursor;
      return changes.size() < count;
    };
    sink.on_heartbeat = [&](const std::string&) { return absl::Now() < deadline; };
    absl::Status status = store_->Watch(from, snapshot, sink);
    EXPECT_TRUE(status.ok()) << status;
    return changes;
  }

  std::unique_ptr<RedisEventStore> store_;
};

TEST_F(RedisEventStoreTest, PutThenGetKeepsEveryFieldAndBumpsTheVersion) {
  v1::Event e = MakeEvent("a");
  WriteResult first = PutOk(e);
  EXPECT_EQ(first.version, 1);
  EXPECT_EQ(first.kind, v1::Change::KIND_CREATED);
  EXPECT_FALSE(first.cursor.empty());
  e.mutable_title()->set_fr("Nouveau titre");
  WriteResult second = PutOk(e);
  EXPECT_EQ(second.version, 2);
  EXPECT_EQ(second.kind, v1::Change::KIND_UPDATED);
  EXPECT_LT(CompareCursors(first.cursor, second.cursor), 0);
  auto got = store_->Get("a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->event().title().fr(), "Nouveau titre");
  EXPECT_EQ(got->version(), 2);
}

TEST_F(RedisEventStoreTest, AnUnchangedWriteAddsNoVersionAndNoChange) {
  PutOk(MakeEvent("a"));
  const int64_t length = StreamLength();
  WriteResult again = PutOk(MakeEvent("a"));
  EXPECT_EQ(again.version, 1);
  EXPECT_EQ(again.kind, v1::Change::KIND_UNSPECIFIED);
  EXPECT_EQ(StreamLength(), length);
}

TEST_F(RedisEventStoreTest, CancellingIsItsOwnKindOfChange) {
  v1::Event e = MakeEvent("a");
  PutOk(e);
  e.set_status(v1::Event::STATUS_CANCELLED);
  EXPECT_EQ(PutOk(e).kind, v1::Change::KIND_CANCELLED);
}

TEST_F(RedisEventStoreTest, AStaleVersionIsAbortedAndCreateOnlyRefusesAnExistingUid) {
  PutOk(MakeEvent("a"));
  auto stale = store_->Put({MakeEvent("a", kJuly1 + 1)}, {Expect::Version(7)});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  auto exists = store_->Put({MakeEvent("a")}, {Expect::Absent()});
  EXPECT_EQ(exists.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(store_->Put({MakeEvent("a", kJuly1 + 2)}, {Expect::Version(1)}).ok());
}

TEST_F(RedisEventStoreTest, ABatchIsAllOrNothing) {
  PutOk(MakeEvent("a"));
  const int64_t keys = KeyCount(), length = StreamLength();
  auto r = store_->Put({MakeEvent("b"), MakeEvent("c"), MakeEvent("a", kJuly1 + 5)},
                       {Expect::Any(), Expect::Any(), Expect::Version(9)});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(KeyCount(), keys);
  EXPECT_EQ(StreamLength(), length);
  EXPECT_TRUE(absl::IsNotFound(store_->Get("b").status()));
}

// A failure injected between the steps of a write (an index key of the wrong
// type makes its SADD fail) must leave nothing half-written.
TEST_F(RedisEventStoreTest, AFailureInjectedBetweenStepsLeavesNothingWritten) {
  PutOk(MakeEvent("a"));
  Redis({"SET", "bab:idx:cat:sport", "not a set"});
  const int64_t keys = KeyCount(), length = StreamLength();
  v1::Event e = MakeEvent("a", kJuly1 + 60, "club", "wotton", {"culture", "sport"});
  auto r = store_->Put({MakeEvent("z"), e}, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  EXPECT_EQ(KeyCount(), keys);
  EXPECT_EQ(StreamLength(), length);
  auto a = store_->Get("a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->event().organization(), "biblio");
  EXPECT_EQ(a->version(), 1);
  EXPECT_EQ(Redis({"SISMEMBER", "bab:idx:org:club", "a"}).integer, 0);
  EXPECT_EQ(Redis({"SISMEMBER", "bab:idx:org:biblio", "a"}).integer, 1);
}

TEST_F(RedisEventStoreTest, TwoWritersRacingOnOneEventLoseNoUpdate) {
  PutOk(MakeEvent("race"));
  constexpr int kWrites = 50;
  std::atomic<int> aborted{0};
  auto writer = [&](int id) {
    for (int i = 0; i < kWrites;) {
      auto current = store_->Get("race");
      ASSERT_TRUE(current.ok());
      v1::Event e = current->event();
      e.mutable_title()->set_fr(absl::StrCat("writer ", id, " write ", i));
      auto r = store_->Put({e}, {Expect::Version(current->version())});
      if (r.ok()) {
        ++i;
      } else {
        ASSERT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
        ++aborted;
      }
    }
  };
  std::thread a(writer, 1), b(writer, 2);
  a.join();
  b.join();
  auto final = store_->Get("race");
  ASSERT_TRUE(final.ok());
  EXPECT_EQ(final->version(), 1 + 2 * kWrites);
  EXPECT_EQ(StreamLength(), 1 + 2 * kWrites);
}

TEST_F(RedisEventStoreTest, DeleteRemovesFromIndexesAndTellsWatchers) {
  PutOk(MakeEvent("a"));
  auto d = store_->Delete("a", Expect::Any());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->kind, v1::Change::KIND_DELETED);
  EXPECT_TRUE(absl::IsNotFound(store_->Get("a").status()));
  EXPECT_TRUE(absl::IsNotFound(store_->Delete("a", Expect::Any()).status()));
  EXPECT_EQ(Redis({"SCARD", "bab:idx:org:biblio"}).integer, 0);
  EXPECT_EQ(Redis({"ZCARD", "bab:idx:start"}).integer, 0);
  EXPECT_EQ(Redis({"ZCARD", "bab:idx:dup"}).integer, 0);
}

v1::Event Titled(const std::string& uid, const std::string& org, const std::string& title,
                 int64_t start = kJuly1) {
  v1::Event e = MakeEvent(uid, start, org);
  e.mutable_title()->set_fr(title);
  return e;
}

Expect Unique() {
  Expect x = Expect::Absent();
  x.unique = true;
  return x;
}

TEST_F(RedisEventStoreTest, AUniqueWriteIsRefusedWhenAnotherOrganizationHasTheSameStartAndTitle) {
  PutOk(Titled("biblio/a", "biblio", "Feux de la Saint-Jean"));
  auto refused = store_->Put({Titled("club/b", "club", "FEUX DE LA SAINT JEAN !")}, {Unique()});
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("possible duplicate of biblio/a"));
  EXPECT_TRUE(absl::IsNotFound(store_->Get("club/b").status())) << "a refused write writes nothing";
  // The same organization, another title, another start, or an English title
  // that matches nothing: no candidate.
  PutOk(Titled("biblio/c", "biblio", "Feux de la Saint-Jean"), Unique());
  PutOk(Titled("club/d", "club", "Marché de Noël"), Unique());
  PutOk(Titled("club/e", "club", "Feux de la Saint-Jean", kJuly1 + 60), Unique());
  // The English title counts too.
  v1::Event english = Titled("mairie/f", "mairie", "Bonfire");
  english.mutable_title()->set_en("Feux de la Saint Jean");
  EXPECT_EQ(store_->Put({english}, {Unique()}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Without the flag the write goes through (the caller applied the rule).
  PutOk(Titled("club/b", "club", "FEUX DE LA SAINT JEAN !"));
}

TEST_F(RedisEventStoreTest, TheDuplicateIndexFollowsUpdatesAndDeletes) {
  WriteResult a = PutOk(Titled("biblio/a", "biblio", "Concert"));
  v1::Event renamed = Titled("biblio/a", "biblio", "Conférence");
  PutOk(renamed, Expect::Version(a.version));
  PutOk(Titled("club/b", "club", "Concert"), Unique());
  EXPECT_EQ(store_->Put({Titled("club/c", "club", "Conference")}, {Unique()}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->Delete("biblio/a", Expect::Any()).ok());
  PutOk(Titled("club/c", "club", "Conference"), Unique());
  EXPECT_EQ(Redis({"ZCARD", "bab:idx:dup"}).integer, 2);
}

TEST_F(RedisEventStoreTest, TwoOrganizationsWritingTheSameEventAtOnceCannotBothPassTheCheck) {
  // The check and the write are one step: of two concurrent unique writes
  // of the same event, exactly one is refused, however they interleave.
  for (int round = 0; round < 20; ++round) {
    const int64_t start = kJuly1 + round * 3600;
    std::atomic<int> refused{0};
    auto writer = [&](const std::string& org) {
      auto r = store_->Put({Titled(absl::StrCat(org, "/", round), org, "Bal", start)}, {Unique()});
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
        ++refused;
      }
    };
    std::thread a(writer, "biblio"), b(writer, "club");
    a.join();
    b.join();
    EXPECT_EQ(refused, 1) << "round " << round;
  }
}

TEST_F(RedisEventStoreTest, PutEachWritesEveryEventOnItsOwn) {
  PutOk(Titled("biblio/a", "biblio", "Concert"));
  v1::Event no_org = Titled("x/none", "x", "Sans organisation");
  no_org.clear_organization();
  auto each = store_->PutEach(
      {Titled("club/a", "club", "Concert"), Titled("club/b", "club", "Atelier"),
       Titled("biblio/a", "biblio", "Autre"), no_org, Titled("mairie/c", "mairie", "Atelier")},
      {Unique(), Unique(), Expect::Absent(), Expect::Absent(), Unique()});
  ASSERT_TRUE(each.ok()) << each.status();
  ASSERT_EQ(each->size(), 5u);
  EXPECT_EQ((*each)[0].status().code(), absl::StatusCode::kFailedPrecondition)
      << "shares biblio/a's key";
  EXPECT_TRUE((*each)[1].ok());
  EXPECT_EQ((*each)[2].status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ((*each)[3].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*each)[4].status().code(), absl::StatusCode::kFailedPrecondition)
      << "club/b, written earlier in the same call, is seen";
  EXPECT_TRUE(absl::IsNotFound(store_->Get("club/a").status()));
  EXPECT_EQ(store_->Get("biblio/a")->event().title().fr(), "Concert");
  EXPECT_EQ(StreamLength(), 2);
}

TEST_F(RedisEventStoreTest, ADatabaseFromBeforeTheDuplicateIndexIsIndexedOnOpen) {
  PutOk(Titled("biblio/a", "biblio", "Concert"));
  PutOk(Titled("biblio/b", "biblio", "Atelier", kJuly1 + 60));
  // What an older store left: no index, no keys on the events, no marker.
  Redis({"DEL", "bab:idx:dup", "bab:meta:dup-index"});
  Redis({"HDEL", "bab:ev:biblio/a", "dk"});
  Redis({"HDEL", "bab:ev:biblio/b", "dk"});
  PutOk(Titled("club/a", "club", "Concert"), Unique());  // not indexed yet: let through
  ASSERT_TRUE(store_->Delete("club/a", Expect::Any()).ok());
  RedisStoreOptions options;
  options.batch = 1;  // one script call per event: exercises the batching
  Open(options);
  EXPECT_EQ(Redis({"GET", "bab:meta:dup-index"}).str, "1");
  EXPECT_EQ(Redis({"ZCARD", "bab:idx:dup"}).integer, 2);
  EXPECT_EQ(store_->Put({Titled("club/a", "club", "Concert")}, {Unique()}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      store_->Put({Titled("club/b", "club", "atelier", kJuly1 + 60)}, {Unique()}).status().code(),
      absl::StatusCode::kFailedPrecondition);
}

TEST_F(RedisEventStoreTest, QueriesByEveryDimensionInAStableOrder) {
  PutOk(MakeEvent("e3", kJuly1 + 300, "biblio", "danville", {"culture"}));
  PutOk(MakeEvent("e1", kJuly1 + 100, "club", "wotton", {"sport"}));
  PutOk(MakeEvent("e2", kJuly1 + 100, "club", "danville", {"sport", "culture"}));
  v1::Event cancelled = MakeEvent("e4", kJuly1 + 400, "mairie", "ham-sud", {"municipal"});
  cancelled.set_status(v1::Event::STATUS_CANCELLED);
  PutOk(cancelled);
  v1::Filter all;
  EXPECT_THAT(Uids(all), ElementsAre("e1", "e2", "e3", "e4"));  // (start, uid)
  v1::Filter f;
  f.add_organizations("club");
  EXPECT_THAT(Uids(f), ElementsAre("e1", "e2"));
  f = {};
  f.add_municipalities("danville");
  EXPECT_THAT(Uids(f), ElementsAre("e2", "e3"));
  f = {};
  f.add_categories("culture");
  EXPECT_THAT(Uids(f), ElementsAre("e2", "e3"));
  f = {};
  f.add_statuses(v1::Event::STATUS_CANCELLED);
  EXPECT_THAT(Uids(f), ElementsAre("e4"));
  f = {};
  f.add_categories("sport");
  f.add_municipalities("wotton");
  EXPECT_THAT(Uids(f), ElementsAre("e1"));
  f = {};
  f.set_from_seconds(kJuly1 + 250);
  f.set_to_seconds(kJuly1 + 350);
  EXPECT_THAT(Uids(f), ElementsAre("e1", "e2", "e3")) << "events still running at `from` count";
  f.set_from_seconds(kJuly1 + 3700 + 100);
  EXPECT_THAT(Uids(f), ElementsAre("e3")) << "e1 and e2 ended before the window";
}

TEST_F(RedisEventStoreTest, ByStartMatchesTheFirstStartOnly) {
  v1::Event weekly = MakeEvent("weekly", kJuly1);
  weekly.set_rrule("FREQ=WEEKLY;COUNT=4");
  PutOk(weekly);
  PutOk(MakeEvent("later", kJuly1 + 7 * 86400));
  v1::Filter f;
  f.set_by_start(true);
  f.set_from_seconds(kJuly1 + 7 * 86400);
  f.set_to_seconds(kJuly1 + 7 * 86400 + 1);
  EXPECT_THAT(Uids(f), ElementsAre("later"))
      << "the weekly event's 2nd occurrence is not its start";
}

TEST_F(RedisEventStoreTest, ARecurringEventIsInAWindowWhenOneOccurrenceIs) {
  v1::Event weekly = MakeEvent("weekly", kJuly1);
  weekly.set_rrule("FREQ=WEEKLY;COUNT=4");
  PutOk(weekly);
  PutOk(MakeEvent("once", kJuly1));
  v1::Filter f;
  f.set_from_seconds(kJuly1 + 14 * 86400 - 60);  // around the 3rd occurrence
  f.set_to_seconds(kJuly1 + 14 * 86400 + 60);
  EXPECT_THAT(Uids(f), ElementsAre("weekly"));
  f.set_from_seconds(kJuly1 + 2 * 86400);  // between occurrences: none
  f.set_to_seconds(kJuly1 + 3 * 86400);
  EXPECT_THAT(Uids(f), ElementsAre());
  f.set_from_seconds(kJuly1 + 40 * 86400);  // after the last
  f.set_to_seconds(kJuly1 + 50 * 86400);
  EXPECT_THAT(Uids(f), ElementsAre());
}

TEST_F(RedisEventStoreTest, PagesCoverEverythingOnceEvenWithEqualStarts) {
  std::set<std::string> want;
  for (int i = 0; i < 11; ++i) {
    PutOk(MakeEvent(absl::StrCat("p", i), kJuly1 + (i % 3)));
    want.insert(absl::StrCat("p", i));
  }
  std::vector<std::string> got = Uids(v1::Filter());
  EXPECT_EQ(got.size(), want.size());
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want);
}

TEST_F(RedisEventStoreTest, WatchResumesFromACursorWithoutGapOrDuplicate) {
  std::vector<std::string> cursors;
  for (int i = 0; i < 5; ++i) cursors.push_back(PutOk(MakeEvent(absl::StrCat("w", i))).cursor);
  std::vector<v1::Change> changes = Collect(cursors[1], false, 3);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].cursor(), cursors[2]);
  EXPECT_EQ(changes[1].cursor(), cursors[3]);
  EXPECT_EQ(changes[2].cursor(), cursors[4]);
  EXPECT_EQ(changes[2].event().uid(), "w4");
  EXPECT_EQ(changes[2].version(), 1);
  EXPECT_EQ(changes[2].kind(), v1::Change::KIND_CREATED);
}

TEST_F(RedisEventStoreTest, WatchSeesLiveChangesAfterTheSnapshotExactlyOnce) {
  PutOk(MakeEvent("s1"));
  PutOk(MakeEvent("s2"));
  std::vector<v1::Change> changes;
  absl::Notification snapshot_done;
  std::thread watcher([&] {
    WatchSink sink;
    sink.on_change = [&](const v1::Change& c) {
      changes.push_back(c);
      return changes.size() < 4;
    };
    sink.on_snapshot_done = [&](const std::string&) {
      snapshot_done.Notify();
      return true;
    };
    sink.on_heartbeat = [&](const std::string&) { return true; };
    EXPECT_TRUE(store_->Watch("", true, sink).ok());
  });
  snapshot_done.WaitForNotification();
  v1::Event s1 = MakeEvent("s1");
  s1.mutable_title()->set_fr("changed");
  PutOk(s1);
  PutOk(MakeEvent("s3"));
  watcher.join();
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_TRUE(changes[0].cursor().empty()) << "snapshot entries carry no cursor";
  std::set<std::string> snapshot = {changes[0].event().uid(), changes[1].event().uid()};
  EXPECT_EQ(snapshot, (std::set<std::string>{"s1", "s2"}));
  EXPECT_EQ(changes[2].event().uid(), "s1");
  EXPECT_EQ(changes[2].version(), 2);
  EXPECT_EQ(changes[3].event().uid(), "s3");
}

TEST_F(RedisEventStoreTest, AChangeCommittedDuringTheSnapshotIsStillStreamedAfterIt) {
  // publish's change log needs every change after the snapshot cursor, even
  // one the snapshot already shows (found by make drill: a webhook missed
  // writes committed while a restarted publish read its snapshot).
  for (int i = 0; i < 4; ++i) PutOk(MakeEvent(absl::StrCat("before", i)));
  std::vector<v1::Change> changes;
  bool wrote = false;
  WatchSink sink;
  sink.on_change = [&](const v1::Change& c) {
    changes.push_back(c);
    if (!wrote) {  // during the first snapshot page (batch = 3): lands in a later page
      wrote = true;
      v1::Event late = MakeEvent("zz-during");
      late.mutable_start()->set_utc_seconds(late.start().utc_seconds() + 86400 * 365);
      PutOk(late);
    }
    return !(c.event().uid() == "zz-during" && !c.cursor().empty());
  };
  sink.on_snapshot_done = [&](const std::string&) { return true; };
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  sink.on_heartbeat = [&](const std::string&) { return absl::Now() < deadline; };
  ASSERT_TRUE(store_->Watch("", true, sink).ok());
  int in_snapshot = 0, live = 0;
  for (const v1::Change& c : changes) {
    if (c.event().uid() != "zz-during") continue;
    (c.cursor().empty() ? in_snapshot : live) += 1;
  }
  EXPECT_EQ(in_snapshot, 1) << "the snapshot shows the write";
  EXPECT_EQ(live, 1) << "and the live phase still streams its change";
}

TEST_F(RedisEventStoreTest, DeletesDuringTheSnapshotPushNoOtherEventOutOfIt) {
  // batch = 3. Ties on start (c*) and distinct starts (d*), in one index.
  std::set<std::string> remaining;
  for (int i = 0; i < 5; ++i) {
    PutOk(MakeEvent(absl::StrCat("c", i)));
    PutOk(MakeEvent(absl::StrCat("d", i), kJuly1 + 60 * (i + 1)));
    remaining.insert({absl::StrCat("c", i), absl::StrCat("d", i)});
  }
  std::set<std::string> seen;
  int delivered = 0;
  WatchSink sink;
  sink.on_change = [&](const v1::Change& c) {
    if (!c.cursor().empty()) return false;
    seen.insert(c.event().uid());
    // After each page, delete what it delivered first and last: paging by
    // rank would then skip the next two events.
    if (++delivered % 3 == 0) {
      for (const char* uid : {"c0", "c2", "d0", "d2"}) {
        if (!seen.contains(uid)) continue;
        if (store_->Delete(uid, Expect::Any()).ok()) remaining.erase(uid);
      }
    }
    return true;
  };
  sink.on_snapshot_done = [&](const std::string&) { return false; };
  ASSERT_TRUE(store_->Watch("", true, sink).ok());
  for (const std::string& uid : remaining) EXPECT_TRUE(seen.contains(uid)) << uid << " skipped";
  EXPECT_GE(seen.size(), remaining.size());
}

TEST_F(RedisEventStoreTest, AQueryPageTokenStillWorksWhenItsEventIsGone) {
  for (int i = 0; i < 6; ++i) PutOk(MakeEvent(absl::StrCat("t", i)));
  auto first = store_->Query(v1::Filter(), 2, "");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->events.size(), 2u);
  ASSERT_TRUE(store_->Delete(first->events[1].event().uid(), Expect::Any()).ok());
  std::vector<std::string> rest;
  std::string token = first->next_page_token;
  while (!token.empty()) {
    auto page = store_->Query(v1::Filter(), 2, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& e : page->events) rest.push_back(e.event().uid());
    token = page->next_page_token;
  }
  EXPECT_THAT(rest, ElementsAre("t2", "t3", "t4", "t5"));
}

TEST_F(RedisEventStoreTest, ACursorOlderThanTheRetainedHistoryMustResnapshot) {
  RedisStoreOptions options;
  options.retention = 10;
  options.watch_block = absl::Milliseconds(100);
  Open(options);
  const std::string first = PutOk(MakeEvent("r0")).cursor;
  for (int i = 1; i < 500; ++i) PutOk(MakeEvent(absl::StrCat("r", i)));
  EXPECT_LT(StreamLength(), 300) << "the stream is trimmed to about the retention";
  WatchSink sink;
  sink.on_change = [](const v1::Change&) { return false; };
  sink.on_heartbeat = [](const std::string&) { return false; };
  absl::Status status = store_->Watch(first, false, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

TEST_F(RedisEventStoreTest, RedisDownIsUnavailableAndRecoveryIsAutomatic) {
  PutOk(MakeEvent("before"));
  redis_->Kill();
  const absl::Time start = absl::Now();
  auto r = store_->Put({MakeEvent("during")}, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_EQ(store_->Get("before").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_TRUE(redis_->Restart().ok());
  // The pool backs off, then reconnects by itself; the AOF kept the write.
  absl::StatusOr<internal::StoredEvent> got = absl::UnavailableError("");
  for (const absl::Time deadline = absl::Now() + absl::Seconds(10); absl::Now() < deadline;) {
    got = store_->Get("before");
    if (got.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(store_->Put({MakeEvent("after")}, {}).ok()) << "scripts reloaded after the restart";
}

}  // namespace
}  // namespace babillard::store
