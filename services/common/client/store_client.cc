#include "services/common/client/store_client.h"

#include "services/common/grpc_status.h"

namespace babillard {

void StoreClient::Prepare(grpc::ClientContext& context) const {
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  if (!internal_token_.empty()) context.AddMetadata("authorization", "Bearer " + internal_token_);
}

absl::StatusOr<v1::PutEventsResponse> StoreClient::PutEvents(const std::vector<v1::Event>& events) {
  v1::PutEventsRequest request;
  for (const v1::Event& e : events) *request.add_events() = e;
  return Call(&v1::Store::StubInterface::PutEvents, request);
}

absl::StatusOr<std::vector<absl::StatusOr<v1::PutEventResponse>>> StoreClient::PutEach(
    const v1::PutEventsRequest& writes) {
  absl::StatusOr<v1::PutEventsResponse> response =
      Call(&v1::Store::StubInterface::PutEvents, writes);
  if (!response.ok()) return response.status();
  if (response->results_size() != writes.writes_size()) {
    return absl::InternalError("store: one result per write expected");
  }
  std::vector<absl::StatusOr<v1::PutEventResponse>> out;
  for (v1::PutEventResponse& r : *response->mutable_results()) {
    if (r.error_code() != 0) {
      out.push_back(absl::Status(static_cast<absl::StatusCode>(r.error_code()), r.error_message()));
    } else {
      out.push_back(std::move(r));
    }
  }
  return out;
}

absl::StatusOr<v1::PutEventResponse> StoreClient::PutEvent(const v1::Event& event,
                                                           int64_t expected_version,
                                                           bool create_only) {
  v1::PutEventRequest request;
  *request.mutable_event() = event;
  request.set_expected_version(expected_version);
  request.set_create_only(create_only);
  return Call(&v1::Store::StubInterface::PutEvent, request);
}

absl::StatusOr<v1::Event> StoreClient::GetEvent(const std::string& uid) {
  v1::GetEventRequest request;
  request.set_uid(uid);
  return Call(&v1::Store::StubInterface::GetEvent, request);
}

absl::Status StoreClient::DeleteEvent(const std::string& uid, int64_t expected_version) {
  v1::DeleteEventRequest request;
  request.set_uid(uid);
  request.set_expected_version(expected_version);
  return Call(&v1::Store::StubInterface::DeleteEvent, request).status();
}

absl::StatusOr<v1::QueryEventsResponse> StoreClient::QueryEvents(
    const v1::QueryEventsRequest& request) {
  return Call(&v1::Store::StubInterface::QueryEvents, request);
}

absl::StatusOr<std::vector<v1::Event>> StoreClient::EventsOf(const std::string& organization) {
  v1::QueryEventsRequest request;
  request.mutable_filter()->add_organizations(organization);
  return QueryAll(std::move(request));
}

absl::StatusOr<std::vector<v1::Event>> StoreClient::EventsStarting(int64_t from, int64_t to) {
  v1::QueryEventsRequest request;
  request.mutable_filter()->set_from_seconds(from);
  request.mutable_filter()->set_to_seconds(to);
  request.mutable_filter()->set_by_start(true);
  return QueryAll(std::move(request));
}

absl::StatusOr<std::vector<v1::Event>> StoreClient::QueryAll(v1::QueryEventsRequest request) {
  std::vector<v1::Event> out;
  request.set_page_size(1000);
  do {
    absl::StatusOr<v1::QueryEventsResponse> page = QueryEvents(request);
    if (!page.ok()) return page.status();
    for (v1::Event& e : *page->mutable_events()) out.push_back(std::move(e));
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  return out;
}

absl::StatusOr<v1::Organization> StoreClient::PutOrganization(const v1::Organization& org,
                                                              const std::string& token_sha256,
                                                              bool create_only) {
  v1::PutOrganizationRequest request;
  *request.mutable_organization() = org;
  request.set_token_sha256(token_sha256);
  request.set_create_only(create_only);
  return Call(&v1::Store::StubInterface::PutOrganization, request);
}

absl::StatusOr<v1::Organization> StoreClient::GetOrganization(const std::string& slug) {
  v1::GetOrganizationRequest request;
  request.set_slug(slug);
  return Call(&v1::Store::StubInterface::GetOrganization, request);
}

absl::StatusOr<std::vector<v1::Organization>> StoreClient::ListOrganizations() {
  v1::ListOrganizationsRequest request;
  absl::StatusOr<v1::ListOrganizationsResponse> response =
      Call(&v1::Store::StubInterface::ListOrganizations, request);
  if (!response.ok()) return response.status();
  return std::vector<v1::Organization>(response->organizations().begin(),
                                       response->organizations().end());
}

absl::StatusOr<v1::Organization> StoreClient::LookupToken(const std::string& token_sha256) {
  v1::LookupTokenRequest request;
  request.set_token_sha256(token_sha256);
  return Call(&v1::Store::StubInterface::LookupToken, request);
}

absl::StatusOr<v1::Source> StoreClient::PutSource(const v1::Source& source) {
  v1::PutSourceRequest request;
  *request.mutable_source() = source;
  return Call(&v1::Store::StubInterface::PutSource, request);
}

absl::StatusOr<v1::Source> StoreClient::GetSource(const std::string& id) {
  v1::GetSourceRequest request;
  request.set_id(id);
  return Call(&v1::Store::StubInterface::GetSource, request);
}

absl::StatusOr<std::vector<v1::Source>> StoreClient::ListSources(const std::string& organization) {
  v1::ListSourcesRequest request;
  request.set_organization(organization);
  absl::StatusOr<v1::ListSourcesResponse> response =
      Call(&v1::Store::StubInterface::ListSources, request);
  if (!response.ok()) return response.status();
  return std::vector<v1::Source>(response->sources().begin(), response->sources().end());
}

absl::Status StoreClient::DeleteSource(const std::string& id) {
  v1::DeleteSourceRequest request;
  request.set_id(id);
  return Call(&v1::Store::StubInterface::DeleteSource, request).status();
}

}  // namespace babillard
