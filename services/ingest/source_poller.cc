#include "services/ingest/source_poller.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/auth/token.h"
#include "services/common/status_macros.h"

namespace babillard::ingest {

std::string ContentHash(const std::string& ics) {
  std::string kept;
  kept.reserve(ics.size());
  bool skipping = false;
  for (absl::string_view line : absl::StrSplit(ics, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (!continuation) skipping = absl::StartsWithIgnoreCase(line, "DTSTAMP");
    if (skipping) continue;
    kept.append(line.data(), line.size());
    kept.push_back('\n');
  }
  return auth::Sha256Hex(kept);
}

void SourcePoller::Save(const v1::Source& source) {
  // A source removed while it was being polled stays removed.
  if (absl::IsNotFound(store_.GetSource(source.id()).status())) return;
  (void)store_.PutSource(source);
}

void SourcePoller::Fail(v1::Source& source, const absl::Status& error, int http_status) {
  const absl::Time now = clock_.Now();
  source.set_last_http_status(http_status);
  source.set_consecutive_failures(source.consecutive_failures() + 1);
  source.set_health_reason(std::string(error.message()).substr(0, 300));
  const absl::Duration interval = absl::Seconds(std::max(60, source.poll_interval_seconds()));
  const double factor = std::pow(2.0, std::min(source.consecutive_failures(), 10));
  source.set_next_poll(
      absl::ToUnixSeconds(now + std::min(interval * factor, options_.max_backoff)));
  const absl::Time since = absl::FromUnixSeconds(source.last_success() > 0 ? source.last_success()
                                                                           : source.last_attempt());
  if (source.health() != v1::Source::HEALTH_DISABLED && now - since >= options_.flag_after) {
    source.set_health(v1::Source::HEALTH_FLAGGED);
    source.set_health_reason(
        absl::StrCat("failing since ", absl::FormatTime(since), ": ", error.message()));
  }
  Save(source);
}

absl::StatusOr<v1::ImportReport> SourcePoller::Poll(v1::Source source) {
  const absl::Time now = clock_.Now();
  if (source.last_attempt() == 0 && source.last_success() == 0)
    source.set_last_attempt(absl::ToUnixSeconds(now));
  absl::StatusOr<FetchResult> fetched =
      fetcher_.Fetch(source.url(), source.etag(), source.last_modified());
  source.set_last_attempt(absl::ToUnixSeconds(now));
  if (!fetched.ok()) {
    Fail(source, fetched.status(), 0);
    return fetched.status();
  }
  const int status = fetched->http_status;
  v1::ImportReport report;
  if (status == 410) {
    source.set_health(v1::Source::HEALTH_DISABLED);
    source.set_health_reason("410 Gone: the organization removed this calendar; polling stopped");
    source.set_last_http_status(410);
    Save(source);
    return absl::FailedPreconditionError(source.health_reason());
  }
  auto succeed = [&](const std::string& note) {
    source.set_last_http_status(status);
    source.set_last_success(absl::ToUnixSeconds(now));
    source.set_consecutive_failures(0);
    source.set_next_poll(
        absl::ToUnixSeconds(now + absl::Seconds(std::max(60, source.poll_interval_seconds()))));
    if (!fetched->etag.empty()) source.set_etag(fetched->etag);
    if (!fetched->last_modified.empty()) source.set_last_modified(fetched->last_modified);
    if (!note.empty()) report.add_warnings(note);
  };
  if (status == 304) {
    succeed("not modified (304)");
    if (source.health() != v1::Source::HEALTH_FLAGGED) source.set_health(v1::Source::HEALTH_OK);
    Save(source);
    return report;
  }
  if (status != 200) {
    absl::Status error = absl::UnavailableError(absl::StrCat("source answered HTTP ", status));
    Fail(source, error, status);
    return error;
  }
  if (absl::StripAsciiWhitespace(fetched->body).empty()) {
    absl::Status error = absl::FailedPreconditionError(
        "source answered 200 with an empty body; nothing was cancelled");
    Fail(source, error, status);
    return error;
  }
  const std::string hash = ContentHash(fetched->body);
  if (hash == source.content_hash()) {
    succeed("unchanged (same content, DTSTAMP aside)");
    if (source.health() != v1::Source::HEALTH_FLAGGED) source.set_health(v1::Source::HEALTH_OK);
    Save(source);
    return report;
  }
  absl::StatusOr<v1::ImportReport> imported = importer_.ImportFromSource(source, fetched->body);
  if (!imported.ok()) {
    source.set_last_parse_errors(source.last_parse_errors() + 1);
    Fail(source, imported.status(), status);
    return imported.status();
  }
  report = *std::move(imported);
  const int count = report.uids_size();
  succeed("");
  source.set_content_hash(hash);
  source.set_last_parse_errors(report.rejected_size());
  source.set_event_count_change(count - source.event_count());
  source.set_event_count(count);
  if (!report.held().empty()) {
    source.set_health(v1::Source::HEALTH_FLAGGED);
    source.set_health_reason(report.held());
    source.clear_content_hash();  // look again next time
  } else {
    source.set_health(v1::Source::HEALTH_OK);
    source.clear_health_reason();
  }
  Save(source);
  return report;
}

absl::StatusOr<v1::ImportReport> SourcePoller::PollNow(const std::string& id) {
  BABILLARD_ASSIGN_OR_RETURN(v1::Source source, store_.GetSource(id));
  if (source.health() == v1::Source::HEALTH_DISABLED) {
    return absl::FailedPreconditionError(
        absl::StrCat("source ", id, " is disabled: ", source.health_reason()));
  }
  return Poll(std::move(source));
}

void SourcePoller::Start() {
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    workers_.emplace_back([this] {
      while (std::optional<v1::Source> source = due_.Take()) {
        (void)Poll(*source);
        due_.Done(source->id());
      }
    });
  }
  ticker_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(options_.tick)) {
      absl::StatusOr<std::vector<v1::Source>> sources = store_.ListSources("");
      if (!sources.ok()) continue;
      const int64_t now = absl::ToUnixSeconds(clock_.Now());
      for (const v1::Source& s : *sources) {
        if (s.health() == v1::Source::HEALTH_DISABLED || s.next_poll() > now) continue;
        due_.Add(s);  // not again while it waits or is being polled
      }
    }
  });
}

void SourcePoller::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  due_.Close();
  if (ticker_.joinable()) ticker_.join();
  for (std::thread& w : workers_) {
    if (w.joinable()) w.join();
  }
}

}  // namespace babillard::ingest
