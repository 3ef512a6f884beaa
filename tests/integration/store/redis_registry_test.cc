// RedisRegistry against a real redis-server.
#include "services/store/redis_registry.h"

#include <gtest/gtest.h>

#include "services/store/redis_event_store.h"
#include "tests/testing/redis_fixture.h"

namespace babillard::store {
namespace {

class RedisRegistryTest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    registry_ = std::make_unique<RedisRegistry>(*pool_, "bab:");
  }
  std::unique_ptr<RedisRegistry> registry_;
};

v1::Organization Org(const std::string& slug) {
  v1::Organization org;
  org.set_slug(slug);
  org.set_name("Bibliothèque " + slug);
  org.set_role(v1::Organization::ROLE_PUBLISHER);
  return org;
}

TEST_F(RedisRegistryTest, TokensAreFoundByHashAndRotationRetiresTheOldOne) {
  ASSERT_TRUE(registry_->PutOrganization(Org("biblio"), "hash-1", true).ok());
  EXPECT_EQ(registry_->PutOrganization(Org("biblio"), "hash-x", true).status().code(),
            absl::StatusCode::kAlreadyExists);
  auto found = registry_->LookupToken("hash-1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->slug(), "biblio");
  ASSERT_TRUE(registry_->PutOrganization(Org("biblio"), "hash-2", false).ok());
  EXPECT_TRUE(absl::IsNotFound(registry_->LookupToken("hash-1").status()));
  EXPECT_TRUE(registry_->LookupToken("hash-2").ok());
  // Only hashes are stored: no key or value holds anything but what we gave.
  EXPECT_EQ(Redis({"GET", "bab:org-token:biblio"}).str, "hash-2");
  auto orgs = registry_->ListOrganizations();
  ASSERT_TRUE(orgs.ok());
  ASSERT_EQ(orgs->size(), 1u);
}

TEST_F(RedisRegistryTest, SourcesGetIdsAndKeepTheirPollingState) {
  v1::Source s;
  s.set_organization("biblio");
  s.set_url("https://example.org/cal.ics");
  auto created = registry_->PutSource(s);
  ASSERT_TRUE(created.ok());
  EXPECT_FALSE(created->id().empty());
  v1::Source polled = *created;
  polled.set_etag("\"abc\"");
  polled.set_event_count(10);
  ASSERT_TRUE(registry_->PutSource(polled).ok());
  auto got = registry_->GetSource(created->id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->etag(), "\"abc\"");
  EXPECT_EQ(registry_->ListSources("biblio")->size(), 1u);
  EXPECT_EQ(registry_->ListSources("other")->size(), 0u);
  ASSERT_TRUE(registry_->DeleteSource(created->id()).ok());
  EXPECT_TRUE(absl::IsNotFound(registry_->GetSource(created->id()).status()));
}

TEST_F(RedisRegistryTest, ASourceBecomingFlaggedOrDisabledIsAnnouncedOnceInTheChangeStream) {
  auto events = RedisEventStore::Open(*pool_, RedisStoreOptions());
  ASSERT_TRUE(events.ok()) << events.status();
  v1::Source s;
  s.set_organization("biblio");
  s.set_url("https://example.org/cal.ics");
  s.set_health(v1::Source::HEALTH_OK);
  auto created = registry_->PutSource(s);
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE((*events)->ReadChanges("", 10)->changes.empty());
  v1::Source flagged = *created;
  flagged.set_health(v1::Source::HEALTH_FLAGGED);
  flagged.set_health_reason("event count fell from 40 to 2");
  flagged.set_etag("\"secret-ish\"");
  ASSERT_TRUE(registry_->PutSource(flagged).ok());
  ASSERT_TRUE(registry_->PutSource(flagged).ok());  // still flagged: no second announcement
  flagged.set_health(v1::Source::HEALTH_DISABLED);
  flagged.set_health_reason("410 Gone");
  ASSERT_TRUE(registry_->PutSource(flagged).ok());
  auto page = (*events)->ReadChanges("", 10);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->changes.size(), 2u);
  const v1::Change& first = page->changes[0];
  EXPECT_EQ(first.kind(), v1::Change::KIND_SOURCE_FLAGGED);
  EXPECT_EQ(first.source().id(), created->id());
  EXPECT_EQ(first.source().organization(), "biblio");
  EXPECT_EQ(first.source().health_reason(), "event count fell from 40 to 2");
  EXPECT_TRUE(first.source().etag().empty());
  EXPECT_FALSE(first.has_event());
  EXPECT_EQ(page->changes[1].source().health(), v1::Source::HEALTH_DISABLED);
  EXPECT_EQ(page->last_cursor, page->changes[1].cursor());
  // ReadChanges pages after a cursor.
  EXPECT_EQ((*events)->ReadChanges(first.cursor(), 10)->changes.size(), 1u);
}

