#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "services/common/grpc_status.h"
#include "services/publish/change_pages.h"
#include "services/publish/named_feeds.h"
#include "services/publish/publish_service.h"
#include "services/publish/webhook_sender.h"

namespace babillard::publish {
namespace {

TEST(SignWebhook, MatchesTheStandardWebhooksReference) {
  // The example of the Standard Webhooks specification, checked with Python's hmac.
  absl::StatusOr<std::string> sig =
      SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                  1614265330, R"({"test": 2432232314})");
  ASSERT_TRUE(sig.ok()) << sig.status();
  EXPECT_EQ(*sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_NE(*SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                         1614265331, R"({"test": 2432232314})"),
            *sig);
  EXPECT_TRUE(absl::IsInvalidArgument(SignWebhook("not-a-secret", "id", 1, "{}").status()));
}

TEST(WebhookBody, IsAStandardWebhooksPayloadOfTheChange) {
  v1::Change c;
  c.set_cursor("1700000000000-3");
  c.set_committed_at_ms(1700000000123);
  c.set_kind(v1::Change::KIND_CANCELLED);
  c.mutable_event()->set_uid("u@x");
  c.set_version(7);
  const std::string body = WebhookBody(c);
  EXPECT_TRUE(absl::StartsWith(
      body, R"({"type":"event.cancelled","timestamp":"2023-11-14T22:13:20.123Z","data":{)"))
      << body;
  EXPECT_TRUE(absl::StrContains(body, R"("uid":"u@x")"));
  EXPECT_TRUE(absl::StrContains(body, R"("version":"7")")) << body;
  google::protobuf::Struct parsed;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(body, &parsed).ok());
}

TEST(PostWebhook, RefusesLoopbackUnlessAllowedAndNeverFollowsOtherSchemes) {
  WebhookPostResult r =
      PostWebhook("http://127.0.0.1:9/hook", {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "1-0",
                  "{}", WebhookPostOptions());
  EXPECT_EQ(r.http_status, 0);
  EXPECT_TRUE(absl::StrContains(r.error, "127.0.0.1")) << r.error;
  r = PostWebhook("file:///etc/passwd", {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "1-0", "{}",
                  WebhookPostOptions());
  EXPECT_EQ(r.http_status, 0);
  EXPECT_FALSE(r.error.empty());
}

TEST(ValidateCursor, AcceptsStreamIdsOnly) {
  EXPECT_TRUE(ValidateCursor("", "since").ok());
  EXPECT_TRUE(ValidateCursor("1700000000000-0", "since").ok());
  for (const char* bad : {"yesterday", "1700000000000", "-1", "1-", "1-2-3", "１-0"}) {
    absl::Status s = ValidateCursor(bad, "since");
    ASSERT_TRUE(absl::IsInvalidArgument(s)) << bad;
    EXPECT_EQ(ViolationsOf(s)[0].field, "since");
  }
}

TEST(NamedFeed, ValidationNamesTheField) {
  v1::NamedFeed f;
  f.set_name("culture-danville");
  f.mutable_title()->set_fr("Culture à Danville");
  f.mutable_filter()->add_categories("culture");
  EXPECT_TRUE(ValidateNamedFeed(f).ok());
  f.set_name("all");
  EXPECT_EQ(ViolationsOf(ValidateNamedFeed(f))[0].field, "feed.name");
  f.set_name("Culture");
  EXPECT_EQ(ViolationsOf(ValidateNamedFeed(f))[0].field, "feed.name");
  f.set_name("ok");
  f.mutable_title()->clear_fr();
  EXPECT_EQ(ViolationsOf(ValidateNamedFeed(f))[0].field, "feed.title.fr");
  f.mutable_title()->set_fr("T");
  f.mutable_filter()->add_municipalities("Not Slug");
  EXPECT_EQ(ViolationsOf(ValidateNamedFeed(f))[0].field, "feed.filter.municipalities");
}

TEST(NamedFeedDirectory, GenerationMovesOnlyWhenDefinitionsChange) {
  NamedFeedDirectory d;
  v1::NamedFeed f;
  f.set_name("a");
  d.ReplaceAll({f});
  const int64_t g = d.generation();
  d.ReplaceAll({f});
  EXPECT_EQ(d.generation(), g);
  f.mutable_title()->set_fr("changed");
  d.ReplaceAll({f});
  EXPECT_GT(d.generation(), g);
  EXPECT_EQ(d.Find("a")->title().fr(), "changed");
  d.Remove("a");
  EXPECT_FALSE(d.Find("a").has_value());
}

}  // namespace
}  // namespace babillard::publish
