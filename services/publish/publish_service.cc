#include "services/publish/publish_service.h"

#include "absl/strings/str_cat.h"
#include "services/common/grpc_call_scope.h"
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

// The IP address of a gRPC peer ("ipv4:127.0.0.1:5400" -> "127.0.0.1",
// "ipv6:[::1]:5400" -> "::1"); unix sockets are one address.
std::string PeerAddress(const std::string& peer) {
  std::string address = peer.substr(peer.find(':') + 1);
  if (peer.starts_with("unix:")) return "unix";
  address = address.substr(0, address.rfind(':'));
  if (address.size() >= 2 && address.front() == '[')
    address = address.substr(1, address.size() - 2);
  return address;
}

// Who reads a change stream: anyone without a token; with one, its
// organization (or an admin), which also sees its sources' alarms.
absl::StatusOr<Viewer> ViewerOf(Authenticator& auth, const grpc::ServerContextBase& context) {
  if (context.client_metadata().find("authorization") == context.client_metadata().end())
    return Viewer{};
  absl::StatusOr<Caller> caller = auth.Authenticate(context);
  if (!caller.ok()) return caller.status();
  return Viewer{caller->organization, caller->is_admin()};
}

#define BABILLARD_CALLER(caller, context)                       \
  GrpcCallScope call_scope(*context);                           \
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
  absl::StatusOr<Viewer> viewer = ViewerOf(auth_, *context);
  if (valid.ok() && !viewer.ok()) valid = viewer.status();
  if (!valid.ok()) return new RefusedStream(valid);
  std::unique_ptr<ConnectionLimits::Slot> slot = streams_.Acquire(PeerAddress(context->peer()));
  if (slot == nullptr) {
    return new RefusedStream(absl::ResourceExhaustedError(absl::StrCat(
        "too many change streams: at most ", options_.max_streams_per_address,
        " from one address and ", options_.max_streams, " in all; close one or retry later")));
  }
  return Subscription::Start(reader_, request->filter(), request->from_cursor(),
                             options_.subscription, std::move(slot), *std::move(viewer));
}

grpc::Status PublishService::ListChanges(grpc::ServerContext* context,
                                         const v1::ListChangesRequest* request,
                                         v1::ListChangesResponse* response) {
  absl::StatusOr<Viewer> viewer = ViewerOf(auth_, *context);
  if (!viewer.ok()) return ToGrpcStatus(viewer.status());
  return ToGrpcResponse(ListChangesPage(reader_, *request, *viewer), response);
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

grpc::Status PublishService::RotateWebhookSecret(grpc::ServerContext* context,
                                                 const v1::RotateWebhookSecretRequest* request,
                                                 v1::Webhook* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(
      webhook_admin_.RotateSecret(*caller, request->id(), request->overlap_seconds()), response);
}

grpc::Status PublishService::ListDeliveries(grpc::ServerContext* context,
                                            const v1::ListDeliveriesRequest* request,
                                            v1::ListDeliveriesResponse* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(webhook_admin_.ListDeliveries(*caller, *request), response);
}

grpc::Status PublishService::GetFeedUrls(grpc::ServerContext* context,
                                         const v1::GetFeedUrlsRequest* request,
                                         v1::GetFeedUrlsResponse* response) {
  // Public, but a token presented is checked like anywhere else.
  if (absl::StatusOr<Viewer> viewer = ViewerOf(auth_, *context); !viewer.ok())
    return ToGrpcStatus(viewer.status());
  return ToGrpcResponse(BuildFeedUrls(options_.public_url, *request, options_.vocabulary),
                        response);
}

}  // namespace babillard::publish
