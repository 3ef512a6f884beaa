#include "services/store/store_service.h"

#include <openssl/crypto.h>

#include "services/common/grpc_call_scope.h"
#include "services/common/grpc_status.h"

namespace babillard::store {
namespace {

Expect ExpectFor(int64_t expected_version, bool create_only) {
  if (create_only) return Expect::Absent();
  if (expected_version > 0) return Expect::Version(expected_version);
  return Expect::Any();
}

void Fill(const WriteResult& w, internal::PutEventResponse* out) {
  out->set_version(w.version);
  out->set_cursor(w.cursor);
  out->set_kind(w.kind);
}

// Goes on only for an authorized caller, and only within its deadline
// (CallScope: Redis commands wait no longer than the caller does).
#define BABILLARD_AUTHORIZE(context)  \
  GrpcCallScope call_scope(*context); \
  if (grpc::Status auth = Authorize(context); !auth.ok()) return auth

}  // namespace

grpc::Status StoreService::Authorize(grpc::ServerContext* context) const {
  if (internal_token_.empty()) return grpc::Status::OK;
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  const std::string want = "Bearer " + internal_token_;
  if (it == metadata.end() || it->second.size() != want.size() ||
      CRYPTO_memcmp(it->second.data(), want.data(), want.size()) != 0) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "store: missing or wrong internal token");
  }
  return grpc::Status::OK;
}

grpc::Status StoreService::PutEvent(grpc::ServerContext* context,
                                    const internal::PutEventRequest* request,
                                    internal::PutEventResponse* response) {
  BABILLARD_AUTHORIZE(context);
  Expect expect = ExpectFor(request->expected_version(), request->create_only());
  expect.unique = request->unique();
  absl::StatusOr<std::vector<WriteResult>> results = events_.Put({request->event()}, {expect});
  if (!results.ok()) return ToGrpcStatus(results.status());
  Fill(results->front(), response);
  return grpc::Status::OK;
}

grpc::Status StoreService::PutEvents(grpc::ServerContext* context,
                                     const internal::PutEventsRequest* request,
                                     internal::PutEventsResponse* response) {
  BABILLARD_AUTHORIZE(context);
  if (request->writes_size() > 0) {
    if (request->events_size() > 0) {
      return ToGrpcStatus(BadRequestError(
          "writes: send either events or writes",
          {{"writes", "an atomic batch (events) and independent writes do not mix"}}));
    }
    std::vector<v1::Event> events;
    std::vector<Expect> expect;
    for (const internal::PutEventRequest& w : request->writes()) {
      events.push_back(w.event());
      expect.push_back(ExpectFor(w.expected_version(), w.create_only()));
      expect.back().unique = w.unique();
    }
    if (request->atomic()) {
      absl::StatusOr<std::vector<WriteResult>> all = events_.Put(events, expect);
      if (!all.ok()) return ToGrpcStatus(all.status());
      for (const WriteResult& w : *all) Fill(w, response->add_results());
      return grpc::Status::OK;
    }
    absl::StatusOr<std::vector<absl::StatusOr<WriteResult>>> each = events_.PutEach(events, expect);
    if (!each.ok()) return ToGrpcStatus(each.status());
    for (const absl::StatusOr<WriteResult>& w : *each) {
      internal::PutEventResponse* r = response->add_results();
      if (w.ok()) {
        Fill(*w, r);
      } else {
        r->set_error_code(static_cast<int>(w.status().code()));
        r->set_error_message(std::string(w.status().message()));
      }
    }
    return grpc::Status::OK;
  }
  std::vector<v1::Event> events(request->events().begin(), request->events().end());
  absl::StatusOr<std::vector<WriteResult>> results = events_.Put(events, {});
  if (!results.ok()) return ToGrpcStatus(results.status());
  for (const WriteResult& w : *results) Fill(w, response->add_results());
  return grpc::Status::OK;
}

grpc::Status StoreService::GetEvent(grpc::ServerContext* context,
                                    const internal::GetEventRequest* request,
                                    internal::StoredEvent* response) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcResponse(events_.Get(request->uid()), response);
}

grpc::Status StoreService::DeleteEvent(grpc::ServerContext* context,
                                       const internal::DeleteEventRequest* request,
                                       internal::DeleteEventResponse* response) {
  BABILLARD_AUTHORIZE(context);
  absl::StatusOr<WriteResult> w =
      events_.Delete(request->uid(), ExpectFor(request->expected_version(), false));
  if (!w.ok()) return ToGrpcStatus(w.status());
  response->set_cursor(w->cursor);
  return grpc::Status::OK;
}

