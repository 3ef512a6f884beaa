#pragma once

#include <string>

#include "babillard/internal/store.grpc.pb.h"
#include "services/store/event_store.h"
#include "services/store/registry.h"

namespace babillard::store {

// The Store gRPC API: proto <-> domain, Status -> gRPC code. When
// `internal_token` is set, every call must carry "authorization: Bearer
// <token>" (UNAUTHENTICATED otherwise): only ingest and publish talk to the store.
class StoreService final : public internal::Store::Service {
 public:
  StoreService(EventStore& events, Registry& registry, std::string internal_token = "")
      : events_(events), registry_(registry), internal_token_(std::move(internal_token)) {}

  grpc::Status PutEvent(grpc::ServerContext* context, const internal::PutEventRequest* request,
                        internal::PutEventResponse* response) override;
  grpc::Status PutEvents(grpc::ServerContext* context, const internal::PutEventsRequest* request,
                         internal::PutEventsResponse* response) override;
  grpc::Status GetEvent(grpc::ServerContext* context, const internal::GetEventRequest* request,
                        internal::StoredEvent* response) override;
  grpc::Status DeleteEvent(grpc::ServerContext* context,
                           const internal::DeleteEventRequest* request,
                           internal::DeleteEventResponse* response) override;
  grpc::Status QueryEvents(grpc::ServerContext* context,
                           const internal::QueryEventsRequest* request,
                           internal::QueryEventsResponse* response) override;
  grpc::Status Watch(grpc::ServerContext* context, const internal::WatchRequest* request,
                     grpc::ServerWriter<internal::WatchResponse>* writer) override;
  grpc::Status ReadChanges(grpc::ServerContext* context,
                           const internal::ReadChangesRequest* request,
                           internal::ReadChangesResponse* response) override;

  grpc::Status PutOrganization(grpc::ServerContext* context,
                               const internal::PutOrganizationRequest* request,
                               v1::Organization* response) override;
  grpc::Status GetOrganization(grpc::ServerContext* context,
                               const internal::GetOrganizationRequest* request,
                               v1::Organization* response) override;
  grpc::Status ListOrganizations(grpc::ServerContext* context,
                                 const internal::ListOrganizationsRequest* request,
                                 internal::ListOrganizationsResponse* response) override;
  grpc::Status LookupToken(grpc::ServerContext* context,
                           const internal::LookupTokenRequest* request,
                           v1::Organization* response) override;
  grpc::Status PutSource(grpc::ServerContext* context, const internal::PutSourceRequest* request,
                         v1::Source* response) override;
  grpc::Status GetSource(grpc::ServerContext* context, const internal::GetSourceRequest* request,
                         v1::Source* response) override;
  grpc::Status ListSources(grpc::ServerContext* context,
                           const internal::ListSourcesRequest* request,
                           internal::ListSourcesResponse* response) override;
  grpc::Status DeleteSource(grpc::ServerContext* context,
                            const internal::DeleteSourceRequest* request,
                            internal::DeleteSourceResponse* response) override;
  grpc::Status PutNamedFeed(grpc::ServerContext* context,
                            const internal::PutNamedFeedRequest* request,
                            v1::NamedFeed* response) override;
  grpc::Status GetNamedFeed(grpc::ServerContext* context,
                            const internal::GetNamedFeedRequest* request,
                            v1::NamedFeed* response) override;
  grpc::Status ListNamedFeeds(grpc::ServerContext* context,
                              const internal::ListNamedFeedsRequest* request,
                              internal::ListNamedFeedsResponse* response) override;
  grpc::Status DeleteNamedFeed(grpc::ServerContext* context,
                               const internal::DeleteNamedFeedRequest* request,
                               internal::DeleteNamedFeedResponse* response) override;
  grpc::Status PutWebhook(grpc::ServerContext* context, const internal::PutWebhookRequest* request,
                          v1::Webhook* response) override;
  grpc::Status GetWebhook(grpc::ServerContext* context, const internal::GetWebhookRequest* request,
                          v1::Webhook* response) override;
  grpc::Status ListWebhooks(grpc::ServerContext* context,
                            const internal::ListWebhooksRequest* request,
                            internal::ListWebhooksResponse* response) override;
  grpc::Status DeleteWebhook(grpc::ServerContext* context,
                             const internal::DeleteWebhookRequest* request,
                             internal::DeleteWebhookResponse* response) override;
  grpc::Status AdvanceWebhookCursor(grpc::ServerContext* context,
                                    const internal::AdvanceWebhookCursorRequest* request,
                                    v1::Webhook* response) override;
  grpc::Status RecordDelivery(grpc::ServerContext* context,
                              const internal::RecordDeliveryRequest* request,
                              internal::RecordDeliveryResponse* response) override;
  grpc::Status ListDeliveries(grpc::ServerContext* context,
                              const internal::ListDeliveriesRequest* request,
                              internal::ListDeliveriesResponse* response) override;

 private:
  grpc::Status Authorize(grpc::ServerContext* context) const;

  EventStore& events_;
  Registry& registry_;
  std::string internal_token_;
};

}  // namespace babillard::store
