#include "services/ingest/ingest_service.h"

#include "services/common/filter_checks.h"
#include "services/common/grpc_call_scope.h"
#include "services/common/grpc_status.h"
#include "services/common/log.h"

namespace babillard::ingest {
namespace {

// What the call does on the caller's behalf ends with its deadline or when
// it goes (CallScope).
#define BABILLARD_CALLER(caller, context)                       \
  GrpcCallScope call_scope(*context);                           \
  absl::StatusOr<Caller> caller = auth_.Authenticate(*context); \
  if (!caller.ok()) return ToGrpcStatus(caller.status())

// An authenticated caller within its organization's rate of `kind` (Write, Import).
#define BABILLARD_RATED_CALLER(caller, context, kind) \
  BABILLARD_CALLER(caller, context);                  \
  if (grpc::Status over = Admit##kind(*caller); !over.ok()) return over

// Every single-event write answers with the event, its version and warnings.
template <typename Response>
grpc::Status Fill(absl::StatusOr<EventResult> result, Response* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response->mutable_event() = std::move(result->event);
  response->set_version(result->version);
  if constexpr (requires { response->add_warnings(); }) {
    for (std::string& w : result->warnings) response->add_warnings(std::move(w));
  }
  return grpc::Status::OK;
}

std::string WhoIs(const Caller& caller) {
  return caller.organization.empty() ? "admin" : "organization " + caller.organization;
}

grpc::Status Admit(RateLimiter& limiter, const Caller& caller, std::string_view what,
                   std::string_view per, double rate) {
  const absl::Duration wait = limiter.Take(WhoIs(caller));
  if (wait == absl::ZeroDuration()) return grpc::Status::OK;
  return ToGrpcStatus(RateLimitedError(WhoIs(caller), what, per, rate, wait));
}

}  // namespace

grpc::Status IngestService::AdmitWrite(const Caller& caller) {
  return Admit(writes_, caller, "writes", "second", writes_.per_second());
}

grpc::Status IngestService::AdmitImport(const Caller& caller) {
  return Admit(imports_, caller, "imports", "minute", imports_per_minute_);
}

grpc::Status IngestService::SubmitEvent(grpc::ServerContext* context,
                                        const v1::SubmitEventRequest* request,
                                        v1::SubmitEventResponse* response) {
  BABILLARD_RATED_CALLER(caller, context, Write);
  return Fill(parts_.events.Submit(*caller, *request), response);
}

grpc::Status IngestService::UpdateEvent(grpc::ServerContext* context,
                                        const v1::UpdateEventRequest* request,
                                        v1::UpdateEventResponse* response) {
  BABILLARD_RATED_CALLER(caller, context, Write);
  return Fill(parts_.events.Update(*caller, *request), response);
}

grpc::Status IngestService::CancelEvent(grpc::ServerContext* context,
                                        const v1::CancelEventRequest* request,
                                        v1::CancelEventResponse* response) {
  BABILLARD_RATED_CALLER(caller, context, Write);
  return Fill(
      parts_.events.Cancel(*caller, request->uid(), request->reason(), request->occurrence()),
      response);
}

grpc::Status IngestService::DeleteEvent(grpc::ServerContext* context,
                                        const v1::DeleteEventRequest* request,
                                        v1::DeleteEventResponse*) {
  BABILLARD_RATED_CALLER(caller, context, Write);
  return ToGrpcStatus(parts_.events.Delete(*caller, request->uid()));
}

grpc::Status IngestService::GetEvent(grpc::ServerContext* context,
                                     const v1::GetEventRequest* request,
                                     v1::GetEventResponse* response) {
  BABILLARD_CALLER(caller, context);
  absl::StatusOr<internal::StoredEvent> stored = parts_.events.Get(*caller, request->uid());
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  *response->mutable_event() = std::move(*stored->mutable_event());
  response->set_version(stored->version());
  return grpc::Status::OK;
}

grpc::Status IngestService::ListEvents(grpc::ServerContext* context,
                                       const v1::ListEventsRequest* request,
                                       v1::ListEventsResponse* response) {
  BABILLARD_CALLER(caller, context);
  if (absl::Status valid = ValidateFilter(request->filter(), "filter."); !valid.ok())
    return ToGrpcStatus(valid);
  internal::QueryEventsRequest query;
  *query.mutable_filter() = request->filter();
  query.set_page_size(request->page_size());
  query.set_page_token(request->page_token());
  absl::StatusOr<internal::QueryEventsResponse> page = store_.QueryEvents(query);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (internal::StoredEvent& stored : *page->mutable_events()) {
    v1::Event& e = *stored.mutable_event();
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
  BABILLARD_RATED_CALLER(caller, context, Import);
  absl::StatusOr<v1::ImportReport> report = parts_.importer.Import(*caller, *request);
  if (absl::IsCancelled(report.status()) || absl::IsDeadlineExceeded(report.status())) {
    // Nobody hears this answer: the operators may want to know.
    log::Info("import stopped",
              {{"organization", WhoIs(*caller)}, {"why", std::string(report.status().message())}});
  }
  return ToGrpcResponse(std::move(report), response);
}

grpc::Status IngestService::CreateOrganization(grpc::ServerContext* context,
                                               const v1::CreateOrganizationRequest* request,
                                               v1::CreateOrganizationResponse* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(parts_.organizations.Create(*caller, request->organization()), response);
}

grpc::Status IngestService::ListOrganizations(grpc::ServerContext* context,
                                              const v1::ListOrganizationsRequest*,
                                              v1::ListOrganizationsResponse* response) {
  BABILLARD_CALLER(caller, context);
  absl::StatusOr<std::vector<v1::Organization>> orgs = parts_.organizations.List(*caller);
  if (!orgs.ok()) return ToGrpcStatus(orgs.status());
  for (auto& o : *orgs) *response->add_organizations() = std::move(o);
  return grpc::Status::OK;
}

grpc::Status IngestService::RotateToken(grpc::ServerContext* context,
                                        const v1::RotateTokenRequest* request,
                                        v1::RotateTokenResponse* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(parts_.organizations.RotateToken(*caller, request->slug()), response);
}

grpc::Status IngestService::AddSource(grpc::ServerContext* context,
                                      const v1::AddSourceRequest* request, v1::Source* response) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcResponse(parts_.sources.Add(*caller, request->source()), response);
}

grpc::Status IngestService::ListSources(grpc::ServerContext* context, const v1::ListSourcesRequest*,
                                        v1::ListSourcesResponse* response) {
  BABILLARD_CALLER(caller, context);
  absl::StatusOr<std::vector<v1::Source>> sources = parts_.sources.List(*caller);
  if (!sources.ok()) return ToGrpcStatus(sources.status());
  for (auto& s : *sources) *response->add_sources() = std::move(s);
  return grpc::Status::OK;
}

grpc::Status IngestService::PollSource(grpc::ServerContext* context,
                                       const v1::PollSourceRequest* request,
                                       v1::ImportReport* response) {
  BABILLARD_RATED_CALLER(caller, context, Import);
  absl::StatusOr<v1::Source> source = store_.GetSource(request->id());
  if (!source.ok()) return ToGrpcStatus(source.status());
  if (absl::Status s = CheckCanWrite(*caller, source->organization()); !s.ok())
    return ToGrpcStatus(s);
  return ToGrpcResponse(parts_.poller.PollNow(request->id()), response);
}

grpc::Status IngestService::SplitDuplicate(grpc::ServerContext* context,
                                           const v1::SplitDuplicateRequest* request,
                                           v1::SplitDuplicateResponse* response) {
  BABILLARD_RATED_CALLER(caller, context, Write);
  return Fill(parts_.merger.Split(*caller, request->uid(), request->provenance()), response);
}

grpc::Status IngestService::RemoveSource(grpc::ServerContext* context,
                                         const v1::RemoveSourceRequest* request,
                                         v1::RemoveSourceResponse*) {
  BABILLARD_CALLER(caller, context);
  return ToGrpcStatus(parts_.sources.Remove(*caller, request->id()));
}

}  // namespace babillard::ingest
