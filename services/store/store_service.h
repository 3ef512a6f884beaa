#pragma once

#include <string>

#include "babillard/v1/store.grpc.pb.h"
#include "services/store/event_store.h"
#include "services/store/registry.h"

namespace babillard::store {

// The Store gRPC API: proto <-> domain, Status -> gRPC code. When
// `internal_token` is set, every call must carry "authorization: Bearer
// <token>" (UNAUTHENTICATED otherwise): only ingest and publish talk to the store.
class StoreService final : public v1::Store::Service {
 public:
  StoreService(EventStore& events, Registry& registry, std::string internal_token = "")
      : events_(events), registry_(registry), internal_token_(std::move(internal_token)) {}

  grpc::Status PutEvent(grpc::ServerContext* context, const v1::PutEventRequest* request,
                        v1::PutEventResponse* response) override;
  grpc::Status PutEvents(grpc::ServerContext* context, const v1::PutEventsRequest* request,
                         v1::PutEventsResponse* response) override;
  grpc::Status GetEvent(grpc::ServerContext* context, const v1::GetEventRequest* request,
                        v1::Event* response) override;
  grpc::Status DeleteEvent(grpc::ServerContext* context, const v1::DeleteEventRequest* request,
                           v1::DeleteEventResponse* response) override;
  grpc::Status QueryEvents(grpc::ServerContext* context, const v1::QueryEventsRequest* request,
                           v1::QueryEventsResponse* response) override;
  grpc::Status Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::WatchResponse>* writer) override;
  grpc::Status ReadChanges(grpc::ServerContext* context, const v1::ReadChangesRequest* request,
                           v1::ReadChangesResponse* response) override;

  grpc::Status PutOrganization(grpc::ServerContext* context,
                               const v1::PutOrganizationRequest* request,
                               v1::Organization* response) override;
  grpc::Status GetOrganization(grpc::ServerContext* context,
                               const v1::GetOrganizationRequest* request,
                               v1::Organization* response) override;
  grpc::Status ListOrganizations(grpc::ServerContext* context,
                                 const v1::ListOrganizationsRequest* request,
                                 v1::ListOrganizationsResponse* response) override;
  grpc::Status LookupToken(grpc::ServerContext* context, const v1::LookupTokenRequest* request,
                           v1::Organization* response) override;
  grpc::Status PutSource(grpc::ServerContext* context, const v1::PutSourceRequest* request,
                         v1::Source* response) override;
  grpc::Status GetSource(grpc::ServerContext* context, const v1::GetSourceRequest* request,
                         v1::Source* response) override;
  grpc::Status ListSources(grpc::ServerContext* context, const v1::ListSourcesRequest* request,
                           v1::ListSourcesResponse* response) override;
  grpc::Status DeleteSource(grpc::ServerContext* context, const v1::DeleteSourceRequest* request,
                            v1::DeleteSourceResponse* response) override;
  grpc::Status PutNamedFeed(grpc::ServerContext* context, const v1::PutNamedFeedRequest* request,
                            v1::NamedFeed* response) override;
  grpc::Status ListNamedFeeds(grpc::ServerContext* context,
                              const v1::ListNamedFeedsRequest* request,
                              v1::ListNamedFeedsResponse* response) override;
  grpc::Status DeleteNamedFeed(grpc::ServerContext* context,
                               const v1::DeleteNamedFeedRequest* request,
                               v1::DeleteNamedFeedResponse* response) override;
  grpc::Status PutWebhook(grpc::ServerContext* context, const v1::PutWebhookRequest* request,
                          v1::Webhook* response) override;
  grpc::Status ListWebhooks(grpc::ServerContext* context, const v1::ListWebhooksRequest* request,
                            v1::ListWebhooksResponse* response) override;
  grpc::Status DeleteWebhook(grpc::ServerContext* context, const v1::DeleteWebhookRequest* request,
                             v1::DeleteWebhookResponse* response) override;
  grpc::Status AdvanceWebhookCursor(grpc::ServerContext* context,
                                    const v1::AdvanceWebhookCursorRequest* request,
                                    v1::Webhook* response) override;
  grpc::Status RecordDelivery(grpc::ServerContext* context,
                              const v1::RecordDeliveryRequest* request,
                              v1::RecordDeliveryResponse* response) override;
  grpc::Status ListDeliveries(grpc::ServerContext* context,
                              const v1::ListDeliveriesRequest* request,
                              v1::ListDeliveriesResponse* response) override;

 private:
  grpc::Status Authorize(grpc::ServerContext* context) const;

  EventStore& events_;
  Registry& registry_;
  std::string internal_token_;
};

}  // namespace babillard::store