grpc::Status StoreService::QueryEvents(grpc::ServerContext* context,
                                       const internal::QueryEventsRequest* request,
                                       internal::QueryEventsResponse* response) {
  BABILLARD_AUTHORIZE(context);
  absl::StatusOr<EventPage> page =
      events_.Query(request->filter(), request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (internal::StoredEvent& e : page->events) *response->add_events() = std::move(e);
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status StoreService::Watch(grpc::ServerContext* context,
                                 const internal::WatchRequest* request,
                                 grpc::ServerWriter<internal::WatchResponse>* writer) {
  BABILLARD_AUTHORIZE(context);
  WatchSink sink;
  sink.on_change = [&](const v1::Change& change) {
    internal::WatchResponse response;
    *response.mutable_change() = change;
    response.set_cursor(change.cursor());
    return writer->Write(response);
  };
  sink.on_snapshot_done = [&](const std::string& cursor) {
    internal::WatchResponse response;
    response.set_snapshot_done(true);
    response.set_cursor(cursor);
    return writer->Write(response);
  };
  sink.on_heartbeat = [&](const std::string& cursor) {
    internal::WatchResponse response;
    response.set_cursor(cursor);
    return writer->Write(response);
  };
  sink.cancelled = [&] { return context->IsCancelled(); };
  return ToGrpcStatus(events_.Watch(request->from_cursor(), request->snapshot(), sink));
}

grpc::Status StoreService::ReadChanges(grpc::ServerContext* context,
                                       const internal::ReadChangesRequest* request,
                                       internal::ReadChangesResponse* response) {
  BABILLARD_AUTHORIZE(context);
  absl::StatusOr<ChangePage> page =
      events_.ReadChanges(request->after(), request->limit() > 0 ? request->limit() : 100);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (v1::Change& c : page->changes) *response->add_changes() = std::move(c);
  response->set_last_cursor(page->last_cursor);
  return grpc::Status::OK;
}

grpc::Status StoreService::PutOrganization(grpc::ServerContext* context,
                                           const internal::PutOrganizationRequest* request,
                                           v1::Organization* response) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcResponse(registry_.PutOrganization(request->organization(), request->token_sha256(),
                                                  request->create_only()),
                        response);
}

grpc::Status StoreService::GetOrganization(grpc::ServerContext* context,
                                           const internal::GetOrganizationRequest* request,
                                           v1::Organization* response) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcResponse(registry_.GetOrganization(request->slug()), response);
}

grpc::Status StoreService::ListOrganizations(grpc::ServerContext* context,
                                             const internal::ListOrganizationsRequest*,
                                             internal::ListOrganizationsResponse* response) {
  BABILLARD_AUTHORIZE(context);
  absl::StatusOr<std::vector<v1::Organization>> orgs = registry_.ListOrganizations();
  if (!orgs.ok()) return ToGrpcStatus(orgs.status());
  for (auto& o : *orgs) *response->add_organizations() = std::move(o);
  return grpc::Status::OK;
}

grpc::Status StoreService::LookupToken(grpc::ServerContext* context,
                                       const internal::LookupTokenRequest* request,
                                       v1::Organization* response) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcResponse(registry_.LookupToken(request->token_sha256()), response);
}

grpc::Status StoreService::PutSource(grpc::ServerContext* context,
                                     const internal::PutSourceRequest* request,
                                     v1::Source* response) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcResponse(registry_.PutSource(request->source()), response);
}

grpc::Status StoreService::GetSource(grpc::ServerContext* context,
                                     const internal::GetSourceRequest* request,
                                     v1::Source* response) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcResponse(registry_.GetSource(request->id()), response);
}

grpc::Status StoreService::ListSources(grpc::ServerContext* context,
                                       const internal::ListSourcesRequest* request,
                                       internal::ListSourcesResponse* response) {
  BABILLARD_AUTHORIZE(context);
  absl::StatusOr<std::vector<v1::Source>> sources = registry_.ListSources(request->organization());
  if (!sources.ok()) return ToGrpcStatus(sources.status());
  for (auto& s : *sources) *response->add_sources() = std::move(s);
  return grpc::Status::OK;
}

