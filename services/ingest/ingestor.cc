#include "services/ingest/ingestor.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/common/auth/token.h"
#include "services/common/client/url_guard.h"
#include "services/common/grpc_status.h"
#include "services/common/ical/duplicate_keys.h"
#include "services/common/ical/event_time.h"
#include "services/common/ical/serializer.h"
#include "services/common/ical/time_zones.h"
#include "services/common/text_checks.h"
#include "services/ingest/duplicates.h"

namespace babillard::ingest {
namespace {

constexpr int kDefaultPollSeconds = 3600;
constexpr int kMinPollSeconds = 60;

// Two versions of an event say the same thing (bookkeeping aside).
bool SameContent(v1::Event a, v1::Event b) {
  for (v1::Event* e : {&a, &b}) {
    e->clear_dtstamp();
    e->clear_last_modified();
    e->clear_created();
    e->clear_sequence();
    e->clear_provenance();
  }
  return a.SerializeAsString() == b.SerializeAsString();
}

template <typename Pred>
void RemoveProvenances(v1::Event& e, Pred remove) {
  auto* provenances = e.mutable_provenance();
  provenances->erase(std::remove_if(provenances->begin(), provenances->end(), remove),
                     provenances->end());
}

std::vector<FieldViolation> ViolationsFrom(const std::vector<v1::Rejection>& rejections,
                                           const std::string& prefix) {
  std::vector<FieldViolation> out;
  for (const v1::Rejection& r : rejections) {
    std::string where = r.line() > 0 ? absl::StrCat("line ", r.line(), ": ") : "";
    if (!r.uid().empty()) absl::StrAppend(&where, "UID ", r.uid(), ": ");
    out.push_back({prefix + r.field(), where + r.reason()});
  }
  return out;
}

absl::Status ResolveTime(v1::EventTime& t, const std::string& field,
                         const std::string& default_zone, std::vector<FieldViolation>& violations) {
  if (t.local().empty()) return absl::OkStatus();
  absl::StatusOr<absl::CivilSecond> local = ical::ParseLocal(t.local(), t.all_day());
  if (!local.ok()) {
    violations.push_back({field + ".local", std::string(local.status().message())});
    return absl::OkStatus();
  }
  if (t.all_day()) {
    t.clear_time_zone();
    return absl::OkStatus();
  }
  if (t.time_zone().empty()) t.set_time_zone(default_zone);
  absl::StatusOr<absl::TimeZone> tz = ical::LoadIanaZone(t.time_zone());
  if (!tz.ok()) {
    violations.push_back(
        {field + ".time_zone", absl::StrCat("unknown time zone \"", t.time_zone(), "\"")});
    return absl::OkStatus();
  }
  ical::Zone zone{t.time_zone(), *tz, nullptr};
  t.set_utc_seconds(absl::ToUnixSeconds(ical::LocalToUtc(zone, *local)));
  return absl::OkStatus();
}

}  // namespace

Ingestor::Ingestor(StoreClient& store, IngestOptions options, CalendarParser parse_untrusted)
    : store_(store),
      options_(std::move(options)),
      parse_untrusted_(std::move(parse_untrusted)),
      creations_(64, [this](const std::vector<const Creation*>& group) {
        internal::PutEventsRequest request;
        for (const Creation* c : group) {
          internal::PutEventRequest* w = request.add_writes();
          *w->mutable_event() = *c->event;
          w->set_create_only(true);
          w->set_unique(c->unique);
        }
        absl::StatusOr<std::vector<absl::StatusOr<internal::PutEventResponse>>> results =
            store_.PutEach(request);
        if (!results.ok())
          return std::vector<absl::StatusOr<internal::PutEventResponse>>(group.size(),
                                                                         results.status());
        return *std::move(results);
      }) {}

std::string StoredUid(const std::string& organization, const std::string& uid) {
  const std::string prefix = organization + "/";
  return absl::StartsWith(uid, prefix) ? uid : prefix + uid;
}

absl::StatusOr<EventResult> Ingestor::ParseOne(const std::string& ics,
                                               const std::string& field_prefix) {
  std::string text = ics;
  if (!absl::StrContains(absl::AsciiStrToUpper(text.substr(0, 64)), "BEGIN:VCALENDAR")) {
    text = absl::StrCat("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//babillard//submit//FR\r\n",
                        text, absl::EndsWith(text, "\n") ? "" : "\r\n", "END:VCALENDAR\r\n");
  }
  absl::StatusOr<ical::ParsedCalendar> parsed = ical::ParseCalendar(text, options_.normalize);
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kInvalidArgument) return parsed.status();
    return BadRequestError(std::string(parsed.status().message()),
                           {{field_prefix + "ical", std::string(parsed.status().message())}});
  }
  if (!parsed->rejections.empty()) {
    return BadRequestError(absl::StrCat("event rejected: ", parsed->rejections[0].field(), ": ",
                                        parsed->rejections[0].reason()),
                           ViolationsFrom(parsed->rejections, field_prefix));
  }
  if (parsed->events.size() != 1) {
    return BadRequestError(
        "expected exactly one event",
        {{field_prefix + "ical",
          absl::StrCat("found ", parsed->events.size(), " events; use import for a calendar")}});
  }
  return EventResult{std::move(parsed->events[0]), 0, std::move(parsed->warnings)};
}

