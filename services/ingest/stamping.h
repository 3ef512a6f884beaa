#pragma once

#include <algorithm>
#include <string>

#include "absl/time/time.h"
#include "babillard/v1/event.pb.h"

namespace babillard::ingest {

// The stored UID of an organization's event: "<organization>/<their UID>", so
// that two organizations' UIDs never collide.
std::string StoredUid(const std::string& organization, const std::string& uid);

// Gives a series its stored UID: the master and every override share it, or
// calendar apps read a moved instance as an unrelated event beside the
// series' original date.
void SetSeriesUid(v1::Event& event, const std::string& uid);

// Fills what the store keeps beside the user's fields for a write at `now`:
// DTSTAMP and LAST-MODIFIED, CREATED (kept from `existing`), and SEQUENCE
// bumped past `existing`'s so that calendar apps take the update.
void Stamp(v1::Event& event, const v1::Event* existing, absl::Time now);

// Two versions of an event say the same thing (bookkeeping aside: stamps,
// SEQUENCE, provenances).
bool SameContent(v1::Event a, v1::Event b);

// Removes the provenances `remove` says yes to.
template <typename Pred>
void RemoveProvenances(v1::Event& e, Pred remove) {
  auto* provenances = e.mutable_provenance();
  provenances->erase(std::remove_if(provenances->begin(), provenances->end(), remove),
                     provenances->end());
}

}  // namespace babillard::ingest
