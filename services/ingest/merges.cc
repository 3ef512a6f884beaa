#include "services/ingest/merges.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"
#include "services/common/ical/duplicate_keys.h"
#include "services/common/status_macros.h"
#include "services/ingest/conflicts.h"
#include "services/ingest/duplicates.h"
#include "services/ingest/stamping.h"

namespace babillard::ingest {

absl::StatusOr<std::vector<internal::StoredEvent>> DuplicateMerger::Merge(
    std::vector<v1::Event*> fresh) {
  std::vector<internal::StoredEvent> merged;
  if (fresh.empty()) return merged;
  int64_t from = fresh[0]->start().utc_seconds(), to = from;
  for (const v1::Event* e : fresh) {
    from = std::min(from, e->start().utc_seconds());
    to = std::max(to, e->start().utc_seconds());
  }
  // Every stored event starting in the span of the new ones, by start bucket.
  absl::flat_hash_map<std::string, std::vector<internal::StoredEvent>> buckets;
  BABILLARD_ASSIGN_OR_RETURN(std::vector<internal::StoredEvent> stored,
                             store_.EventsStarting(from, to + 1));
  for (internal::StoredEvent& s : stored) {
    const v1::Event& e = s.event();
    if (e.start().utc_seconds() >= from && e.start().utc_seconds() <= to) {
      buckets[ical::DuplicateBucket(e)].push_back(std::move(s));
    }
  }
  absl::flat_hash_map<std::string, size_t> merged_index;
  for (v1::Event* e : fresh) {
    auto it = buckets.find(ical::DuplicateBucket(*e));
    if (it == buckets.end()) continue;
    for (internal::StoredEvent& candidate : it->second) {
      if (!AreDuplicates(*e, candidate.event())) continue;
      e->set_duplicate_of(candidate.event().uid());
      auto [slot, inserted] = merged_index.emplace(candidate.event().uid(), merged.size());
      if (inserted) merged.push_back(candidate);
      v1::Event& canonical = *merged[slot->second].mutable_event();
      for (const v1::Provenance& p : e->provenance()) *canonical.add_provenance() = p;
      break;
    }
  }
  for (internal::StoredEvent& canonical : merged) {
    v1::Event before = canonical.event();
    Stamp(*canonical.mutable_event(), &before, clock_.Now());
  }
  return merged;
}

absl::Status DuplicateMerger::Unmerge(const v1::Event& gone, bool cancelled) {
  return RetryOnConflict([&] { return UnmergeOnce(gone, cancelled); });
}

absl::Status DuplicateMerger::UnmergeOnce(const v1::Event& gone, bool cancelled) {
  const std::string& org = gone.organization();
  // Owned here, pointed at by `writes`: reserved so that no pointer moves.
  std::vector<internal::StoredEvent> owned;
  owned.reserve(2);
  std::vector<BatchWrite> writes;
  std::vector<internal::StoredEvent> copies;
  if (!gone.duplicate_of().empty()) {
    absl::StatusOr<internal::StoredEvent> stored = store_.GetEvent(gone.duplicate_of());
    if (absl::IsNotFound(stored.status())) return absl::OkStatus();
    if (!stored.ok()) return stored.status();
    const v1::Event& canonical = stored->event();
    internal::StoredEvent& after = owned.emplace_back(*stored);
    RemoveProvenances(*after.mutable_event(),
                      [&org](const v1::Provenance& p) { return p.organization() == org; });
    if (after.event().provenance_size() == canonical.provenance_size()) return absl::OkStatus();
    Stamp(*after.mutable_event(), &canonical, clock_.Now());
    writes.push_back({&after.event(), stored->version()});
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
    for (internal::StoredEvent& s : same_start) {
      if (s.event().duplicate_of() == gone.uid()) copies.push_back(std::move(s));
    }
    auto survivor = std::find_if(copies.begin(), copies.end(), [](const internal::StoredEvent& s) {
      return s.event().status() != v1::Event::STATUS_CANCELLED;
    });
    if (survivor == copies.end()) return absl::OkStatus();
    internal::StoredEvent& promoted = owned.emplace_back(*survivor);
    v1::Event& top = *promoted.mutable_event();
    top.clear_duplicate_of();
    *top.mutable_provenance() = gone.provenance();
    RemoveProvenances(top, [&org](const v1::Provenance& p) { return p.organization() == org; });
    Stamp(top, &survivor->event(), clock_.Now());
    writes.push_back({&top, survivor->version()});
    for (internal::StoredEvent& copy : copies) {
      if (copy.event().uid() == top.uid()) continue;
      const v1::Event before = copy.event();
      copy.mutable_event()->set_duplicate_of(top.uid());
      Stamp(*copy.mutable_event(), &before, clock_.Now());
      writes.push_back({&copy.event(), copy.version()});
    }
    if (cancelled) {
      // The cancelled event is its own organization's again, as it is now.
      BABILLARD_ASSIGN_OR_RETURN(internal::StoredEvent now, store_.GetEvent(gone.uid()));
      internal::StoredEvent& own = owned.emplace_back(now);
      RemoveProvenances(*own.mutable_event(),
                        [&org](const v1::Provenance& p) { return p.organization() != org; });
      Stamp(*own.mutable_event(), &now.event(), clock_.Now());
      writes.push_back({&own.event(), now.version()});
    }
  }
  absl::StatusOr<internal::PutEventsResponse> put = store_.PutBatch(writes);
  return put.ok() ? absl::OkStatus() : put.status();
}

absl::StatusOr<EventResult> DuplicateMerger::Split(const Caller& caller, const std::string& uid,
                                                   const v1::Provenance& provenance) {
  return RetryOnConflict([&] { return SplitOnce(caller, uid, provenance); });
}

absl::StatusOr<EventResult> DuplicateMerger::SplitOnce(const Caller& caller, const std::string& uid,
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
  BABILLARD_ASSIGN_OR_RETURN(
      internal::PutEventsResponse put,
      store_.PutBatch({{&split, stored_duplicate.version()}, {&kept, stored_canonical.version()}}));
  return EventResult{split, put.results(0).version(), {}};
}

}  // namespace babillard::ingest