absl::StatusOr<EventResult> Ingestor::Normalize(const v1::Event& input) {
  v1::Event e = input;
  std::vector<FieldViolation> violations;
  if (e.title().fr().empty() && e.title().en().empty())
    violations.push_back({"event.title", "required (fr or en)"});
  if (e.start().local().empty()) violations.push_back({"event.start", "required"});
  for (auto [text, field, multiline] : {std::tuple{&e.title().fr(), "event.title.fr", false},
                                        {&e.title().en(), "event.title.en", false},
                                        {&e.description().fr(), "event.description.fr", true},
                                        {&e.description().en(), "event.description.en", true},
                                        {&e.location().name(), "event.location.name", false},
                                        {&e.location().address(), "event.location.address", false},
                                        {&e.price().fr(), "event.price.fr", false},
                                        {&e.accessibility().fr(), "event.accessibility.fr", true},
                                        {&e.url(), "event.url", false},
                                        {&e.uid(), "event.uid", false}}) {
    if (HasControl(*text, multiline))
      violations.push_back({field, "control characters are not allowed"});
  }
  if (e.has_end() && e.end().local().empty()) e.clear_end();  // an empty message is no end
  const std::string& zone = options_.normalize.default_time_zone;
  (void)ResolveTime(*e.mutable_start(), "event.start", zone, violations);
  if (e.has_end()) (void)ResolveTime(*e.mutable_end(), "event.end", zone, violations);
  for (int i = 0; i < e.rdates_size(); ++i)
    (void)ResolveTime(*e.mutable_rdates(i), absl::StrCat("event.rdates[", i, "]"), zone,
                      violations);
  for (int i = 0; i < e.exdates_size(); ++i)
    (void)ResolveTime(*e.mutable_exdates(i), absl::StrCat("event.exdates[", i, "]"), zone,
                      violations);
  if (!e.url().empty() && !absl::StartsWith(e.url(), "https://") &&
      !absl::StartsWith(e.url(), "http://")) {
    violations.push_back({"event.url", "must be an http or https URL"});
  }
  if (!violations.empty())
    return BadRequestError(absl::StrCat(violations[0].field, ": ", violations[0].description),
                           violations);
  if (e.uid().empty()) e.set_uid("pending@babillard");  // replaced by the caller
  ical::SerializeOptions lossless;
  lossless.all_languages = true;
  lossless.mark_cancelled_titles = false;
  absl::StatusOr<EventResult> result = ParseOne(ical::SerializeEvent(e, lossless), "event.");
  if (!result.ok() && e.uid() == "pending@babillard") {
    // The placeholder UID means nothing to the caller: keep it out of the message.
    std::vector<FieldViolation> violations = ViolationsOf(result.status());
    for (FieldViolation& v : violations) {
      v.description =
          absl::StrReplaceAll(v.description, {{"UID pending@babillard: ", ""}, {"line 4: ", ""}});
    }
    if (!violations.empty()) {
      return BadRequestError(std::string(result.status().message()), violations);
    }
  }
  return result;
}

