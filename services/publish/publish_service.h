#pragma once

#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "babillard/v1/publish.grpc.pb.h"
#include "services/common/client/authenticator.h"
#include "services/common/periodic.h"
#include "services/common/work_queue.h"
#include "services/publish/change_reader.h"
#include "services/publish/connection_limits.h"
#include "services/publish/feed_urls.h"
#include "services/publish/named_feed_admin.h"
#include "services/publish/named_feeds.h"
#include "services/publish/subscription.h"
#include "services/publish/webhook_admin.h"

namespace babillard::publish {

struct PublishServiceOptions {
  SubscriptionOptions subscription;
  // Base of the feed URLs GetFeedUrls hands out ("https://agenda.example.org").
  std::string public_url = "http://127.0.0.1:8080";
  // What GetFeedUrls may name.
  FeedVocabulary vocabulary;
  // Subscribe streams open at once, in all and from one IP address.
  size_t max_streams = 5000;
  size_t max_streams_per_address = 100;
  // Threads that catch subscribers with an old cursor up from the store.
  int catch_up_threads = 4;
};

// The Publish gRPC API, an adapter: authenticates where a call needs it,
// hands the call to the class that does the work, maps its Status to gRPC.
// Subscribe streams are callback reactors (a slow subscriber must not pin a
// thread; nothing in them blocks); every other call may wait on the store,
// so it runs on the sync API's threads. Subscribe and ListChanges are open to
// anyone and show public events only; named feeds and webhooks belong to
// the calling organization (an admin manages all).
class PublishService final
    : public v1::Publish::WithCallbackMethod_Subscribe<v1::Publish::Service> {
 public:
  PublishService(ChangeReader& reader, Authenticator& auth, NamedFeedAdmin& feed_admin,
                 WebhookAdmin& webhook_admin, PublishServiceOptions options)
      : reader_(reader),
        auth_(auth),
        feed_admin_(feed_admin),
        webhook_admin_(webhook_admin),
        options_(WithCatchUp(std::move(options), &catch_up_)),
        streams_(options_.max_streams, options_.max_streams_per_address),
        catch_up_(options_.catch_up_threads) {
    // A subscriber that stops reading is dropped even when nothing changes.
    lag_watch_.Start(
        std::clamp(options_.subscription.max_lag / 4, absl::Milliseconds(100), absl::Seconds(1)),
        [this] { reader_.log().Poke(); });
  }

  grpc::ServerWriteReactor<v1::Change>* Subscribe(grpc::CallbackServerContext* context,
                                                  const v1::SubscribeRequest* request) override;
  grpc::Status ListChanges(grpc::ServerContext* context, const v1::ListChangesRequest* request,
                           v1::ListChangesResponse* response) override;
  grpc::Status CreateNamedFeed(grpc::ServerContext* context,
                               const v1::CreateNamedFeedRequest* request,
                               v1::NamedFeed* response) override;
  grpc::Status ListNamedFeeds(grpc::ServerContext* context,
                              const v1::ListNamedFeedsRequest* request,
                              v1::ListNamedFeedsResponse* response) override;
  grpc::Status DeleteNamedFeed(grpc::ServerContext* context,
                               const v1::DeleteNamedFeedRequest* request,
                               v1::DeleteNamedFeedResponse* response) override;
  grpc::Status CreateWebhook(grpc::ServerContext* context, const v1::CreateWebhookRequest* request,
                             v1::Webhook* response) override;
  grpc::Status ListWebhooks(grpc::ServerContext* context, const v1::ListWebhooksRequest* request,
                            v1::ListWebhooksResponse* response) override;
  grpc::Status DeleteWebhook(grpc::ServerContext* context, const v1::DeleteWebhookRequest* request,
                             v1::DeleteWebhookResponse* response) override;
  grpc::Status RotateWebhookSecret(grpc::ServerContext* context,
                                   const v1::RotateWebhookSecretRequest* request,
                                   v1::Webhook* response) override;
  grpc::Status ListDeliveries(grpc::ServerContext* context,
                              const v1::ListDeliveriesRequest* request,
                              v1::ListDeliveriesResponse* response) override;
  grpc::Status GetFeedUrls(grpc::ServerContext* context, const v1::GetFeedUrlsRequest* request,
                           v1::GetFeedUrlsResponse* response) override;

 private:
  ChangeReader& reader_;
  Authenticator& auth_;
  NamedFeedAdmin& feed_admin_;
  WebhookAdmin& webhook_admin_;
  static PublishServiceOptions WithCatchUp(PublishServiceOptions options, WorkQueue* catch_up) {
    options.subscription.catch_up = catch_up;
    return options;
  }

  const PublishServiceOptions options_;  // its catch_up is catch_up_ below
  ConnectionLimits streams_;
  // Declared after what the subscriptions it holds refer to: stopped first.
  WorkQueue catch_up_;
  Periodic lag_watch_;
};

}  // namespace babillard::publish
