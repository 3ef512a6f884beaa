#include "services/publish/webhook_dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/publish/change_log.h"
#include "services/publish/change_reader.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/in_process_store.h"
#include "tests/testing/status_matchers.h"

namespace babillard::publish {
namespace {

using ::babillard::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A receiver that answers as scripted (200 once the script is spent) and
// records each POST with the real time it arrived.
class FakeReceiver final : public WebhookPoster {
 public:
  struct Call {
    std::string message_id;
    std::string body;
    absl::Time at;
    std::vector<std::string> secrets;
  };
  WebhookPostResult Post(const std::string& url, const std::vector<std::string>& secrets,
                         const std::string& message_id, const std::string& body) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back({message_id, body, absl::Now(), secrets});
    WebhookPostResult r;
    r.http_status = 200;
    if (!script_.empty()) {
      r = script_.front();
      script_.pop_front();
    }
    return r;
  }
  void Then(int status, absl::Duration retry_after = absl::ZeroDuration()) {
    absl::MutexLock lock(&mu_);
    WebhookPostResult r;
    r.http_status = status;
    r.retry_after = retry_after;
    script_.push_back(r);
  }
  std::vector<Call> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::vector<std::string> ids() {
    std::vector<std::string> out;
    for (const Call& c : calls()) out.push_back(c.message_id);
    return out;
  }

 private:
  absl::Mutex mu_;
  std::deque<WebhookPostResult> script_ ABSL_GUARDED_BY(mu_);
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
};

// Waits (bounded) for what another thread does.
bool Eventually(const std::function<bool()>& done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return done();
}

// The real dispatcher on the real StoreService (in-process, on fakes) and a
// real change log, with a scripted receiver and short retry delays.
class WebhookDispatcherTest : public ::testing::Test {
 protected:
  WebhookDispatcherTest() : reader_(log_, store_.client()) {
    options_.refresh = absl::Milliseconds(20);
    options_.first_retry = absl::Milliseconds(1);
    options_.max_retry = absl::Milliseconds(4);
    options_.max_failures = 3;
    log_.Reset("0-0");
  }
  ~WebhookDispatcherTest() override {
    if (dispatcher_) dispatcher_->Stop();
  }

  // A webhook for Danville's changes, from the start of the log.
  void Start() {
    internal::PutWebhookRequest put;
    v1::Webhook& hook = *put.mutable_webhook();
    hook.set_url("https://tourisme.example/hook");
    hook.set_organization("tourisme");
    hook.mutable_filter()->add_municipalities("danville");
    hook.set_enabled(true);
    hook.set_cursor("0-0");
    put.set_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    absl::StatusOr<v1::Webhook> created =
        store_.client().Call(&internal::Store::StubInterface::PutWebhook, put);
    ASSERT_THAT(created, IsOk());
    id_ = created->id();
    dispatcher_ =
        std::make_unique<WebhookDispatcher>(store_.client(), reader_, receiver_, clock_, options_);
    dispatcher_->Start();
  }

  void Append(int n, const std::string& municipality = "danville") {
    auto change = std::make_shared<v1::Change>();
    change->set_cursor(absl::StrCat(n, "-0"));
    change->set_kind(v1::Change::KIND_CREATED);
    change->mutable_event()->set_uid(absl::StrCat("club/e", n));
    change->mutable_event()->mutable_location()->set_municipality(municipality);
    change->mutable_event()->set_visibility(v1::Event::VISIBILITY_PUBLIC);
    log_.Append(std::move(change));
  }
  v1::Webhook Hook() {
    internal::GetWebhookRequest get;
    get.set_id(id_);
    absl::StatusOr<v1::Webhook> hook =
        store_.client().Call(&internal::Store::StubInterface::GetWebhook, get);
    EXPECT_THAT(hook, IsOk());
    return hook.ok() ? *hook : v1::Webhook();
  }
  std::vector<v1::Delivery> Deliveries() {
    internal::ListDeliveriesRequest list;
    list.set_webhook_id(id_);
    absl::StatusOr<internal::ListDeliveriesResponse> got =
        store_.client().Call(&internal::Store::StubInterface::ListDeliveries, list);
    EXPECT_THAT(got, IsOk());
    return got.ok() ? std::vector<v1::Delivery>(got->deliveries().begin(), got->deliveries().end())
                    : std::vector<v1::Delivery>();
  }