void Ingestor::Stamp(v1::Event& e, const v1::Event* existing) const {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  e.set_dtstamp(now);
  e.set_last_modified(now);
  e.set_created(existing != nullptr && existing->created() > 0
                    ? existing->created()
                    : (e.created() > 0 ? e.created() : now));
  // Calendar apps take an update only if SEQUENCE grows.
  if (existing != nullptr) e.set_sequence(std::max(e.sequence(), existing->sequence() + 1));
}

absl::StatusOr<EventResult> Ingestor::Submit(const Caller& caller,
                                             const v1::SubmitEventRequest& request) {
  std::string org = caller.is_admin() ? request.organization() : caller.organization;
  if (org.empty())
    return BadRequestError("organization: required",
                           {{"organization", "an admin must name the organization"}});
  if (absl::Status s = CheckCanWrite(caller, org); !s.ok()) return s;
  absl::StatusOr<EventResult> result =
      request.ical().empty() ? Normalize(request.event()) : ParseOne(request.ical(), "");
  if (!result.ok()) return result.status();
  v1::Event& e = result->event;
  const std::string given = request.ical().empty() ? request.event().uid() : e.uid();
  std::string source_uid = given;
  if (given.empty() || given == "pending@babillard" || absl::StartsWith(given, "derived-")) {
    absl::StatusOr<std::string> random = auth::NewToken();
    if (!random.ok()) return random.status();
    source_uid = absl::StrCat(absl::AsciiStrToLower(random->substr(4, 20)), "@", org, ".babillard");
  }
  e.set_uid(StoredUid(org, source_uid));
  e.set_organization(org);
  v1::Provenance* p = e.add_provenance();
  p->set_organization(org);
  p->set_source_uid(source_uid);
  Stamp(e, nullptr);
  auto create = [&](bool unique) -> absl::StatusOr<internal::PutEventResponse> {
    absl::StatusOr<internal::PutEventResponse> put = creations_.Submit({&e, unique});
    if (absl::IsAlreadyExists(put.status())) {
      return absl::AlreadyExistsError(absl::StrCat("event ", e.uid(), " exists; use update"));
    }
    return put;
  };
  // Most submits share no start and title with another organization's event:
  // the store checks that and writes in one step. Otherwise the full rule.
  absl::StatusOr<internal::PutEventResponse> put = create(/*unique=*/true);
  if (put.ok()) {
    result->version = put->version();
    return result;
  }
  if (!absl::IsFailedPrecondition(put.status())) return put.status();
  absl::StatusOr<std::vector<v1::Event>> merged = MergeDuplicates({&e});
  if (!merged.ok()) return merged.status();
  if (merged->empty()) {
    put = create(/*unique=*/false);
    if (!put.ok()) return put.status();
    result->version = put->version();
    return result;
  }
  std::vector<v1::Event> writes = {e};
  writes.insert(writes.end(), merged->begin(), merged->end());
  absl::StatusOr<internal::PutEventsResponse> put_merged = store_.PutEvents(writes);
  if (!put_merged.ok()) return put_merged.status();
  result->version = put_merged->results(0).version();
  result->warnings.push_back(
      absl::StrCat("same event as ", e.duplicate_of(),
                   ": the regional calendar shows it once, with both organizations"));
  return result;
}

absl::StatusOr<EventResult> Ingestor::Update(const Caller& caller,
                                             const v1::UpdateEventRequest& request) {
  const std::string uid = request.ical().empty() ? request.event().uid() : "";
  absl::StatusOr<EventResult> result =
      request.ical().empty() ? Normalize(request.event()) : ParseOne(request.ical(), "");
  if (!result.ok()) return result.status();
  const std::string target = uid.empty() ? result->event.uid() : uid;
  if (target.empty()) return BadRequestError("event.uid: required", {{"event.uid", "required"}});
  absl::StatusOr<internal::StoredEvent> stored = store_.GetEvent(target);
  if (!stored.ok()) return stored.status();
  const v1::Event* existing = &stored->event();
  if (absl::Status s = CheckCanWrite(caller, existing->organization()); !s.ok()) return s;
  v1::Event& e = result->event;
  e.set_uid(existing->uid());
  e.set_organization(existing->organization());
  *e.mutable_provenance() = existing->provenance();
  e.set_duplicate_of(existing->duplicate_of());
  *e.mutable_distinct_from() = existing->distinct_from();
  Stamp(e, existing);
  const int64_t expected =
      request.expected_version() > 0 ? request.expected_version() : stored->version();
  absl::StatusOr<internal::PutEventResponse> put = store_.PutEvent(e, expected, false);
  if (!put.ok()) return put.status();
  result->version = put->version();
  return result;
}

