#include "services/ingest/importer.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "services/common/call_scope.h"
#include "services/common/grpc_status.h"
#include "services/common/status_macros.h"
#include "services/ingest/conflicts.h"
#include "services/ingest/event_input.h"
#include "services/ingest/home_municipality.h"
#include "services/ingest/region_fields.h"
#include "services/ingest/stamping.h"

namespace babillard::ingest {
namespace {

// A field the calendar and the call leave empty is not a change: an event
// already stored keeps its municipality and categories (a re-import without
// --municipality must not take it out of its municipality's feed), and a
// new one is in its organization's municipality.
void KeepWhatTheCalendarDoesNotSay(v1::Event& e, const internal::StoredEvent* before,
                                   const std::string& home_municipality) {
  if (e.location().municipality().empty()) {
    const std::string& kept =
        before != nullptr && !before->event().location().municipality().empty()
            ? before->event().location().municipality()
            : home_municipality;
    if (!kept.empty()) e.mutable_location()->set_municipality(kept);
  }
  if (e.categories().empty() && before != nullptr) {
    *e.mutable_categories() = before->event().categories();
  }
}

}  // namespace

absl::StatusOr<v1::ImportReport> Importer::Import(const Caller& caller,
                                                  const v1::ImportCalendarRequest& request) {
  // A publisher naming another organization is refused, not ignored (#13 item 1).
  BABILLARD_ASSIGN_OR_RETURN(std::string org,
                             ActingFor(caller, request.organization(), "organization"));
  BABILLARD_RETURN_IF_ERROR(CheckCanWrite(caller, org));
  if (request.ics().size() > options_.max_import_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "ics: ", request.ics().size(), " bytes exceeds the limit of ", options_.max_import_bytes));
  }
  std::string municipality = request.default_municipality();
  google::protobuf::RepeatedPtrField<std::string> defaults = request.default_categories();
  BABILLARD_RETURN_IF_ERROR(ResolveCallDefaults(municipality, defaults, options_.normalize));
  std::vector<std::string> categories(defaults.begin(), defaults.end());
  BABILLARD_ASSIGN_OR_RETURN(std::string home, HomeMunicipality(store_, caller, org));
  return ImportParsed(org, request.ics(), nullptr, {municipality, categories, home},
                      request.dry_run());
}

absl::StatusOr<v1::ImportReport> Importer::ImportFromSource(const v1::Source& source,
                                                            const std::string& ics) {
  std::vector<std::string> categories(source.default_categories().begin(),
                                      source.default_categories().end());
  BABILLARD_ASSIGN_OR_RETURN(std::string home,
                             HomeMunicipality(store_, Caller{}, source.organization()));
  return ImportParsed(source.organization(), ics, &source,
                      {source.default_municipality(), categories, home}, false);
}

absl::StatusOr<v1::ImportReport> Importer::ImportParsed(const std::string& org,
                                                        const std::string& ics,
                                                        const v1::Source* source,
                                                        const ImportDefaults& defaults,
                                                        bool dry_run) {
  absl::StatusOr<ical::ParsedCalendar> parsed = parse_untrusted_(ics, options_.normalize);
  if (!parsed.ok()) return CalendarParseError(parsed.status(), "ics");
  v1::ImportReport report;
  for (const std::string& w : parsed->warnings) report.add_warnings(w);
  for (const v1::Rejection& r : parsed->rejections) *report.add_rejected() = r;
  if (parsed->events.empty() && !parsed->rejections.empty()) {
    return BadRequestError(
        absl::StrCat("no event could be imported: ", parsed->rejections[0].field(), ": ",
                     parsed->rejections[0].reason()),
        ViolationsFrom(parsed->rejections, ""));
  }
  for (v1::Event& e : parsed->events) {
    // What the caller's choices make of each event, once; the rest depends
    // on what is stored and is worked out again on each attempt.
    const std::string source_uid = e.uid();
    SetSeriesUid(e, StoredUid(org, source_uid));
    e.set_organization(org);
    if (e.location().municipality().empty() && !defaults.municipality.empty()) {
      e.mutable_location()->set_municipality(defaults.municipality);
    }
    if (e.categories().empty()) {
      for (const std::string& c : defaults.categories) e.add_categories(c);
    }
    v1::Provenance* p = e.add_provenance();
    p->set_organization(org);
    if (source != nullptr) p->set_source_id(source->id());
    p->set_source_uid(source_uid);
  }
  return RetryOnConflict([&] {
    return WriteImport(org, parsed->events, source, report, dry_run, defaults.home_municipality);
  });
}

