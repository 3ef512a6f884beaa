#include "services/ingest/ingest_service.h"

#include "services/common/grpc_status.h"

namespace babillard::ingest {
namespace {

#define BABILLARD_CALLER(caller, context)                       \
  absl::StatusOr<Caller> caller = auth_.Authenticate(*context); \
  if (!caller.ok()) return ToGrpcStatus(caller.status())

grpc::Status Fill(absl::StatusOr<EventResult> result, v1::SubmitEventResponse* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  // The iCalendar renderings are most of the bytes and the feeds' business.
  result->event.clear_ical_fr();
  result->event.clear_ical_en();
  *response->mutable_event() = std::move(result->event);
  for (std::string& w : result->warnings) response->add_warnings(std::move(w));
  return grpc::Status::OK;
}

}  // namespace

grpc::Status IngestService::SubmitEvent(grpc::ServerContext* context,
                                        const v1::SubmitEventRequest* request,
                                        v1::SubmitEventResponse* response) {
  BABILLARD_CALLER(caller, context);
  return Fill(ingestor_.Submit(*caller, *request), response);
}

grpc::Status IngestService::UpdateEvent(grpc::ServerContext* context,
                                        const v1::UpdateEventRequest* request,
                                        v1::SubmitEventResponse* response) {
  BABILLARD_CALLER(caller, context);
  return Fill(ingestor_.Update(*caller, *request), response);
}

grpc::Status IngestService::CancelEvent(grpc::ServerContext* context,
                                        const v1::CancelEventRequest* request,
                                        v1::SubmitEventResponse* response) {
  BABILLARD_CALLER(caller, context);
  return Fill(ingestor_.Cancel(*caller, request->uid(), request->reason()), response);
}

grpc::Status IngestService::DeleteEvent(grpc::ServerContext* context,
                                        const v1::DeleteEventRequest* request,
                                        v1::DeleteEventResponse*) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcStatus(ingestor_.Delete(*caller, request->uid()));
}

grpc::Status IngestService::GetEvent(grpc::ServerContext* context,
                                     const v1::GetEventRequest* request, v1::Event* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(ingestor_.Get(*caller, request->uid()), response);
}

grpc::Status IngestService::ListEvents(grpc::ServerContext* context,
                                       const v1::QueryEventsRequest* request,
                                       v1::QueryEventsResponse* response) {
  BABILLARD_CALLER(caller, context);
  absl::StatusOr<v1::QueryEventsResponse> page = store_.QueryEvents(*request);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (v1::Event& e : *page->mutable_events()) {
    if (e.visibility() == v1::Event::VISIBILITY_PRIVATE &&
        !CheckCanWrite(*caller, e.organization()).ok())
      continue;
    *response->add_events() = std::move(e);
  }
  response->set_next_page_token(page->next_page_token());
  return grpc::Status::OK;
}

grpc::Status IngestService::ImportCalendar(grpc::ServerContext* context,
                                           const v1::ImportCalendarRequest* request,
                                           v1::ImportReport* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(ingestor_.Import(*caller, *request), response);
}

grpc::Status IngestService::CreateOrganization(grpc::ServerContext* context,
                                               const v1::CreateOrganizationRequest* request,
                                               v1::CreateOrganizationResponse* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(ingestor_.CreateOrganization(*caller, request->organization()), response);
}

grpc::Status IngestService::ListOrganizations(grpc::ServerContext* context,
                                              const v1::ListOrganizationsRequest*,
                                              v1::ListOrganizationsResponse* response) {
  BABILLARD_CALLER(caller, context);
  absl::StatusOr<std::vector<v1::Organization>> orgs = ingestor_.ListOrganizations(*caller);
  if (!orgs.ok()) return ToGrpcStatus(orgs.status());
  for (auto& o : *orgs) *response->add_organizations() = std::move(o);
  return grpc::Status::OK;
}

grpc::Status IngestService::RotateToken(grpc::ServerContext* context,
                                        const v1::RotateTokenRequest* request,
                                        v1::CreateOrganizationResponse* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(ingestor_.RotateToken(*caller, request->slug()), response);
}

grpc::Status IngestService::AddSource(grpc::ServerContext* context,
                                      const v1::AddSourceRequest* request, v1::Source* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(ingestor_.AddSource(*caller, request->source()), response);
}

grpc::Status IngestService::ListSources(grpc::ServerContext* context, const v1::ListSourcesRequest*,
                                        v1::ListSourcesResponse* response) {
  BABILLARD_CALLER(caller, context);
  absl::StatusOr<std::vector<v1::Source>> sources = ingestor_.ListSources(*caller);
  if (!sources.ok()) return ToGrpcStatus(sources.status());
  for (auto& s : *sources) *response->add_sources() = std::move(s);
  return grpc::Status::OK;
}

grpc::Status IngestService::PollSource(grpc::ServerContext* context,
                                       const v1::PollSourceRequest* request,
                                       v1::ImportReport* response) {
  BABILLARD_CALLER(caller, context);
  absl::StatusOr<v1::Source> source = store_.GetSource(request->id());
  if (!source.ok()) return ToGrpcStatus(source.status());
  if (absl::Status s = CheckCanWrite(*caller, source->organization()); !s.ok())
    return ToGrpcStatus(s);
  return ToGrpcResponse(poller_.PollNow(request->id()), response);
}

grpc::Status IngestService::SplitDuplicate(grpc::ServerContext* context,
                                           const v1::SplitDuplicateRequest* request,
                                           v1::SubmitEventResponse* response) {
  BABILLARD_CALLER(caller, context);
  return Fill(ingestor_.SplitDuplicate(*caller, request->uid(), request->provenance()), response);
}

grpc::Status IngestService::RemoveSource(grpc::ServerContext* context,
                                         const v1::DeleteSourceRequest* request,
                                         v1::DeleteSourceResponse*) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcStatus(ingestor_.RemoveSource(*caller, request->id()));
}

}  // namespace babillard::ingest
