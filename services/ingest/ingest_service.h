#pragma once

#include "babillard/v1/ingest.grpc.pb.h"
#include "services/common/client/authenticator.h"
#include "services/common/clock.h"
#include "services/common/rate_limiter.h"
#include "services/ingest/importer.h"
#include "services/ingest/ingestor.h"
#include "services/ingest/merges.h"
#include "services/ingest/organizations.h"
#include "services/ingest/source_poller.h"
#include "services/ingest/sources.h"

namespace babillard::ingest {

// What the Ingest API hands its calls to.
struct IngestParts {
  Ingestor& events;
  Importer& importer;
  DuplicateMerger& merger;
  Organizations& organizations;
  Sources& sources;
  SourcePoller& poller;
};

// How fast one organization may write (0: no limit): one publisher that
// floods must not slow the region down.
struct IngestRates {
  double writes_per_second = 50;  // submit, update, cancel, delete, split
  double write_burst = 500;
  double imports_per_minute = 30;  // imports and source polls asked for
  double import_burst = 30;
};

// The Ingest gRPC API: authenticates every call first (UNAUTHENTICATED
// without a valid bearer token), holds each organization to its rates
// (RESOURCE_EXHAUSTED saying when to retry), then hands it to the class that
// does the work and maps its Status, with field violations, to gRPC.
class IngestService final : public v1::Ingest::Service {
 public:
  IngestService(Authenticator& auth, StoreClient& store, IngestParts parts, IngestRates rates = {},
                const Clock& clock = Clock::Real())
      : auth_(auth),
        store_(store),
        parts_(parts),
        writes_(rates.writes_per_second, rates.write_burst, clock),
        imports_(rates.imports_per_minute / 60, rates.import_burst, clock),
        imports_per_minute_(rates.imports_per_minute) {}

  grpc::Status SubmitEvent(grpc::ServerContext* context, const v1::SubmitEventRequest* request,
                           v1::SubmitEventResponse* response) override;
  grpc::Status UpdateEvent(grpc::ServerContext* context, const v1::UpdateEventRequest* request,
                           v1::UpdateEventResponse* response) override;
  grpc::Status CancelEvent(grpc::ServerContext* context, const v1::CancelEventRequest* request,
                           v1::CancelEventResponse* response) override;
  grpc::Status DeleteEvent(grpc::ServerContext* context, const v1::DeleteEventRequest* request,
                           v1::DeleteEventResponse* response) override;
  grpc::Status GetEvent(grpc::ServerContext* context, const v1::GetEventRequest* request,
                        v1::GetEventResponse* response) override;
  grpc::Status ListEvents(grpc::ServerContext* context, const v1::ListEventsRequest* request,
                          v1::ListEventsResponse* response) override;
  grpc::Status ImportCalendar(grpc::ServerContext* context,
                              const v1::ImportCalendarRequest* request,
                              v1::ImportReport* response) override;
  grpc::Status CreateOrganization(grpc::ServerContext* context,
                                  const v1::CreateOrganizationRequest* request,
                                  v1::CreateOrganizationResponse* response) override;
  grpc::Status ListOrganizations(grpc::ServerContext* context,
                                 const v1::ListOrganizationsRequest* request,
                                 v1::ListOrganizationsResponse* response) override;
  grpc::Status RotateToken(grpc::ServerContext* context, const v1::RotateTokenRequest* request,
                           v1::RotateTokenResponse* response) override;
  grpc::Status AddSource(grpc::ServerContext* context, const v1::AddSourceRequest* request,
                         v1::Source* response) override;
  grpc::Status ListSources(grpc::ServerContext* context, const v1::ListSourcesRequest* request,
                           v1::ListSourcesResponse* response) override;
  grpc::Status PollSource(grpc::ServerContext* context, const v1::PollSourceRequest* request,
                          v1::ImportReport* response) override;
  grpc::Status SplitDuplicate(grpc::ServerContext* context,
                              const v1::SplitDuplicateRequest* request,
                              v1::SplitDuplicateResponse* response) override;
  grpc::Status RemoveSource(grpc::ServerContext* context, const v1::RemoveSourceRequest* request,
                            v1::RemoveSourceResponse* response) override;

 private:
  // OK, or RESOURCE_EXHAUSTED when the caller's organization is over a rate.
  grpc::Status AdmitWrite(const Caller& caller);
  grpc::Status AdmitImport(const Caller& caller);

  Authenticator& auth_;
  StoreClient& store_;
  IngestParts parts_;
  RateLimiter writes_, imports_;
  const double imports_per_minute_;
};

}  // namespace babillard::ingest