  testing::InProcessStore store_;
  testing::FakeClock clock_;
  ChangeLog log_;
  ChangeReader reader_;
  FakeReceiver receiver_;
  WebhookOptions options_;
  std::unique_ptr<WebhookDispatcher> dispatcher_;
  std::string id_;
};

TEST_F(WebhookDispatcherTest, DeliversMatchingChangesInOrderAndSavesTheCursorAfterEach2xx) {
  Start();
  Append(1);
  Append(2, "magog");  // not Danville's
  Append(3);
  // The cursor moves on each 2xx, then the attempt is recorded.
  ASSERT_TRUE(Eventually([&] { return Hook().cursor() == "3-0" && Deliveries().size() == 2; }))
      << Hook().cursor();
  EXPECT_THAT(receiver_.ids(), ElementsAre("1-0", "3-0"));
  EXPECT_THAT(receiver_.calls()[0].body, HasSubstr("\"type\":\"event.created\""));
  const std::vector<v1::Delivery> deliveries = Deliveries();  // newest first
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(deliveries[0].message_id(), "3-0");
  EXPECT_EQ(deliveries[0].http_status(), 200);
  EXPECT_EQ(deliveries[0].attempted_at_ms(), absl::ToUnixMillis(clock_.Now()));
}

TEST_F(WebhookDispatcherTest, RetriesTheSameMessageUntilA2xxWithoutSkippingOrReordering) {
  receiver_.Then(500);
  receiver_.Then(502);
  Start();
  Append(1);
  Append(2);
  ASSERT_TRUE(Eventually([&] { return Hook().cursor() == "2-0" && Deliveries().size() == 4; }));
  EXPECT_THAT(receiver_.ids(), ElementsAre("1-0", "1-0", "1-0", "2-0"));
  std::vector<int> attempts;
  for (const v1::Delivery& d : Deliveries()) attempts.push_back(d.attempt());
  EXPECT_THAT(attempts, ElementsAre(1, 3, 2, 1));  // newest first
  EXPECT_TRUE(Hook().enabled());
  EXPECT_EQ(Hook().consecutive_failures(), 0);
}

TEST_F(WebhookDispatcherTest, AReceiverAskingForTimeWithRetryAfterGetsIt) {
  receiver_.Then(503, absl::Milliseconds(300));
  Start();
  Append(1);
  ASSERT_TRUE(Eventually([&] { return receiver_.calls().size() == 2; }));
  const std::vector<FakeReceiver::Call> calls = receiver_.calls();
  // The retry delay is 1 ms; the receiver asked for 300.
  EXPECT_GE(calls[1].at - calls[0].at, absl::Milliseconds(300));
}

// #10 item 11: during a rotation's overlap, every delivery is signed with both secrets.
TEST_F(WebhookDispatcherTest, ARotatedSecretSignsTheNextDeliveriesWithTheOldOneBesideIt) {
  Start();
  Append(1);
  ASSERT_TRUE(Eventually([&] { return Hook().cursor() == "1-0"; }));
  internal::PutWebhookRequest rotate;
  *rotate.mutable_webhook() = Hook();
  rotate.set_secret("whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0");
  rotate.set_previous_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  rotate.set_previous_secret_until(absl::ToUnixSeconds(clock_.Now()) + 3600);
  ASSERT_THAT(store_.client().Call(&internal::Store::StubInterface::PutWebhook, rotate), IsOk());
  dispatcher_->Refresh();
  // The running worker picks the rotation up: some next change goes out signed twice.
  int n = 1;
  ASSERT_TRUE(Eventually([&] {
    Append(++n);
    return receiver_.calls().back().secrets.size() == 2;
  }));
  const std::vector<FakeReceiver::Call> calls = receiver_.calls();
  EXPECT_THAT(calls.front().secrets, ElementsAre("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  EXPECT_THAT(calls.back().secrets, ElementsAre("whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0",
                                                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  // In order and none skipped across the worker's restart.
  ASSERT_TRUE(Eventually([&] { return Hook().cursor() == absl::StrCat(n, "-0"); }));
  std::vector<std::string> ids = receiver_.ids();
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.back(), absl::StrCat(n, "-0"));
  EXPECT_EQ(static_cast<int>(ids.size()), n);
}

TEST_F(WebhookDispatcherTest, GoneDisablesTheWebhookWithTheReason) {
  receiver_.Then(410);
  Start();
  Append(1);
  ASSERT_TRUE(Eventually([&] { return !Hook().enabled(); }));
  EXPECT_EQ(Hook().disabled_reason(), "the receiver answered 410 Gone");
  EXPECT_EQ(Hook().cursor(), "0-0");  // nothing acknowledged
  EXPECT_EQ(dispatcher_->counters().disabled.load(), 1);
}

TEST_F(WebhookDispatcherTest, MaxFailuresInARowDisable) {
  for (int i = 0; i < 3; ++i) receiver_.Then(500);
  Start();
  Append(1);
  ASSERT_TRUE(Eventually([&] { return !Hook().enabled(); }));
  ASSERT_TRUE(Eventually([&] { return dispatcher_->counters().failed.load() == 3; }));
  EXPECT_EQ(Hook().disabled_reason(), "3 failed deliveries in a row; last: HTTP 500");
  EXPECT_EQ(receiver_.calls().size(), 3u);
  EXPECT_EQ(dispatcher_->counters().failed.load(), 3);
}

// A receiver slow to answer, counting the POSTs it holds at once.
class SlowReceiver final : public WebhookPoster {
 public:
  WebhookPostResult Post(const std::string& url, const std::vector<std::string>&,
                         const std::string&, const std::string&) override {
    {
      absl::MutexLock lock(&mu_);
      most_ = std::max(most_, ++in_flight_);
    }
    absl::SleepFor(absl::Milliseconds(20));
    absl::MutexLock lock(&mu_);
    --in_flight_;
    ++by_url_[url];
    WebhookPostResult r;
    r.http_status = 200;
    return r;
  }
  int most() {
    absl::MutexLock lock(&mu_);
    return most_;
  }
  size_t receivers() {
    absl::MutexLock lock(&mu_);
    return by_url_.size();
  }

 private:
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int most_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int> by_url_ ABSL_GUARDED_BY(mu_);
};

// #9 item 6: before, each webhook had a thread of its own (30 webhooks, 30
// POSTs at once); now deliveries run on delivery_threads.
TEST_F(WebhookDispatcherTest, ThirtyWebhooksAreServedByTheDeliveryThreadsAlone) {
  for (int i = 0; i < 30; ++i) {
    internal::PutWebhookRequest put;
    v1::Webhook& hook = *put.mutable_webhook();
    hook.set_url(absl::StrCat("https://receiver", i, ".example/hook"));
    hook.set_organization("tourisme");
    hook.set_enabled(true);
    hook.set_cursor("0-0");
    put.set_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    ASSERT_THAT(store_.client().Call(&internal::Store::StubInterface::PutWebhook, put), IsOk());
  }
  options_.delivery_threads = 4;
  SlowReceiver slow;
  dispatcher_ =
      std::make_unique<WebhookDispatcher>(store_.client(), reader_, slow, clock_, options_);
  dispatcher_->Start();
  Append(1);
  Append(2);
  ASSERT_TRUE(Eventually([&] { return dispatcher_->counters().delivered.load() == 60; }))
      << dispatcher_->counters().delivered.load();
  EXPECT_EQ(slow.receivers(), 30u);
  EXPECT_LE(slow.most(), 4);
  EXPECT_GE(slow.most(), 2) << "the threads work side by side";
}

}  // namespace
}  // namespace babillard::publish