grpc::Status StoreService::DeleteSource(grpc::ServerContext* context,
                                        const internal::DeleteSourceRequest* request,
                                        internal::DeleteSourceResponse*) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcStatus(registry_.DeleteSource(request->id()));
}

grpc::Status StoreService::PutNamedFeed(grpc::ServerContext* context,
                                        const internal::PutNamedFeedRequest* request,
                                        v1::NamedFeed* response) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcResponse(registry_.PutNamedFeed(request->feed(), request->create_only()), response);
}

grpc::Status StoreService::GetNamedFeed(grpc::ServerContext* context,
                                        const internal::GetNamedFeedRequest* request,
                                        v1::NamedFeed* response) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcResponse(registry_.GetNamedFeed(request->name()), response);
}

grpc::Status StoreService::ListNamedFeeds(grpc::ServerContext* context,
                                          const internal::ListNamedFeedsRequest*,
                                          internal::ListNamedFeedsResponse* response) {
  BABILLARD_AUTHORIZE(context);
  absl::StatusOr<std::vector<v1::NamedFeed>> feeds = registry_.ListNamedFeeds();
  if (!feeds.ok()) return ToGrpcStatus(feeds.status());
  for (auto& f : *feeds) *response->add_feeds() = std::move(f);
  return grpc::Status::OK;
}

grpc::Status StoreService::DeleteNamedFeed(grpc::ServerContext* context,
                                           const internal::DeleteNamedFeedRequest* request,
                                           internal::DeleteNamedFeedResponse*) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcStatus(registry_.DeleteNamedFeed(request->name()));
}

grpc::Status StoreService::PutWebhook(grpc::ServerContext* context,
                                      const internal::PutWebhookRequest* request,
                                      v1::Webhook* response) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcResponse(
      registry_.PutWebhook(request->webhook(), request->secret(), request->previous_secret(),
                           request->previous_secret_until()),
      response);
}

grpc::Status StoreService::GetWebhook(grpc::ServerContext* context,
                                      const internal::GetWebhookRequest* request,
                                      v1::Webhook* response) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcResponse(registry_.GetWebhook(request->id()), response);
}

grpc::Status StoreService::ListWebhooks(grpc::ServerContext* context,
                                        const internal::ListWebhooksRequest* request,
                                        internal::ListWebhooksResponse* response) {
  BABILLARD_AUTHORIZE(context);
  absl::StatusOr<std::vector<v1::Webhook>> hooks =
      registry_.ListWebhooks(request->organization(), request->include_secrets());
  if (!hooks.ok()) return ToGrpcStatus(hooks.status());
  for (auto& h : *hooks) *response->add_webhooks() = std::move(h);
  return grpc::Status::OK;
}

grpc::Status StoreService::DeleteWebhook(grpc::ServerContext* context,
                                         const internal::DeleteWebhookRequest* request,
                                         internal::DeleteWebhookResponse*) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcStatus(registry_.DeleteWebhook(request->id()));
}

grpc::Status StoreService::AdvanceWebhookCursor(
    grpc::ServerContext* context, const internal::AdvanceWebhookCursorRequest* request,
    v1::Webhook* response) {
  BABILLARD_AUTHORIZE(context);
  return ToGrpcResponse(
      registry_.AdvanceWebhookCursor(request->id(), request->expected_cursor(), request->cursor()),
      response);
}

grpc::Status StoreService::RecordDelivery(grpc::ServerContext* context,
                                          const internal::RecordDeliveryRequest* request,
                                          internal::RecordDeliveryResponse* response) {
  BABILLARD_AUTHORIZE(context);
  absl::StatusOr<int> failures = registry_.RecordDelivery(
      request->webhook_id(), request->delivery(), request->disable(), request->disable_reason());
  if (!failures.ok()) return ToGrpcStatus(failures.status());
  response->set_consecutive_failures(*failures);
  return grpc::Status::OK;
}

grpc::Status StoreService::ListDeliveries(grpc::ServerContext* context,
                                          const internal::ListDeliveriesRequest* request,
                                          internal::ListDeliveriesResponse* response) {
  BABILLARD_AUTHORIZE(context);
  absl::StatusOr<std::vector<v1::Delivery>> deliveries =
      registry_.ListDeliveries(request->webhook_id(), request->limit());
  if (!deliveries.ok()) return ToGrpcStatus(deliveries.status());
  for (auto& d : *deliveries) *response->add_deliveries() = std::move(d);
  return grpc::Status::OK;
}

}  // namespace babillard::store