TEST_F(RedisRegistryTest, NamedFeedsRoundTrip) {
  v1::NamedFeed feed;
  feed.set_name("festivals");
  feed.mutable_filter()->add_categories("culture");
  ASSERT_TRUE(registry_->PutNamedFeed(feed, /*create_only=*/false).ok());
  auto feeds = registry_->ListNamedFeeds();
  ASSERT_TRUE(feeds.ok());
  ASSERT_EQ(feeds->size(), 1u);
  EXPECT_EQ((*feeds)[0].filter().categories(0), "culture");
  ASSERT_TRUE(registry_->DeleteNamedFeed("festivals").ok());
  EXPECT_TRUE(registry_->ListNamedFeeds()->empty());
}

// #10 item 11: a rotation's old secret signs until its overlap ends, then Redis drops it.
TEST_F(RedisRegistryTest, ARotatedOutSecretIsKeptForItsOverlapOnly) {
  v1::Webhook w;
  w.set_organization("tourisme");
  w.set_url("https://hooks.example.org/x");
  auto created = registry_->PutWebhook(w, "whsec_first", "", 0);
  ASSERT_TRUE(created.ok());
  const int64_t soon = absl::ToUnixSeconds(absl::Now()) + 2;
  ASSERT_TRUE(registry_->PutWebhook(*created, "whsec_second", "whsec_first", soon).ok());
  auto during = registry_->ListWebhooks("", true);
  ASSERT_TRUE(during.ok());
  EXPECT_EQ(during->at(0).secret(), "whsec_second");
  EXPECT_EQ(during->at(0).previous_secret(), "whsec_first");
  EXPECT_TRUE(registry_->ListWebhooks("", false)->at(0).previous_secret().empty());
  absl::SleepFor(absl::Seconds(3));
  EXPECT_TRUE(registry_->ListWebhooks("", true)->at(0).previous_secret().empty());
  ASSERT_TRUE(registry_->PutWebhook(*created, "whsec_third", "whsec_second", soon + 60).ok());
  ASSERT_TRUE(registry_->PutWebhook(*created, "whsec_fourth", "", 0).ok());
  EXPECT_TRUE(registry_->ListWebhooks("", true)->at(0).previous_secret().empty())
      << "a rotation without overlap drops the previous secret at once";
}

TEST_F(RedisRegistryTest, WebhookSecretsStayOutOfListsAndCursorsMoveOnlyForward) {
  v1::Webhook w;
  w.set_organization("tourisme");
  w.set_url("https://hooks.example.org/x");
  w.set_enabled(true);
  w.set_secret("ignored: the secret argument wins");
  auto created = registry_->PutWebhook(w, "whsec_s3cret", "", 0);
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(created->secret().empty());
  EXPECT_TRUE(registry_->ListWebhooks("", false)->at(0).secret().empty());
  EXPECT_EQ(registry_->ListWebhooks("", true)->at(0).secret(), "whsec_s3cret");

  ASSERT_TRUE(registry_->AdvanceWebhookCursor(created->id(), "", "100-0").ok());
  EXPECT_EQ(registry_->AdvanceWebhookCursor(created->id(), "", "200-0").status().code(),
            absl::StatusCode::kAborted);
  ASSERT_TRUE(registry_->AdvanceWebhookCursor(created->id(), "100-0", "200-0").ok());

  v1::Delivery failed;
  failed.set_message_id("200-0");
  failed.set_http_status(500);
  EXPECT_EQ(*registry_->RecordDelivery(created->id(), failed, false, ""), 1);
  EXPECT_EQ(*registry_->RecordDelivery(created->id(), failed, true, "410 Gone"), 2);
  auto hooks = registry_->ListWebhooks("tourisme", false);
  ASSERT_EQ(hooks->size(), 1u);
  EXPECT_FALSE(hooks->at(0).enabled());
  EXPECT_EQ(hooks->at(0).disabled_reason(), "410 Gone");
  EXPECT_EQ(hooks->at(0).cursor(), "200-0");
  EXPECT_EQ(registry_->ListDeliveries(created->id(), 10)->size(), 2u);
  ASSERT_TRUE(registry_->DeleteWebhook(created->id()).ok());
  EXPECT_TRUE(registry_->ListWebhooks("", false)->empty());
}

}  // namespace
}  // namespace babillard::store