absl::StatusOr<EventResult> Ingestor::Cancel(const Caller& caller, const std::string& uid,
                                             const std::string& reason) {
  absl::StatusOr<internal::StoredEvent> stored = store_.GetEvent(uid);
  if (!stored.ok()) return stored.status();
  const v1::Event* existing = &stored->event();
  if (absl::Status s = CheckCanWrite(caller, existing->organization()); !s.ok()) return s;
  EventResult result{*existing, stored->version(), {}};
  if (existing->status() == v1::Event::STATUS_CANCELLED) return result;
  if (HasControl(reason, true))
    return BadRequestError("reason: control characters",
                           {{"reason", "control characters are not allowed"}});
  v1::Event& e = result.event;
  e.set_status(v1::Event::STATUS_CANCELLED);
  if (!reason.empty()) {
    e.mutable_description()->set_fr(absl::StrCat(
        "Annulé : ", reason, e.description().fr().empty() ? "" : "\n\n", e.description().fr()));
  }
  Stamp(e, existing);
  absl::StatusOr<internal::PutEventResponse> put = store_.PutEvent(e, stored->version(), false);
  if (!put.ok()) return put.status();
  result.version = put->version();
  if (absl::Status s = Unmerge(*existing, &e); !s.ok()) {
    result.warnings.push_back(
        absl::StrCat("cancelled, but its merged copies were not updated: ", s.message()));
  }
  return result;
}

absl::Status Ingestor::Delete(const Caller& caller, const std::string& uid) {
  absl::StatusOr<internal::StoredEvent> stored = store_.GetEvent(uid);
  if (!stored.ok()) return stored.status();
  if (absl::Status s = CheckCanWrite(caller, stored->event().organization()); !s.ok()) return s;
  // Copies first: none may point at an event that no longer exists.
  if (absl::Status s = Unmerge(stored->event(), nullptr); !s.ok()) return s;
  return store_.DeleteEvent(uid, stored->version());
}

absl::Status Ingestor::Unmerge(const v1::Event& gone, const v1::Event* cancelled) {
  const std::string& org = gone.organization();
  std::vector<v1::Event> writes;
  if (!gone.duplicate_of().empty()) {
    absl::StatusOr<internal::StoredEvent> stored = store_.GetEvent(gone.duplicate_of());
    if (absl::IsNotFound(stored.status())) return absl::OkStatus();
    if (!stored.ok()) return stored.status();
    const v1::Event* canonical = &stored->event();
    v1::Event after = *canonical;
    RemoveProvenances(after, [&org](const v1::Provenance& p) { return p.organization() == org; });
    if (after.provenance_size() == canonical->provenance_size()) return absl::OkStatus();
    Stamp(after, canonical);
    writes.push_back(std::move(after));
  } else {
    // Only a canonical event lists other organizations; the rest have no copies to look for.
    if (std::none_of(gone.provenance().begin(), gone.provenance().end(),
                     [&org](const v1::Provenance& p) { return p.organization() != org; })) {
      return absl::OkStatus();
    }
    // Copies share the canonical event's start: look there.
    absl::StatusOr<std::vector<internal::StoredEvent>> same_start =
        store_.EventsStarting(gone.start().utc_seconds(), gone.start().utc_seconds() + 1);
    if (!same_start.ok()) return same_start.status();
    std::vector<v1::Event> copies;
    for (internal::StoredEvent& s : *same_start) {
      if (s.event().duplicate_of() == gone.uid()) copies.push_back(std::move(*s.mutable_event()));
    }
    auto survivor = std::find_if(copies.begin(), copies.end(), [](const v1::Event& e) {
      return e.status() != v1::Event::STATUS_CANCELLED;
    });
    if (survivor == copies.end()) return absl::OkStatus();
    v1::Event promoted = *survivor;
    promoted.clear_duplicate_of();
    *promoted.mutable_provenance() = gone.provenance();
    RemoveProvenances(promoted,
                      [&org](const v1::Provenance& p) { return p.organization() == org; });
    Stamp(promoted, &*survivor);
    for (const v1::Event& copy : copies) {
      if (copy.uid() == promoted.uid()) continue;
      v1::Event moved = copy;
      moved.set_duplicate_of(promoted.uid());
      Stamp(moved, &copy);
      writes.push_back(std::move(moved));
    }
    writes.insert(writes.begin(), std::move(promoted));
    if (cancelled != nullptr) {
      // The cancelled event is its own organization's again.
      v1::Event own = *cancelled;
      RemoveProvenances(own, [&org](const v1::Provenance& p) { return p.organization() != org; });
      Stamp(own, cancelled);
      writes.push_back(std::move(own));
    }
  }
  absl::StatusOr<internal::PutEventsResponse> put = store_.PutEvents(writes);
  return put.ok() ? absl::OkStatus() : put.status();
}

