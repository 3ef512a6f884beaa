#include "services/ingest/ingestor.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth/token.h"
#include "services/common/grpc_status.h"
#include "services/common/status_macros.h"
#include "services/common/text_checks.h"
#include "services/ingest/conflicts.h"
#include "services/ingest/home_municipality.h"
#include "services/ingest/occurrences.h"
#include "services/ingest/region_fields.h"
#include "services/ingest/stamping.h"

namespace babillard::ingest {
namespace {

// The request's event, from its fields or its text, normalized.
template <typename Request>
absl::StatusOr<EventResult> Input(const EventInput& input, const Request& request) {
  BABILLARD_ASSIGN_OR_RETURN(NormalizedEvent normalized, request.ical().empty()
                                                             ? input.FromFields(request.event())
                                                             : input.FromText(request.ical(), ""));
  return EventResult{std::move(normalized.event), 0, std::move(normalized.warnings)};
}

}  // namespace

absl::StatusOr<EventResult> Ingestor::Submit(const Caller& caller,
                                             const v1::SubmitEventRequest& request) {
  // A publisher naming another organization is refused, not ignored (#13 item 1).
  BABILLARD_ASSIGN_OR_RETURN(std::string org,
                             ActingFor(caller, request.organization(), "organization"));
  BABILLARD_RETURN_IF_ERROR(CheckCanWrite(caller, org));
  std::string municipality = request.default_municipality();
  google::protobuf::RepeatedPtrField<std::string> categories = request.default_categories();
  BABILLARD_RETURN_IF_ERROR(ResolveCallDefaults(municipality, categories, input_.options()));
  BABILLARD_ASSIGN_OR_RETURN(EventResult result, Input(input_, request));
  v1::Event& e = result.event;
  // Flags apply the same way whatever the event came as: fields or text.
  if (e.location().municipality().empty()) {
    if (municipality.empty()) {
      BABILLARD_ASSIGN_OR_RETURN(municipality, HomeMunicipality(store_, caller, org));
    }
    if (!municipality.empty()) e.mutable_location()->set_municipality(municipality);
  }
  if (e.categories().empty()) *e.mutable_categories() = categories;
  const std::string given = request.ical().empty() ? request.event().uid() : e.uid();
  const std::string& key = request.idempotency_key();
  if (key.size() > 128 || HasControl(key, false)) {
    return BadRequestError("idempotency_key: at most 128 printable characters",
                           {{"idempotency_key", "at most 128 printable characters"}});
  }
  std::string source_uid = given;
  const bool keyed = (given.empty() || absl::StartsWith(given, "derived-")) && !key.empty();
  if (keyed) {
    // The same key always names the same event of this organization.
    source_uid = absl::StrCat("k", auth::Sha256Hex(absl::StrCat(org, "\n", key)).substr(0, 32), "@",
                              org, ".babillard");
  } else if (given.empty() || absl::StartsWith(given, "derived-")) {
    BABILLARD_ASSIGN_OR_RETURN(std::string random, auth::NewToken());
    source_uid = absl::StrCat(absl::AsciiStrToLower(random.substr(4, 20)), "@", org, ".babillard");
  }
  SetSeriesUid(e, StoredUid(org, source_uid));
  e.set_organization(org);
  v1::Provenance* p = e.add_provenance();
  p->set_organization(org);
  p->set_source_uid(source_uid);
  Stamp(e, nullptr, clock_.Now());
  auto create = [&](bool unique) -> absl::StatusOr<internal::PutEventResponse> {
    return creations_.Create(e, unique);
  };
  // Most submits share no start and title with another organization's event:
  // the store checks that and writes in one step. Otherwise the full rule.
  absl::StatusOr<internal::PutEventResponse> put = create(/*unique=*/true);
  if (put.ok()) {
    result.version = put->version();
    return result;
  }
  if (absl::IsAlreadyExists(put.status())) return Resubmitted(e, keyed);
  if (!absl::IsFailedPrecondition(put.status())) return put.status();
  // The events it merges into were read at a version: written only if still there.
  bool merged = false;
  auto merge_and_write = [&]() -> absl::StatusOr<int64_t> {
    e.clear_duplicate_of();
    BABILLARD_ASSIGN_OR_RETURN(std::vector<internal::StoredEvent> canonical, merger_.Merge({&e}));
    merged = !canonical.empty();
    if (!merged) {
      BABILLARD_ASSIGN_OR_RETURN(internal::PutEventResponse single, create(/*unique=*/false));
      return single.version();
    }
    std::vector<BatchWrite> writes = {{&e, 0}};
    for (const internal::StoredEvent& c : canonical) writes.push_back({&c.event(), c.version()});
    BABILLARD_ASSIGN_OR_RETURN(internal::PutEventsResponse batch, store_.PutBatch(writes));
    return batch.results(0).version();
  };
  absl::StatusOr<int64_t> version = RetryOnConflict(merge_and_write);
  if (absl::IsAlreadyExists(version.status())) return Resubmitted(e, keyed);
  if (!version.ok()) return version.status();
  result.version = *version;
  if (!merged) return result;
  result.warnings.push_back(
      absl::StrCat("same event as ", e.duplicate_of(),
                   ": the regional calendar shows it once, with both organizations"));
  return result;
}

absl::StatusOr<EventResult> Ingestor::Resubmitted(const v1::Event& e, bool keyed) {
  BABILLARD_ASSIGN_OR_RETURN(internal::StoredEvent stored, store_.GetEvent(e.uid()));
  // What ingest added since (a merge, a split) is not the submitter's.
  v1::Event again = e;
  again.set_duplicate_of(stored.event().duplicate_of());
  *again.mutable_distinct_from() = stored.event().distinct_from();
  if (SameContent(again, stored.event())) {
    return EventResult{stored.event(),
                       stored.version(),
                       {"already submitted: this is the event the first submit created"}};
  }
  if (keyed) {
    return absl::AlreadyExistsError(
        "idempotency_key: already used for a different event; use a new key for a new event");
  }
  return absl::AlreadyExistsError(absl::StrCat("event ", e.uid(), " exists; use update"));
}

absl::StatusOr<EventResult> Ingestor::Update(const Caller& caller,
                                             const v1::UpdateEventRequest& request) {
  const std::string uid = request.ical().empty() ? request.event().uid() : "";
  BABILLARD_ASSIGN_OR_RETURN(EventResult result, Input(input_, request));
  const std::string target = uid.empty() ? result.event.uid() : uid;
  if (target.empty()) return BadRequestError("event.uid: required", {{"event.uid", "required"}});
  auto attempt = [&]() -> absl::StatusOr<EventResult> {
    BABILLARD_ASSIGN_OR_RETURN(internal::StoredEvent stored, store_.GetEvent(target));
    const v1::Event* existing = &stored.event();
    BABILLARD_RETURN_IF_ERROR(CheckCanWrite(caller, existing->organization()));
    EventResult out = result;
    v1::Event& e = out.event;
    SetSeriesUid(e, existing->uid());
    e.set_organization(existing->organization());
    *e.mutable_provenance() = existing->provenance();
    e.set_duplicate_of(existing->duplicate_of());
    *e.mutable_distinct_from() = existing->distinct_from();
    Stamp(e, existing, clock_.Now());
    const int64_t expected =
        request.expected_version() > 0 ? request.expected_version() : stored.version();
    BABILLARD_ASSIGN_OR_RETURN(internal::PutEventResponse put, store_.PutEvent(e, expected, false));
    out.version = put.version();
    return out;
  };
  // The caller's own expected version stale is theirs to resolve; without
  // one, an update landing in between is read again, not refused.
  return request.expected_version() > 0 ? attempt() : RetryOnConflict(attempt);
}

absl::StatusOr<EventResult> Ingestor::Cancel(const Caller& caller, const std::string& uid,
                                             const std::string& reason,
                                             const std::string& occurrence) {
  BABILLARD_ASSIGN_OR_RETURN(internal::StoredEvent stored, store_.GetEvent(uid));
  const v1::Event* existing = &stored.event();
  BABILLARD_RETURN_IF_ERROR(CheckCanWrite(caller, existing->organization()));
  EventResult result{*existing, stored.version(), {}};
  if (existing->status() == v1::Event::STATUS_CANCELLED) return result;
  if (HasControl(reason, true))
    return BadRequestError("reason: control characters",
                           {{"reason", "control characters are not allowed"}});
  v1::Event& e = result.event;
  v1::Event* cancelled = &e;
  if (!occurrence.empty()) {
    const ical::NormalizeOptions& options = input_.options();
    BABILLARD_ASSIGN_OR_RETURN(
        cancelled, CancelOccurrence(e, occurrence, options.limits, options.default_time_zone));
  } else {
    e.set_status(v1::Event::STATUS_CANCELLED);
  }
  if (!reason.empty()) {
    cancelled->mutable_description()->set_fr(
        absl::StrCat("Annulé : ", reason, cancelled->description().fr().empty() ? "" : "\n\n",
                     cancelled->description().fr()));
  }
  Stamp(e, existing, clock_.Now());
  // The instance's SEQUENCE moves with its series' so calendar apps take it.
  if (cancelled != &e) cancelled->set_sequence(e.sequence());
  BABILLARD_ASSIGN_OR_RETURN(internal::PutEventResponse put,
                             store_.PutEvent(e, stored.version(), false));
  result.version = put.version();
  if (cancelled == &e) {
    if (absl::Status s = merger_.Unmerge(*existing, /*cancelled=*/true); !s.ok()) {
      result.warnings.push_back(
          absl::StrCat("cancelled, but its merged copies were not updated: ", s.message()));
    }
  }
  return result;
}

absl::Status Ingestor::Delete(const Caller& caller, const std::string& uid) {
  BABILLARD_ASSIGN_OR_RETURN(internal::StoredEvent stored, store_.GetEvent(uid));
  BABILLARD_RETURN_IF_ERROR(CheckCanWrite(caller, stored.event().organization()));
  // Copies first: none may point at an event that no longer exists.
  BABILLARD_RETURN_IF_ERROR(merger_.Unmerge(stored.event(), /*cancelled=*/false));
  return store_.DeleteEvent(uid, stored.version());
}

absl::StatusOr<internal::StoredEvent> Ingestor::Get(const Caller& caller, const std::string& uid) {
  BABILLARD_ASSIGN_OR_RETURN(internal::StoredEvent e, store_.GetEvent(uid));
  if (e.event().visibility() == v1::Event::VISIBILITY_PRIVATE &&
      !CheckCanWrite(caller, e.event().organization()).ok()) {
    return absl::NotFoundError(absl::StrCat("event ", uid, " not found"));
  }
  return e;
}

}  // namespace babillard::ingest
