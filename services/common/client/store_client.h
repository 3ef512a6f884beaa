#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "babillard/internal/store.grpc.pb.h"
#include "services/common/grpc_status.h"

namespace babillard {

// One event of an atomic batch and the version it was read at (0: it was not
// stored). The batch is written only if every event is still at that version.
// The event is the caller's, alive until PutBatch returns (an import's 10,000
// events are not copied once more).
struct BatchWrite {
  const v1::Event* event = nullptr;
  int64_t read_version = 0;
};

// The store's internal API as ingest and publish use it: deadlines, the internal token and protos
// hidden; every call returns a Status. Thread-safe.
class StoreClient {
 public:
  StoreClient(std::unique_ptr<internal::Store::StubInterface> stub, std::string internal_token,
              absl::Duration deadline = absl::Seconds(10))
      : stub_(std::move(stub)), internal_token_(std::move(internal_token)), deadline_(deadline) {}

  // All written or none, and only if none changed since it was read: ABORTED
  // otherwise (a stale version, or created meanwhile); the caller reads
  // again (RetryOnConflict, services/ingest/conflicts.h).
  absl::StatusOr<internal::PutEventsResponse> PutBatch(const std::vector<BatchWrite>& batch);
  absl::StatusOr<internal::PutEventResponse> PutEvent(const v1::Event& event,
                                                      int64_t expected_version, bool create_only);
  // Independent writes sent together (PutEventsRequest.writes): one result
  // per write, in order; an error for the call means none was written.
  absl::StatusOr<std::vector<absl::StatusOr<internal::PutEventResponse>>> PutEach(
      const internal::PutEventsRequest& writes);
  absl::StatusOr<internal::StoredEvent> GetEvent(const std::string& uid);
  absl::Status DeleteEvent(const std::string& uid, int64_t expected_version);
  absl::StatusOr<internal::QueryEventsResponse> QueryEvents(
      const internal::QueryEventsRequest& request);
  // Every event of an organization (all pages).
  absl::StatusOr<std::vector<internal::StoredEvent>> EventsOf(const std::string& organization);
  // Every event whose first start is in [from, to), epoch seconds (all pages).
  absl::StatusOr<std::vector<internal::StoredEvent>> EventsStarting(int64_t from, int64_t to);

  absl::StatusOr<v1::Organization> PutOrganization(const v1::Organization& org,
                                                   const std::string& token_sha256,
                                                   bool create_only);
  absl::StatusOr<v1::Organization> GetOrganization(const std::string& slug);
  absl::StatusOr<std::vector<v1::Organization>> ListOrganizations();
  absl::StatusOr<v1::Organization> LookupToken(const std::string& token_sha256);
  absl::StatusOr<v1::Source> PutSource(const v1::Source& source);
  absl::StatusOr<v1::Source> GetSource(const std::string& id);
  absl::StatusOr<std::vector<v1::Source>> ListSources(const std::string& organization);
  absl::Status DeleteSource(const std::string& id);

  // Every call waits at most `deadline`, and no longer than the call being
  // served (CallScope) has left.
  // Any other Store call, with the same deadline and token:
  //   store.Call(&internal::Store::StubInterface::ListWebhooks, request)
  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(grpc::Status (internal::Store::StubInterface::*method)(
                                    grpc::ClientContext*, const Request&, Response*),
                                const Request& request) const {
    grpc::ClientContext context;
    if (absl::Status ready = Prepare(context); !ready.ok()) return ready;
    Response response;
    if (grpc::Status s = (stub_.get()->*method)(&context, request, &response); !s.ok())
      return FromStore(s);
    return response;
  }

 private:
  // The store's own trouble (Redis or the store unreachable, a failure
  // inside it) reaches users through ingest and publish: they get what
  // happened and what to do; the log gets the details (addresses, sockets).
  static absl::Status FromStore(const grpc::Status& status);
  // The call's deadline and token; CANCELLED, and nothing is sent, when the
  // call being served (CallScope) has already gone.
  absl::Status Prepare(grpc::ClientContext& context) const;
  absl::StatusOr<std::vector<internal::StoredEvent>> QueryAll(internal::QueryEventsRequest request);

  std::unique_ptr<internal::Store::StubInterface> stub_;
  std::string internal_token_;
  absl::Duration deadline_;
};

}  // namespace babillard