absl::StatusOr<internal::StoredEvent> Ingestor::Get(const Caller& caller, const std::string& uid) {
  absl::StatusOr<internal::StoredEvent> e = store_.GetEvent(uid);
  if (!e.ok()) return e.status();
  if (e->event().visibility() == v1::Event::VISIBILITY_PRIVATE &&
      !CheckCanWrite(caller, e->event().organization()).ok()) {
    return absl::NotFoundError(absl::StrCat("event ", uid, " not found"));
  }
  return e;
}

absl::StatusOr<v1::ImportReport> Ingestor::Import(const Caller& caller,
                                                  const v1::ImportCalendarRequest& request) {
  std::string org = caller.is_admin() ? request.organization() : caller.organization;
  if (org.empty())
    return BadRequestError("organization: required",
                           {{"organization", "an admin must name the organization"}});
  if (absl::Status s = CheckCanWrite(caller, org); !s.ok()) return s;
  if (request.ics().size() > options_.max_import_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "ics: ", request.ics().size(), " bytes exceeds the limit of ", options_.max_import_bytes));
  }
  std::vector<std::string> categories(request.default_categories().begin(),
                                      request.default_categories().end());
  return ImportParsed(org, request.ics(), nullptr, request.default_municipality(), categories,
                      request.dry_run());
}

absl::StatusOr<v1::ImportReport> Ingestor::ImportFromSource(const v1::Source& source,
                                                            const std::string& ics) {
  std::vector<std::string> categories(source.default_categories().begin(),
                                      source.default_categories().end());
  return ImportParsed(source.organization(), ics, &source, source.default_municipality(),
                      categories, false);
}

