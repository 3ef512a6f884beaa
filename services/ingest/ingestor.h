#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "babillard/v1/ingest.pb.h"
#include "services/common/client/authenticator.h"
#include "services/common/client/store_client.h"
#include "services/common/group_commit.h"
#include "services/common/ical/calendar_parser.h"
#include "services/ingest/parse_worker.h"

namespace babillard::ingest {

struct IngestOptions {
  // Parsing limits, region zone and categories, UID derivation.
  ical::NormalizeOptions normalize;
  // Largest .ics accepted by ImportCalendar, in bytes.
  size_t max_import_bytes = 16u << 20;
  // Tests only: sources on loopback may be registered (the fetcher has its own flag).
  bool allow_loopback_sources = false;
};

// What a single-event write returns.
struct EventResult {
  v1::Event event;
  // The version the store gave it.
  int64_t version = 0;
  std::vector<std::string> warnings;
};

// The write path: every event goes through the iCalendar core (structured
// submissions are serialized to a VEVENT and parsed back, so they meet
// exactly the checks imports meet), gets its stored UID, organization,
// SEQUENCE, timestamps and per-language VEVENT texts, and is written to the
// store in one atomic step. Thread-safe.
class Ingestor {
 public:
  // `parse_untrusted` parses imports and sources (a worker process in the
  // service); single submissions are parsed in process.
  Ingestor(StoreClient& store, IngestOptions options,
           CalendarParser parse_untrusted = InProcessParser());

  absl::StatusOr<EventResult> Submit(const Caller& caller, const v1::SubmitEventRequest& request);
  absl::StatusOr<EventResult> Update(const Caller& caller, const v1::UpdateEventRequest& request);
  absl::StatusOr<EventResult> Cancel(const Caller& caller, const std::string& uid,
                                     const std::string& reason);
  absl::Status Delete(const Caller& caller, const std::string& uid);
  absl::StatusOr<internal::StoredEvent> Get(const Caller& caller, const std::string& uid);
  // INVALID_ARGUMENT (with field violations) when the file is rejected or
  // when none of its events could be taken; otherwise the report.
  absl::StatusOr<v1::ImportReport> Import(const Caller& caller,
                                          const v1::ImportCalendarRequest& request);
  // As Import, for a federated source: events carry its provenance and,
  // for a full snapshot, those of the source missing from `ics` are cancelled
  // in the same atomic write.
  absl::StatusOr<v1::ImportReport> ImportFromSource(const v1::Source& source,
                                                    const std::string& ics);

  absl::StatusOr<v1::CreateOrganizationResponse> CreateOrganization(const Caller& caller,
                                                                    const v1::Organization& org);
  absl::StatusOr<v1::RotateTokenResponse> RotateToken(const Caller& caller,
                                                      const std::string& slug);
  absl::StatusOr<std::vector<v1::Organization>> ListOrganizations(const Caller& caller);

  absl::StatusOr<v1::Source> AddSource(const Caller& caller, const v1::Source& source);
  absl::StatusOr<std::vector<v1::Source>> ListSources(const Caller& caller);
  // Admin: splits a duplicate from the event it was merged into (`uid` is
  // the duplicate's, or the merged event's with `provenance` naming which).
  absl::StatusOr<EventResult> SplitDuplicate(const Caller& caller, const std::string& uid,
                                             const v1::Provenance& provenance);
  absl::Status RemoveSource(const Caller& caller, const std::string& id);

  const IngestOptions& options() const { return options_; }

 private:
  // Parses one event from VEVENT/VCALENDAR text; BadRequest naming the fields.
  absl::StatusOr<EventResult> ParseOne(const std::string& ics, const std::string& field_prefix);
  // Structured fields -> the same normalized Event the parser gives.
  absl::StatusOr<EventResult> Normalize(const v1::Event& event);
  // Fills what the store keeps beside the user's fields.
  void Stamp(v1::Event& event, const v1::Event* existing) const;
  // Marks each new event that duplicates another organization's (see
  // duplicates.h) and returns the merged events, with the new provenances
  // added, to write in the same step.
  absl::StatusOr<std::vector<v1::Event>> MergeDuplicates(std::vector<v1::Event*> fresh);
  // After `gone` (as it was before) is cancelled or deleted by its
  // organization: if it was the canonical event of merged copies, the first
  // copy still on becomes canonical (the regional calendar keeps showing the
  // event another organization still holds); if it was a copy, its
  // organization leaves the canonical event's provenances. `cancelled` is
  // the event as now stored when it was cancelled (null when deleted).
  absl::Status Unmerge(const v1::Event& gone, const v1::Event* cancelled);
  absl::StatusOr<v1::ImportReport> ImportParsed(const std::string& organization,
                                                const std::string& ics, const v1::Source* source,
                                                const std::string& default_municipality,
                                                const std::vector<std::string>& default_categories,
                                                bool dry_run);

  // A new event's create-only write (`unique`: see PutEventRequest.unique).
  struct Creation {
    const v1::Event* event;
    bool unique;
  };

  StoreClient& store_;
  IngestOptions options_;
  CalendarParser parse_untrusted_;
  // Concurrent submits reach the store in one call.
  GroupCommit<Creation, absl::StatusOr<internal::PutEventResponse>> creations_;
};

// The stored UID of an organization's event: "<organization>/<their UID>", so
// that two organizations' UIDs never collide.
std::string StoredUid(const std::string& organization, const std::string& uid);

}  // namespace babillard::ingest
