#pragma once

#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "babillard/v1/event.pb.h"
#include "services/common/client/store_client.h"
#include "services/common/clock.h"
#include "services/ingest/fetcher.h"
#include "services/ingest/importer.h"
#include "services/ingest/poll_queue.h"

namespace babillard::ingest {

struct PollerOptions {
  // How often the poller looks for sources that are due.
  absl::Duration tick = absl::Seconds(5);
  // A source failing for this long (no success) is flagged.
  absl::Duration flag_after = absl::Hours(24);
  // Longest wait between attempts while a source fails.
  absl::Duration max_backoff = absl::Hours(6);
  // Sources fetched at once, the organizations taking turns (PollQueue).
  int threads = 4;
};

// Follows the organizations' own calendars: conditional GET, a content hash
// that ignores DTSTAMP (Google regenerates it on every request), import of
// what changed, cancellation of what a full snapshot no longer lists, backoff
// on errors, and each source's health kept in the store. An empty, truncated
// or unparsable answer never cancels anything; a 410 disables the source.
// Due sources are fetched `threads` at a time, fairly between organizations,
// so that one organization's slow sources do not delay everyone's.
class SourcePoller {
 public:
  SourcePoller(StoreClient& store, Importer& importer, CalendarFetcher& fetcher, const Clock& clock,
               PollerOptions options)
      : store_(store),
        importer_(importer),
        fetcher_(fetcher),
        clock_(clock),
        options_(std::move(options)) {}
  ~SourcePoller() { Stop(); }
  SourcePoller(const SourcePoller&) = delete;
  SourcePoller& operator=(const SourcePoller&) = delete;

  // Polls one source now (the "poll now" call). Returns the import report;
  // the error that made the poll fail otherwise (also recorded in the source).
  absl::StatusOr<v1::ImportReport> PollNow(const std::string& id);
  // Background polling of every due source until Stop().
  void Start();
  void Stop();

 private:
  absl::StatusOr<v1::ImportReport> Poll(v1::Source source);
  void Fail(v1::Source& source, const absl::Status& error, int http_status);
  void Save(const v1::Source& source);

  StoreClient& store_;
  Importer& importer_;
  CalendarFetcher& fetcher_;
  const Clock& clock_;
  PollerOptions options_;
  absl::Notification stop_;
  PollQueue due_;
  std::thread ticker_;
  std::vector<std::thread> workers_;
};

// SHA-256 of a calendar without its DTSTAMP lines (and line-ending agnostic).
std::string ContentHash(const std::string& ics);

}  // namespace babillard::ingest
