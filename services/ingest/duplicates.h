#pragma once

#include <string>
#include <vector>

#include "babillard/v1/event.pb.h"

namespace babillard::ingest {

// The duplicate rule. Two events published by two organizations are the
// same real-world event when all of these hold:
//   1. they start at the same instant (or on the same date, all-day), and
//      both are all-day or neither is;
//   2. their titles are equal once normalized (lower case, accents and
//      punctuation removed: Slugify), in French or in English;
//   3. they name the same municipality, or the same place (normalized
//      location name).
// Neither may already be a duplicate, nor have been split from the other.
// The store indexes conditions 1 and 2 (ical::DuplicateKeys), so a submit
// whose keys no other organization's event shares is written at once.
// The later event gets `duplicate_of` the earlier (canonical) one, which lists
// both provenances; an admin's split records `distinct_from`. When the
// canonical event is cancelled or deleted, the first copy still on takes its
// place (DuplicateMerger::Unmerge, merges.h).
bool AreDuplicates(const v1::Event& a, const v1::Event& b);

}  // namespace babillard::ingest
