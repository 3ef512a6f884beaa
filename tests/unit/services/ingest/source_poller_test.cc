#include "services/ingest/source_poller.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/ingest/importer.h"
#include "services/ingest/merges.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/in_process_store.h"
#include "tests/testing/status_matchers.h"

namespace babillard::ingest {
namespace {

using ::babillard::testing::IsOk;
using ::babillard::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Answers each GET with the next scripted result and records what was asked.
class FakeFetcher final : public CalendarFetcher {
 public:
  struct Request {
    std::string url, etag, last_modified;
  };
  absl::StatusOr<FetchResult> Fetch(const std::string& url, const std::string& etag,
                                    const std::string& last_modified) override {
    requests.push_back({url, etag, last_modified});
    if (answers.empty()) return absl::UnavailableError("no scripted answer");
    absl::StatusOr<FetchResult> next = answers.front();
    answers.pop_front();
    return next;
  }
  void Answer(int status, std::string body = "", std::string etag = "") {
    FetchResult r;
    r.http_status = status;
    r.body = std::move(body);
    r.etag = std::move(etag);
    answers.push_back(r);
  }

  std::deque<absl::StatusOr<FetchResult>> answers;
  std::vector<Request> requests;
};

std::string Calendar(int n, const std::string& stamp = "20270101T000000Z") {
  std::string body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n";
  for (int i = 0; i < n; ++i) {
    absl::StrAppend(&body, "BEGIN:VEVENT\r\nUID:e", i, "@club\r\nDTSTAMP:", stamp,
                    "\r\nDTSTART;TZID=America/Toronto:20270301T1", i, "0000\r\nSUMMARY:Atelier ", i,
                    "\r\nEND:VEVENT\r\n");
  }
  return body + "END:VCALENDAR\r\n";
}

// The real poller and importer on the real StoreService (in-process, on
// fakes), with a scripted network and a clock the test moves.
class SourcePollerTest : public ::testing::Test {
 protected:
  SourcePollerTest()
      : merger_(store_.client(), clock_),
        importer_(store_.client(), options_, InProcessParser(), merger_, clock_),
        poller_(store_.client(), importer_, fetcher_, clock_, poller_options_) {
    v1::Organization club;
    club.set_slug("club");
    club.set_name("Club");
    EXPECT_THAT(store_.client().PutOrganization(club, "hash", true), IsOk());
    v1::Source source;
    source.set_organization("club");
    source.set_url("https://club.example/agenda.ics");
    source.set_poll_interval_seconds(3600);
    source.set_mode(v1::Source::MODE_FULL_SNAPSHOT);
    absl::StatusOr<v1::Source> added = store_.client().PutSource(source);
    EXPECT_THAT(added, IsOk());
    id_ = added.ok() ? added->id() : "";
  }

  v1::Source Source() {
    absl::StatusOr<v1::Source> s = store_.client().GetSource(id_);
    EXPECT_THAT(s, IsOk());
    return s.ok() ? *s : v1::Source();
  }
  size_t EventsStored() {
    absl::StatusOr<std::vector<internal::StoredEvent>> events = store_.client().EventsOf("club");
    return events.ok() ? events->size() : 0;
  }
  int64_t Now() { return absl::ToUnixSeconds(clock_.Now()); }

  testing::InProcessStore store_;
  testing::FakeClock clock_;
  IngestOptions options_;
  PollerOptions poller_options_;
  FakeFetcher fetcher_;
  DuplicateMerger merger_;
  Importer importer_;
  SourcePoller poller_;
  std::string id_;
};

TEST_F(SourcePollerTest, ImportsThenAsksConditionallyAndTakes304AsSuccess) {
  fetcher_.Answer(200, Calendar(3), "\"v1\"");
  absl::StatusOr<v1::ImportReport> report = poller_.PollNow(id_);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->accepted(), 3);
  EXPECT_EQ(EventsStored(), 3u);
  v1::Source s = Source();
  EXPECT_EQ(s.health(), v1::Source::HEALTH_OK);
  EXPECT_EQ(s.etag(), "\"v1\"");
  EXPECT_EQ(s.event_count(), 3);
  EXPECT_EQ(s.last_success(), Now());
  EXPECT_EQ(s.next_poll(), Now() + 3600);

