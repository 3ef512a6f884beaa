#include "services/ingest/merges.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"
#include "services/common/ical/duplicate_keys.h"
#include "services/common/status_macros.h"
#include "services/ingest/duplicates.h"
#include "services/ingest/stamping.h"

namespace babillard::ingest {

absl::StatusOr<std::vector<v1::Event>> DuplicateMerger::Merge(std::vector<v1::Event*> fresh) {
  std::vector<v1::Event> merged;
  if (fresh.empty()) return merged;
  int64_t from = fresh[0]->start().utc_seconds(), to = from;
  for (const v1::Event* e : fresh) {
    from = std::min(from, e->start().utc_seconds());
    to = std::max(to, e->start().utc_seconds());
  }
  // Every stored event starting in the span of the new ones, by start bucket.
  absl::flat_hash_map<std::string, std::vector<v1::Event>> buckets;
  BABILLARD_ASSIGN_OR_RETURN(std::vector<internal::StoredEvent> stored,
                             store_.EventsStarting(from, to + 1));
  for (internal::StoredEvent& s : stored) {
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
    Stamp(canonical, &before, clock_.Now());
  }
  return merged;
}

absl::Status DuplicateMerger::Unmerge(const v1::Event& gone, const v1::Event* cancelled) {
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
    Stamp(after, canonical, clock_.Now());
    writes.push_back(std::move(after));
  } else {
    // Only a canonical event lists other organizations; the rest have no copies to look for.
    if (std::none_of(gone.provenance().begin(), gone.provenance().end(),
                     [&org](const v1::Provenance& p) { return p.organization() != org; })) {
      return absl::OkStatus();
    }
    // Copies share the canonical event's start: look there.
    BABILLARD_ASSIGN_OR_RETURN(
        std::vector<internal::StoredEvent> same_start,
        store_.EventsStarting(gone.start().utc_seconds(), gone.start().utc_seconds() + 1));
    std::vector<v1::Event> copies;
    for (internal::StoredEvent& s : same_start) {
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
    Stamp(promoted, &*survivor, clock_.Now());
    for (const v1::Event& copy : copies) {
      if (copy.uid() == promoted.uid()) continue;
      v1::Event moved = copy;
      moved.set_duplicate_of(promoted.uid());
      Stamp(moved, &copy, clock_.Now());
      writes.push_back(std::move(moved));
    }
    writes.insert(writes.begin(), std::move(promoted));
    if (cancelled != nullptr) {
      // The cancelled event is its own organization's again.
      v1::Event own = *cancelled;
      RemoveProvenances(own, [&org](const v1::Provenance& p) { return p.organization() != org; });
      Stamp(own, cancelled, clock_.Now());
      writes.push_back(std::move(own));
    }
  }
  absl::StatusOr<internal::PutEventsResponse> put = store_.PutEvents(writes);
  return put.ok() ? absl::OkStatus() : put.status();
}

absl::StatusOr<EventResult> DuplicateMerger::Split(const Caller& caller, const std::string& uid,
                                                   const v1::Provenance& provenance) {
  BABILLARD_ASSIGN_OR_RETURN(internal::StoredEvent first, store_.GetEvent(uid));
  std::string duplicate_uid = uid;
  if (first.event().duplicate_of().empty()) {
    if (provenance.organization().empty()) {
      return BadRequestError("provenance: required",
                             {{"provenance", "name which organization's copy to split out"}});
    }
    duplicate_uid = StoredUid(provenance.organization(), provenance.source_uid());
  }
  BABILLARD_ASSIGN_OR_RETURN(internal::StoredEvent stored_duplicate,
                             duplicate_uid == uid ? first : store_.GetEvent(duplicate_uid));
  const v1::Event* duplicate = &stored_duplicate.event();
  // The organization whose copy was merged away may take it back itself.
  if (!caller.is_admin() && caller.organization != duplicate->organization()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "only ", duplicate->organization(), ", whose copy was merged, or an admin splits it"));
  }
  if (duplicate->duplicate_of().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(duplicate_uid, " is not merged into another event"));
  }
  BABILLARD_ASSIGN_OR_RETURN(internal::StoredEvent stored_canonical,
                             store_.GetEvent(duplicate->duplicate_of()));
  const v1::Event* canonical = &stored_canonical.event();
  v1::Event split = *duplicate, kept = *canonical;
  split.clear_duplicate_of();
  split.add_distinct_from(kept.uid());
  kept.add_distinct_from(split.uid());
  RemoveProvenances(
      kept, [&split](const v1::Provenance& p) { return p.organization() == split.organization(); });
  Stamp(split, duplicate, clock_.Now());
  Stamp(kept, canonical, clock_.Now());
  BABILLARD_ASSIGN_OR_RETURN(internal::PutEventsResponse put, store_.PutEvents({split, kept}));
  return EventResult{split, put.results(0).version(), {}};
}

}  // namespace babillard::ingest
