#include "services/common/client/store_client.h"

#include "services/common/call_scope.h"
#include "services/common/grpc_status.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace babillard {

absl::Status StoreClient::FromStore(const grpc::Status& status) {
  absl::Status s = FromGrpcStatus(status);
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      log::Warn("store call failed", {{"code", absl::StatusCodeToString(s.code())},
                                      {"error", std::string(s.message())}});
      return absl::Status(s.code(), "the event store is unavailable; try again shortly");
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      log::Error("store call failed", {{"code", absl::StatusCodeToString(s.code())},
                                       {"error", std::string(s.message())}});
      return absl::Status(s.code(), "the event store failed; the operators have the details");
    default:
      return s;
  }
}

absl::Status StoreClient::Prepare(grpc::ClientContext& context) const {
  if (CallScope::Cancelled())
    return absl::CancelledError("the caller has gone; nothing more was asked of the store");
  context.set_deadline(absl::ToChronoTime(CallScope::Bound(deadline_)));
  if (!internal_token_.empty()) context.AddMetadata("authorization", "Bearer " + internal_token_);
  return absl::OkStatus();
}

absl::StatusOr<internal::PutEventsResponse> StoreClient::PutBatch(
    const std::vector<BatchWrite>& batch) {
  internal::PutEventsRequest request;
  request.set_atomic(true);
  for (const BatchWrite& w : batch) {
    internal::PutEventRequest* write = request.add_writes();
    *write->mutable_event() = *w.event;
    if (w.read_version > 0) {
      write->set_expected_version(w.read_version);
    } else {
      write->set_create_only(true);
    }
  }
  absl::StatusOr<internal::PutEventsResponse> put =
      Call(&internal::Store::StubInterface::PutEvents, request);
  // Created since it was read absent: as stale as a changed version.
  if (absl::IsAlreadyExists(put.status())) return absl::AbortedError(put.status().message());
  return put;
}

absl::StatusOr<std::vector<absl::StatusOr<internal::PutEventResponse>>> StoreClient::PutEach(
    const internal::PutEventsRequest& writes) {
  BABILLARD_ASSIGN_OR_RETURN(internal::PutEventsResponse response,
                             Call(&internal::Store::StubInterface::PutEvents, writes));
  if (response.results_size() != writes.writes_size()) {
    return absl::InternalError("store: one result per write expected");
  }
  std::vector<absl::StatusOr<internal::PutEventResponse>> out;
  for (internal::PutEventResponse& r : *response.mutable_results()) {
    if (r.error_code() != 0) {
      out.push_back(absl::Status(static_cast<absl::StatusCode>(r.error_code()), r.error_message()));
    } else {
      out.push_back(std::move(r));
    }
  }
  return out;
}

absl::StatusOr<internal::PutEventResponse> StoreClient::PutEvent(const v1::Event& event,
                                                                 int64_t expected_version,
                                                                 bool create_only) {
  internal::PutEventRequest request;
  *request.mutable_event() = event;
  request.set_expected_version(expected_version);
  request.set_create_only(create_only);
  return Call(&internal::Store::StubInterface::PutEvent, request);
}

absl::StatusOr<internal::StoredEvent> StoreClient::GetEvent(const std::string& uid) {
  internal::GetEventRequest request;
  request.set_uid(uid);
  return Call(&internal::Store::StubInterface::GetEvent, request);
}

absl::Status StoreClient::DeleteEvent(const std::string& uid, int64_t expected_version) {
  internal::DeleteEventRequest request;
  request.set_uid(uid);
  request.set_expected_version(expected_version);
  return Call(&internal::Store::StubInterface::DeleteEvent, request).status();
}

absl::StatusOr<internal::QueryEventsResponse> StoreClient::QueryEvents(
    const internal::QueryEventsRequest& request) {
  return Call(&internal::Store::StubInterface::QueryEvents, request);
}

absl::StatusOr<std::vector<internal::StoredEvent>> StoreClient::EventsOf(
    const std::string& organization) {
  internal::QueryEventsRequest request;
  request.mutable_filter()->add_organizations(organization);
  return QueryAll(std::move(request));
}

absl::StatusOr<std::vector<internal::StoredEvent>> StoreClient::EventsStarting(int64_t from,
                                                                               int64_t to) {
  internal::QueryEventsRequest request;
  request.mutable_filter()->set_from_seconds(from);
  request.mutable_filter()->set_to_seconds(to);
  request.mutable_filter()->set_by_start(true);
  return QueryAll(std::move(request));
}

absl::StatusOr<std::vector<internal::StoredEvent>> StoreClient::QueryAll(
    internal::QueryEventsRequest request) {
  std::vector<internal::StoredEvent> out;
  request.set_page_size(1000);
  do {
    BABILLARD_ASSIGN_OR_RETURN(internal::QueryEventsResponse page, QueryEvents(request));
    for (internal::StoredEvent& e : *page.mutable_events()) out.push_back(std::move(e));
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return out;
}

absl::StatusOr<v1::Organization> StoreClient::PutOrganization(const v1::Organization& org,
                                                              const std::string& token_sha256,
                                                              bool create_only) {
  internal::PutOrganizationRequest request;
  *request.mutable_organization() = org;
  request.set_token_sha256(token_sha256);
  request.set_create_only(create_only);
  return Call(&internal::Store::StubInterface::PutOrganization, request);
}

absl::StatusOr<v1::Organization> StoreClient::GetOrganization(const std::string& slug) {
  internal::GetOrganizationRequest request;
  request.set_slug(slug);
  return Call(&internal::Store::StubInterface::GetOrganization, request);
}

absl::StatusOr<std::vector<v1::Organization>> StoreClient::ListOrganizations() {
  internal::ListOrganizationsRequest request;
  BABILLARD_ASSIGN_OR_RETURN(internal::ListOrganizationsResponse response,
                             Call(&internal::Store::StubInterface::ListOrganizations, request));
  return std::vector<v1::Organization>(response.organizations().begin(),
                                       response.organizations().end());
}

absl::StatusOr<v1::Organization> StoreClient::LookupToken(const std::string& token_sha256) {
  internal::LookupTokenRequest request;
  request.set_token_sha256(token_sha256);
  return Call(&internal::Store::StubInterface::LookupToken, request);
}

absl::StatusOr<v1::Source> StoreClient::PutSource(const v1::Source& source) {
  internal::PutSourceRequest request;
  *request.mutable_source() = source;
  return Call(&internal::Store::StubInterface::PutSource, request);
}

absl::StatusOr<v1::Source> StoreClient::GetSource(const std::string& id) {
  internal::GetSourceRequest request;
  request.set_id(id);
  return Call(&internal::Store::StubInterface::GetSource, request);
}

absl::StatusOr<std::vector<v1::Source>> StoreClient::ListSources(const std::string& organization) {
  internal::ListSourcesRequest request;
  request.set_organization(organization);
  BABILLARD_ASSIGN_OR_RETURN(internal::ListSourcesResponse response,
                             Call(&internal::Store::StubInterface::ListSources, request));
  return std::vector<v1::Source>(response.sources().begin(), response.sources().end());
}

absl::Status StoreClient::DeleteSource(const std::string& id) {
  internal::DeleteSourceRequest request;
  request.set_id(id);
  return Call(&internal::Store::StubInterface::DeleteSource, request).status();
}

}  // namespace babillard
