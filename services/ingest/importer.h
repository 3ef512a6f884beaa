#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "babillard/v1/ingest.pb.h"
#include "services/common/client/authenticator.h"
#include "services/common/client/store_client.h"
#include "services/common/clock.h"
#include "services/ingest/ingest_options.h"
#include "services/ingest/merges.h"
#include "services/ingest/parse_worker.h"

namespace babillard::ingest {

// Whole calendars into an organization's events: each event diffed against
// what is stored (unchanged ones are not written), merged with other
// organizations' duplicates, and everything written in one atomic step. For
// a full-snapshot source, what it no longer lists is cancelled in the same
// step, unless it suddenly lost more than half of its events (then nothing
// is cancelled and the report says it was held). Blocking; thread-safe.
class Importer {
 public:
  // `parse_untrusted` parses the bytes (a worker process in the service).
  Importer(StoreClient& store, const IngestOptions& options, CalendarParser parse_untrusted,
           DuplicateMerger& merger, const Clock& clock)
      : store_(store),
        options_(options),
        parse_untrusted_(std::move(parse_untrusted)),
        merger_(merger),
        clock_(clock) {}

  // INVALID_ARGUMENT (with field violations) when the file is rejected or
  // when none of its events could be taken; otherwise the report.
  absl::StatusOr<v1::ImportReport> Import(const Caller& caller,
                                          const v1::ImportCalendarRequest& request);
  // As Import, for a federated source: events carry its provenance and, for
  // a full snapshot, those of the source missing from `ics` are cancelled.
  absl::StatusOr<v1::ImportReport> ImportFromSource(const v1::Source& source,
                                                    const std::string& ics);

 private:
  // What events get for the fields they leave empty.
  struct ImportDefaults {
    // Given with the call (or the source): applied to every event without one.
    std::string municipality;
    std::vector<std::string> categories;
    // The organization's own: for new events only, after the stored value.
    std::string home_municipality;
  };
  absl::StatusOr<v1::ImportReport> ImportParsed(const std::string& organization,
                                                const std::string& ics, const v1::Source* source,
                                                const ImportDefaults& defaults, bool dry_run);
  // One attempt from a fresh read of the organization's events
  // (RetryOnConflict): the diff, cancellations, merges, and one PutBatch.
  absl::StatusOr<v1::ImportReport> WriteImport(const std::string& organization,
                                               std::vector<v1::Event>& events,
                                               const v1::Source* source, v1::ImportReport report,
                                               bool dry_run, const std::string& home_municipality);

  StoreClient& store_;
  const IngestOptions& options_;
  CalendarParser parse_untrusted_;
  DuplicateMerger& merger_;
  const Clock& clock_;
};

}  // namespace babillard::ingest
