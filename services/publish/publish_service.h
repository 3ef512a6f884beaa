#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "babillard/v1/publish.grpc.pb.h"
#include "services/common/client/authenticator.h"
#include "services/common/client/store_client.h"
#include "services/publish/change_reader.h"
#include "services/publish/named_feeds.h"
#include "services/publish/subscription.h"
#include "services/publish/webhook_dispatcher.h"

namespace babillard::publish {

struct PublishServiceOptions {
  SubscriptionOptions subscription;
  // Base of the feed URLs GetFeedUrls hands out ("https://agenda.example.org").
  std::string public_url = "http://127.0.0.1:8080";
  // Tests only: webhooks to 127.0.0.1 / ::1 are accepted. Off by default.
  bool allow_loopback_webhooks = false;
};

// The Publish gRPC API (callback API): Subscribe streams and ListChanges
// pages, open to anyone and public events only; named feeds and webhooks,
// owned by the calling organization (an admin sees and manages all).
class PublishService final : public v1::Publish::CallbackService {
 public:
  PublishService(ChangeReader& reader, StoreClient& store, Authenticator& auth,
                 NamedFeedDirectory& named_feeds, WebhookDispatcher& webhooks,
                 PublishServiceOptions options)
      : reader_(reader),
        store_(store),
        auth_(auth),
        named_feeds_(named_feeds),
        webhooks_(webhooks),
        options_(std::move(options)) {}

  grpc::ServerWriteReactor<v1::Change>* Subscribe(grpc::CallbackServerContext* context,
                                                  const v1::SubscribeRequest* request) override;
  grpc::ServerUnaryReactor* ListChanges(grpc::CallbackServerContext* context,
                                        const v1::ListChangesRequest* request,
                                        v1::ListChangesResponse* response) override;
  grpc::ServerUnaryReactor* CreateNamedFeed(grpc::CallbackServerContext* context,
                                            const v1::CreateNamedFeedRequest* request,
                                            v1::NamedFeed* response) override;
  grpc::ServerUnaryReactor* ListNamedFeeds(grpc::CallbackServerContext* context,
                                           const v1::ListNamedFeedsRequest* request,
                                           v1::ListNamedFeedsResponse* response) override;
  grpc::ServerUnaryReactor* DeleteNamedFeed(grpc::CallbackServerContext* context,
                                            const v1::DeleteNamedFeedRequest* request,
                                            v1::DeleteNamedFeedResponse* response) override;
  grpc::ServerUnaryReactor* CreateWebhook(grpc::CallbackServerContext* context,
                                          const v1::CreateWebhookRequest* request,
                                          v1::Webhook* response) override;
  grpc::ServerUnaryReactor* ListWebhooks(grpc::CallbackServerContext* context,
                                         const v1::ListWebhooksRequest* request,
                                         v1::ListWebhooksResponse* response) override;
  grpc::ServerUnaryReactor* DeleteWebhook(grpc::CallbackServerContext* context,
                                          const v1::DeleteWebhookRequest* request,
                                          v1::DeleteWebhookResponse* response) override;
  grpc::ServerUnaryReactor* ListDeliveries(grpc::CallbackServerContext* context,
                                           const v1::ListDeliveriesRequest* request,
                                           v1::ListDeliveriesResponse* response) override;
  grpc::ServerUnaryReactor* GetFeedUrls(grpc::CallbackServerContext* context,
                                        const v1::GetFeedUrlsRequest* request,
                                        v1::GetFeedUrlsResponse* response) override;

  // The logic behind each call, without gRPC (returns what the call answers).
  absl::StatusOr<v1::ListChangesResponse> DoListChanges(const v1::ListChangesRequest& request);
  absl::StatusOr<v1::NamedFeed> DoCreateNamedFeed(const Caller& caller, v1::NamedFeed feed);
  absl::StatusOr<v1::ListNamedFeedsResponse> DoListNamedFeeds(const Caller& caller);
  absl::Status DoDeleteNamedFeed(const Caller& caller, const std::string& name);
  absl::StatusOr<v1::Webhook> DoCreateWebhook(const Caller& caller, v1::Webhook webhook);
  absl::StatusOr<v1::ListWebhooksResponse> DoListWebhooks(const Caller& caller,
                                                          const std::string& organization);
  absl::Status DoDeleteWebhook(const Caller& caller, const std::string& id);
  absl::StatusOr<v1::ListDeliveriesResponse> DoListDeliveries(
      const Caller& caller, const v1::ListDeliveriesRequest& request);
  absl::StatusOr<v1::GetFeedUrlsResponse> DoGetFeedUrls(const v1::GetFeedUrlsRequest& request);

 private:
  // The webhook `id` if `caller` may see it; NOT_FOUND otherwise.
  absl::StatusOr<v1::Webhook> OwnedWebhook(const Caller& caller, const std::string& id);
  // The newest cursor: where a new webhook starts.
  absl::StatusOr<std::string> HeadCursor();

  ChangeReader& reader_;
  StoreClient& store_;
  Authenticator& auth_;
  NamedFeedDirectory& named_feeds_;
  WebhookDispatcher& webhooks_;
  const PublishServiceOptions options_;
};

// INVALID_ARGUMENT unless `cursor` is empty or a stream id ("1700000000000-0").
absl::Status ValidateCursor(const std::string& cursor, const std::string& field);

}  // namespace babillard::publish