absl::StatusOr<v1::ImportReport> Ingestor::ImportParsed(
    const std::string& org, const std::string& ics, const v1::Source* source,
    const std::string& default_municipality, const std::vector<std::string>& default_categories,
    bool dry_run) {
  absl::StatusOr<ical::ParsedCalendar> parsed = parse_untrusted_(ics, options_.normalize);
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kInvalidArgument) return parsed.status();
    return BadRequestError(absl::StrCat("ics: ", parsed.status().message()),
                           {{"ics", std::string(parsed.status().message())}});
  }
  v1::ImportReport report;
  for (const std::string& w : parsed->warnings) report.add_warnings(w);
  for (const v1::Rejection& r : parsed->rejections) *report.add_rejected() = r;
  if (parsed->events.empty() && !parsed->rejections.empty()) {
    return BadRequestError(
        absl::StrCat("no event could be imported: ", parsed->rejections[0].field(), ": ",
                     parsed->rejections[0].reason()),
        ViolationsFrom(parsed->rejections, ""));
  }
  absl::StatusOr<std::vector<internal::StoredEvent>> stored = store_.EventsOf(org);
  if (!stored.ok()) return stored.status();
  absl::flat_hash_map<std::string, const v1::Event*> existing;
  for (const internal::StoredEvent& s : *stored) existing[s.event().uid()] = &s.event();
  std::vector<v1::Event> writes;
  absl::flat_hash_set<std::string> seen;
  for (v1::Event& e : parsed->events) {
    const std::string source_uid = e.uid();
    e.set_uid(StoredUid(org, source_uid));
    e.set_organization(org);
    if (e.location().municipality().empty() && !default_municipality.empty()) {
      e.mutable_location()->set_municipality(default_municipality);
    }
    if (e.categories().empty()) {
      for (const std::string& c : default_categories) e.add_categories(c);
    }
    v1::Provenance* p = e.add_provenance();
    p->set_organization(org);
    if (source != nullptr) p->set_source_id(source->id());
    p->set_source_uid(source_uid);
    seen.insert(e.uid());
    report.add_uids(e.uid());
    auto it = existing.find(e.uid());
    const v1::Event* before = it == existing.end() ? nullptr : it->second;
    if (before != nullptr) {
      // What ingest added stays: other organizations' provenances, merges, splits.
      for (const v1::Provenance& other : before->provenance()) {
        if (other.organization() != org) *e.add_provenance() = other;
      }
      e.set_duplicate_of(before->duplicate_of());
      *e.mutable_distinct_from() = before->distinct_from();
    }
    if (before != nullptr && SameContent(e, *before)) {
      report.set_unchanged(report.unchanged() + 1);
      continue;
    }
    Stamp(e, before);
    (before == nullptr ? report.set_accepted(report.accepted() + 1)
                       : report.set_updated(report.updated() + 1));
    writes.push_back(std::move(e));
  }
  if (source != nullptr && source->mode() != v1::Source::MODE_DELTA && !parsed->events.empty()) {
    // A full snapshot: what the source no longer lists is cancelled, unless
    // it suddenly lost more than half of its events (held, flagged).
    std::vector<v1::Event> gone;
    int before_count = 0;
    for (const internal::StoredEvent& s : *stored) {
      const v1::Event& e = s.event();
      const bool from_source =
          !e.provenance().empty() && e.provenance(0).source_id() == source->id();
      if (!from_source) continue;
      ++before_count;
      if (!seen.contains(e.uid()) && e.status() != v1::Event::STATUS_CANCELLED) gone.push_back(e);
    }
    if (before_count >= 4 && static_cast<int>(gone.size()) * 2 > before_count) {
      report.add_warnings(absl::StrCat("held: the source lost ", gone.size(), " of its ",
                                       before_count, " events at once; nothing was cancelled"));
    } else {
      for (v1::Event& e : gone) {
        v1::Event before = e;
        e.set_status(v1::Event::STATUS_CANCELLED);
        Stamp(e, &before);
        report.set_cancelled(report.cancelled() + 1);
        writes.push_back(std::move(e));
      }
    }
  }
  {
    std::vector<v1::Event*> fresh;
    for (v1::Event& e : writes) {
      if (!existing.contains(e.uid())) fresh.push_back(&e);
    }
    absl::StatusOr<std::vector<v1::Event>> merged = MergeDuplicates(fresh);
    if (!merged.ok()) return merged.status();
    for (v1::Event* e : fresh) {
      if (!e->duplicate_of().empty()) {
        report.add_warnings(
            absl::StrCat(e->uid(), " is the same event as ", e->duplicate_of(),
                         " (another organization's); shown once in the regional calendar"));
      }
    }
    writes.insert(writes.end(), merged->begin(), merged->end());
  }
  if (!dry_run && !writes.empty()) {
    absl::StatusOr<internal::PutEventsResponse> put = store_.PutEvents(writes);
    if (!put.ok()) return put.status();
  }
  return report;
}

absl::StatusOr<std::vector<v1::Event>> Ingestor::MergeDuplicates(std::vector<v1::Event*> fresh) {
  std::vector<v1::Event> merged;
  if (fresh.empty()) return merged;
  int64_t from = fresh[0]->start().utc_seconds(), to = from;
  for (const v1::Event* e : fresh) {
    from = std::min(from, e->start().utc_seconds());
    to = std::max(to, e->start().utc_seconds());
  }
  // Every stored event starting in the span of the new ones, by start bucket.
  absl::flat_hash_map<std::string, std::vector<v1::Event>> buckets;
  absl::StatusOr<std::vector<internal::StoredEvent>> stored = store_.EventsStarting(from, to + 1);
  if (!stored.ok()) return stored.status();
  for (internal::StoredEvent& s : *stored) {
    v1::Event& e = *s.mutable_event();
    if (e.start().utc_seconds() >= from && e.start().utc_seconds() <= to) {
      buckets[ical::DuplicateBucket(e)].push_back(std::move(e));
    }
  }
  absl::flat_hash_map<std::string, size_t> merged_index;
  for (v1::Event* e : fresh) {
    auto it = buckets.find(ical::DuplicateBucket(*e));
    if (it == buckets.end()) continue;
    for (v1::Event& candidate : it->second) {
      if (!AreDuplicates(*e, candidate)) continue;
      e->set_duplicate_of(candidate.uid());
      auto [slot, inserted] = merged_index.emplace(candidate.uid(), merged.size());
      if (inserted) merged.push_back(candidate);
      v1::Event& canonical = merged[slot->second];
      for (const v1::Provenance& p : e->provenance()) *canonical.add_provenance() = p;
      break;
    }
  }
  for (v1::Event& canonical : merged) {
    v1::Event before = canonical;
    Stamp(canonical, &before);
  }
  return merged;
}