  clock_.Advance(absl::Hours(1));
  fetcher_.Answer(304);
  report = poller_.PollNow(id_);
  ASSERT_THAT(report, IsOk());
  EXPECT_THAT(report->warnings(), ElementsAre("not modified (304)"));
  ASSERT_EQ(fetcher_.requests.size(), 2u);
  EXPECT_EQ(fetcher_.requests[1].etag, "\"v1\"");  // If-None-Match
  EXPECT_EQ(Source().last_success(), Now());
}

TEST_F(SourcePollerTest, TheSameCalendarWithNewDtstampsIsNotImportedAgain) {
  fetcher_.Answer(200, Calendar(2));
  ASSERT_THAT(poller_.PollNow(id_), IsOk());
  fetcher_.Answer(200, Calendar(2, "20270202T000000Z"));  // Google regenerates DTSTAMP
  absl::StatusOr<v1::ImportReport> report = poller_.PollNow(id_);
  ASSERT_THAT(report, IsOk());
  EXPECT_THAT(report->warnings(), ElementsAre("unchanged (same content, DTSTAMP aside)"));
  EXPECT_EQ(report->accepted() + report->updated(), 0);
}

TEST_F(SourcePollerTest, FailuresBackOffDoublingUpToTheCapThenFlagTheSource) {
  fetcher_.Answer(200, Calendar(2));
  ASSERT_THAT(poller_.PollNow(id_), IsOk());
  const int64_t succeeded = Now();
  std::vector<int64_t> waits;
  for (int i = 0; i < 6; ++i) {
    clock_.Advance(absl::Hours(5));
    fetcher_.Answer(503);
    EXPECT_THAT(poller_.PollNow(id_), StatusIs(absl::StatusCode::kUnavailable, "HTTP 503"));
    waits.push_back(Source().next_poll() - Now());
  }
  // 1 h doubled per failure, capped at 6 h.
  EXPECT_THAT(waits, ElementsAre(7200, 14400, 21600, 21600, 21600, 21600));
  v1::Source s = Source();
  EXPECT_EQ(s.consecutive_failures(), 6);
  EXPECT_EQ(s.last_http_status(), 503);
  EXPECT_EQ(s.last_success(), succeeded);
  // 30 hours without a success: flagged, saying since when.
  EXPECT_EQ(s.health(), v1::Source::HEALTH_FLAGGED);
  EXPECT_THAT(s.health_reason(), HasSubstr("failing since"));
  // The events stay: a failing source cancels nothing.
  EXPECT_EQ(EventsStored(), 2u);
}

TEST_F(SourcePollerTest, AnEmptyAnswerOrANetworkErrorCancelsNothing) {
  fetcher_.Answer(200, Calendar(2));
  ASSERT_THAT(poller_.PollNow(id_), IsOk());
  fetcher_.Answer(200, "  \r\n");
  EXPECT_THAT(poller_.PollNow(id_),
              StatusIs(absl::StatusCode::kFailedPrecondition, "nothing was cancelled"));
  fetcher_.answers.push_back(absl::DeadlineExceededError("slow drip"));
  EXPECT_THAT(poller_.PollNow(id_), StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(Source().consecutive_failures(), 2);
  absl::StatusOr<std::vector<internal::StoredEvent>> events = store_.client().EventsOf("club");
  ASSERT_THAT(events, IsOk());
  for (const internal::StoredEvent& e : *events)
    EXPECT_NE(e.event().status(), v1::Event::STATUS_CANCELLED) << e.event().uid();
}

TEST_F(SourcePollerTest, GoneDisablesTheSourceAndAHeldSnapshotFlagsIt) {
  fetcher_.Answer(200, Calendar(6));
  ASSERT_THAT(poller_.PollNow(id_), IsOk());
  // Five of six events gone at once looks like a broken export: held, flagged,
  // and looked at again next time (no content hash kept).
  fetcher_.Answer(200, Calendar(1));
  absl::StatusOr<v1::ImportReport> held = poller_.PollNow(id_);
  ASSERT_THAT(held, IsOk());
  EXPECT_FALSE(held->held().empty());
  v1::Source s = Source();
  EXPECT_EQ(s.health(), v1::Source::HEALTH_FLAGGED);
  EXPECT_EQ(s.health_reason(), held->held());
  EXPECT_EQ(s.content_hash(), "");

  fetcher_.Answer(410);
  EXPECT_THAT(poller_.PollNow(id_), StatusIs(absl::StatusCode::kFailedPrecondition, "410 Gone"));
  EXPECT_EQ(Source().health(), v1::Source::HEALTH_DISABLED);
  EXPECT_THAT(poller_.PollNow(id_), StatusIs(absl::StatusCode::kFailedPrecondition, "is disabled"));
  EXPECT_EQ(fetcher_.requests.size(), 3u);  // a disabled source is not fetched
}

}  // namespace
}  // namespace babillard::ingest
