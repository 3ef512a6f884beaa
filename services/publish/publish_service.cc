#include "services/publish/publish_service.h"

#include "services/common/grpc_status.h"
#include "services/publish/change_filter.h"
#include "services/publish/change_pages.h"
#include "services/publish/feed_urls.h"

namespace babillard::publish {
namespace {

// A stream that ends at once with an error.
class RefusedStream : public grpc::ServerWriteReactor<v1::Change> {
 public:
  explicit RefusedStream(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

#define BABILLARD_CALLER(caller, context)                       \
  absl::StatusOr<Caller> caller = auth_.Authenticate(*context); \
  if (!caller.ok()) return ToGrpcStatus(caller.status())

}  // namespace

grpc::ServerWriteReactor<v1::Change>* PublishService::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  absl::Status valid = ValidateCursor(request->from_cursor(), "from_cursor");
  if (valid.ok()) valid = ValidateFilter(request->filter(), "filter.");
  if (valid.ok() && reader_.log().closed()) {
    valid = absl::UnavailableError("publish is shutting down; retry");
  }
  if (!valid.ok()) return new RefusedStream(valid);
  return Subscription::Start(reader_, request->filter(), request->from_cursor(),
                             options_.subscription);
}

grpc::Status PublishService::ListChanges(grpc::ServerContext*,
                                         const v1::ListChangesRequest* request,
                                         v1::ListChangesResponse* response) {
  return ToGrpcResponse(ListChangesPage(reader_, *request), response);
}

grpc::Status PublishService::CreateNamedFeed(grpc::ServerContext* context,
                                             const v1::CreateNamedFeedRequest* request,
                                             v1::NamedFeed* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(feed_admin_.Create(*caller, request->feed()), response);
}

grpc::Status PublishService::ListNamedFeeds(grpc::ServerContext* context,
                                            const v1::ListNamedFeedsRequest*,
                                            v1::ListNamedFeedsResponse* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(feed_admin_.List(*caller), response);
}

grpc::Status PublishService::DeleteNamedFeed(grpc::ServerContext* context,
                                             const v1::DeleteNamedFeedRequest* request,
                                             v1::DeleteNamedFeedResponse*) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcStatus(feed_admin_.Delete(*caller, request->name()));
}

grpc::Status PublishService::CreateWebhook(grpc::ServerContext* context,
                                           const v1::CreateWebhookRequest* request,
                                           v1::Webhook* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(webhook_admin_.Create(*caller, request->webhook()), response);
}

grpc::Status PublishService::ListWebhooks(grpc::ServerContext* context,
                                          const v1::ListWebhooksRequest* request,
                                          v1::ListWebhooksResponse* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(webhook_admin_.List(*caller, request->organization()), response);
}

grpc::Status PublishService::DeleteWebhook(grpc::ServerContext* context,
                                           const v1::DeleteWebhookRequest* request,
                                           v1::DeleteWebhookResponse*) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcStatus(webhook_admin_.Delete(*caller, request->id()));
}

grpc::Status PublishService::ListDeliveries(grpc::ServerContext* context,
                                            const v1::ListDeliveriesRequest* request,
                                            v1::ListDeliveriesResponse* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(webhook_admin_.ListDeliveries(*caller, *request), response);
}

grpc::Status PublishService::GetFeedUrls(grpc::ServerContext*,
                                         const v1::GetFeedUrlsRequest* request,
                                         v1::GetFeedUrlsResponse* response) {
  return ToGrpcResponse(BuildFeedUrls(options_.public_url, *request, options_.vocabulary),
                        response);
}

}  // namespace babillard::publish