absl::StatusOr<v1::ImportReport> Importer::WriteImport(const std::string& org,
                                                       std::vector<v1::Event>& events,
                                                       const v1::Source* source,
                                                       v1::ImportReport report, bool dry_run,
                                                       const std::string& home_municipality) {
  BABILLARD_ASSIGN_OR_RETURN(std::vector<internal::StoredEvent> stored, store_.EventsOf(org));
  absl::flat_hash_map<std::string, const internal::StoredEvent*> existing;
  for (const internal::StoredEvent& s : stored) existing[s.event().uid()] = &s;
  std::vector<BatchWrite> writes;
  std::vector<v1::Event*> fresh;
  absl::flat_hash_set<std::string> seen;
  for (v1::Event& e : events) {
    // Back to what the calendar says, in case an earlier attempt merged it.
    e.mutable_provenance()->DeleteSubrange(1, e.provenance_size() - 1);
    e.clear_duplicate_of();
    e.clear_distinct_from();
    seen.insert(e.uid());
    report.add_uids(e.uid());
    auto it = existing.find(e.uid());
    const internal::StoredEvent* before = it == existing.end() ? nullptr : it->second;
    KeepWhatTheCalendarDoesNotSay(e, before, home_municipality);
    if (before != nullptr) {
      // What ingest added stays: other organizations' provenances, merges, splits.
      for (const v1::Provenance& other : before->event().provenance()) {
        if (other.organization() != org) *e.add_provenance() = other;
      }
      e.set_duplicate_of(before->event().duplicate_of());
      *e.mutable_distinct_from() = before->event().distinct_from();
    }
    if (before != nullptr && SameContent(e, before->event())) {
      report.set_unchanged(report.unchanged() + 1);
      continue;
    }
    Stamp(e, before == nullptr ? nullptr : &before->event(), clock_.Now());
    if (before == nullptr) {
      report.set_accepted(report.accepted() + 1);
      fresh.push_back(&e);
    } else {
      report.set_updated(report.updated() + 1);
    }
    writes.push_back({&e, before == nullptr ? 0 : before->version()});
  }
  std::vector<internal::StoredEvent> gone;
  if (source != nullptr && source->mode() != v1::Source::MODE_DELTA && !events.empty()) {
    // A full snapshot: what the source no longer lists is cancelled, unless
    // it suddenly lost more than half of its events (held, flagged).
    int before_count = 0;
    for (const internal::StoredEvent& s : stored) {
      const v1::Event& e = s.event();
      const bool from_source =
          !e.provenance().empty() && e.provenance(0).source_id() == source->id();
      if (!from_source) continue;
      ++before_count;
      if (!seen.contains(e.uid()) && e.status() != v1::Event::STATUS_CANCELLED) gone.push_back(s);
    }
    if (before_count >= 4 && static_cast<int>(gone.size()) * 2 > before_count) {
      report.set_held(absl::StrCat("held: the source lost ", gone.size(), " of its ", before_count,
                                   " events at once; nothing was cancelled"));
      report.add_warnings(report.held());
      gone.clear();
    }
    for (internal::StoredEvent& s : gone) {
      v1::Event before = s.event();
      s.mutable_event()->set_status(v1::Event::STATUS_CANCELLED);
      Stamp(*s.mutable_event(), &before, clock_.Now());
      report.set_cancelled(report.cancelled() + 1);
      writes.push_back({&s.event(), s.version()});
    }
  }
  BABILLARD_ASSIGN_OR_RETURN(std::vector<internal::StoredEvent> merged, merger_.Merge(fresh));
  for (const v1::Event* e : fresh) {
    if (!e->duplicate_of().empty()) {
      report.add_warnings(
          absl::StrCat(e->uid(), " is the same event as ", e->duplicate_of(),
                       " (another organization's); shown once in the regional calendar"));
    }
  }
  for (const internal::StoredEvent& m : merged) writes.push_back({&m.event(), m.version()});
  if (!dry_run && !writes.empty()) {
    // The last moment a caller who has gone (Ctrl-C) still leaves no trace.
    if (CallScope::Cancelled()) {
      return absl::CancelledError(
          "the caller went away before the import was written; nothing was written");
    }
    BABILLARD_ASSIGN_OR_RETURN(internal::PutEventsResponse put, store_.PutBatch(writes));
  }
  return report;
}

}  // namespace babillard::ingest