absl::StatusOr<EventResult> Ingestor::SplitDuplicate(const Caller& caller, const std::string& uid,
                                                     const v1::Provenance& provenance) {
  if (!caller.is_admin()) return absl::PermissionDeniedError("only an admin splits duplicates");
  absl::StatusOr<internal::StoredEvent> first = store_.GetEvent(uid);
  if (!first.ok()) return first.status();
  std::string duplicate_uid = uid;
  if (first->event().duplicate_of().empty()) {
    if (provenance.organization().empty()) {
      return BadRequestError("provenance: required",
                             {{"provenance", "name which organization's copy to split out"}});
    }
    duplicate_uid = StoredUid(provenance.organization(), provenance.source_uid());
  }
  absl::StatusOr<internal::StoredEvent> stored_duplicate =
      duplicate_uid == uid ? first : store_.GetEvent(duplicate_uid);
  if (!stored_duplicate.ok()) return stored_duplicate.status();
  const v1::Event* duplicate = &stored_duplicate->event();
  if (duplicate->duplicate_of().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(duplicate_uid, " is not merged into another event"));
  }
  absl::StatusOr<internal::StoredEvent> stored_canonical =
      store_.GetEvent(duplicate->duplicate_of());
  if (!stored_canonical.ok()) return stored_canonical.status();
  const v1::Event* canonical = &stored_canonical->event();
  v1::Event split = *duplicate, kept = *canonical;
  split.clear_duplicate_of();
  split.add_distinct_from(kept.uid());
  kept.add_distinct_from(split.uid());
  RemoveProvenances(
      kept, [&split](const v1::Provenance& p) { return p.organization() == split.organization(); });
  Stamp(split, duplicate);
  Stamp(kept, canonical);
  absl::StatusOr<internal::PutEventsResponse> put = store_.PutEvents({split, kept});
  if (!put.ok()) return put.status();
  return EventResult{split, put->results(0).version(), {}};
}

absl::StatusOr<v1::CreateOrganizationResponse> Ingestor::CreateOrganization(
    const Caller& caller, const v1::Organization& input) {
  if (!caller.is_admin()) return absl::PermissionDeniedError("only an admin creates organizations");
  std::vector<FieldViolation> violations;
  if (!IsSlug(input.slug()))
    violations.push_back({"organization.slug", "must match [a-z0-9-]{1,64}"});
  if (input.name().empty()) violations.push_back({"organization.name", "required"});
  if (HasControl(input.name(), false))
    violations.push_back({"organization.name", "control characters are not allowed"});
  if (!input.municipality().empty() && !IsSlug(input.municipality())) {
    violations.push_back({"organization.municipality", "must be a municipality slug"});
  }
  if (!violations.empty())
    return BadRequestError(absl::StrCat(violations[0].field, ": ", violations[0].description),
                           violations);
  v1::Organization org = input;
  if (org.role() == v1::Organization::ROLE_UNSPECIFIED)
    org.set_role(v1::Organization::ROLE_PUBLISHER);
  org.set_created(absl::ToUnixSeconds(absl::Now()));
  org.set_token_rotated(org.created());
  absl::StatusOr<std::string> token = auth::NewToken();
  if (!token.ok()) return token.status();
  absl::StatusOr<v1::Organization> stored =
      store_.PutOrganization(org, auth::Sha256Hex(*token), /*create_only=*/true);
  if (!stored.ok()) return stored.status();
  v1::CreateOrganizationResponse response;
  *response.mutable_organization() = *stored;
  response.set_token(*token);
  return response;
}

absl::StatusOr<v1::RotateTokenResponse> Ingestor::RotateToken(const Caller& caller,
                                                              const std::string& slug) {
  if (absl::Status s = CheckCanWrite(caller, slug); !s.ok()) return s;
  absl::StatusOr<v1::Organization> org = store_.GetOrganization(slug);
  if (!org.ok()) return org.status();
  org->set_token_rotated(absl::ToUnixSeconds(absl::Now()));
  absl::StatusOr<std::string> token = auth::NewToken();
  if (!token.ok()) return token.status();
  absl::StatusOr<v1::Organization> stored =
      store_.PutOrganization(*org, auth::Sha256Hex(*token), false);
  if (!stored.ok()) return stored.status();
  v1::RotateTokenResponse response;
  *response.mutable_organization() = *stored;
  response.set_token(*token);
  return response;
}

absl::StatusOr<std::vector<v1::Organization>> Ingestor::ListOrganizations(const Caller& caller) {
  if (!caller.is_admin()) {
    absl::StatusOr<v1::Organization> own = store_.GetOrganization(caller.organization);
    if (!own.ok()) return own.status();
    return std::vector<v1::Organization>{*own};
  }
  return store_.ListOrganizations();
}

absl::StatusOr<v1::Source> Ingestor::AddSource(const Caller& caller, const v1::Source& input) {
  v1::Source source = input;
  if (!caller.is_admin() || source.organization().empty())
    source.set_organization(caller.organization);
  if (caller.is_admin() && input.organization().empty()) {
    return BadRequestError("source.organization: required",
                           {{"source.organization", "an admin must name the organization"}});
  }
  if (absl::Status s = CheckCanWrite(caller, source.organization()); !s.ok()) return s;
  std::string url = source.url();
  if (absl::StartsWithIgnoreCase(url, "webcal://")) url = "https://" + url.substr(9);
  std::vector<FieldViolation> violations;
  const bool http =
      absl::StartsWithIgnoreCase(url, "https://") || absl::StartsWithIgnoreCase(url, "http://");
  if (!http) violations.push_back({"source.url", "must be an http, https or webcal URL"});
  const size_t authority = url.find("://") + 3;
  const std::string host_part = url.substr(authority, url.find('/', authority) - authority);
  if (http && host_part.find('@') != std::string::npos)
    violations.push_back({"source.url", "must not carry credentials"});
  if (HasControl(url, false) || url.find(' ') != std::string::npos || url.size() > 2048) {
    violations.push_back({"source.url", "malformed"});
  }
  if (!violations.empty())
    return BadRequestError(absl::StrCat(violations[0].field, ": ", violations[0].description),
                           violations);
  // Refused now rather than at the first poll; a host that does not resolve
  // yet is accepted (its health will say so), and every fetch checks again.
  if (absl::Status s = CheckFetchableUrl(url, "source.url", options_.allow_loopback_sources,
                                         /*must_resolve=*/false);
      !s.ok()) {
    return s;
  }
  source.set_url(url);
  source.clear_id();
  if (source.poll_interval_seconds() == 0) source.set_poll_interval_seconds(kDefaultPollSeconds);
  source.set_poll_interval_seconds(std::max(source.poll_interval_seconds(), kMinPollSeconds));
  if (source.mode() == v1::Source::MODE_UNSPECIFIED)
    source.set_mode(v1::Source::MODE_FULL_SNAPSHOT);
  source.set_health(v1::Source::HEALTH_UNSPECIFIED);
  return store_.PutSource(source);
}

absl::StatusOr<std::vector<v1::Source>> Ingestor::ListSources(const Caller& caller) {
  return store_.ListSources(caller.is_admin() ? "" : caller.organization);
}

absl::Status Ingestor::RemoveSource(const Caller& caller, const std::string& id) {
  absl::StatusOr<v1::Source> source = store_.GetSource(id);
  if (!source.ok()) return source.status();
  if (absl::Status s = CheckCanWrite(caller, source->organization()); !s.ok()) return s;
  return store_.DeleteSource(id);
}

}  // namespace babillard::ingest
