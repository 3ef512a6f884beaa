#pragma once

#include <string>
#include <vector>

#include "babillard/v1/event.pb.h"

namespace babillard::ical {

// The part of the duplicate rule (services/ingest/duplicates.h) an index can
// answer: two events can only be duplicates if they share a key. Ingest
// applies the whole rule; the store keeps every event's keys indexed so a
// new event with no key in common with another organization's is known to
// be unique in the same atomic step that writes it.

// Start instant (or date, all-day) and the all-day flag.
std::string DuplicateBucket(const v1::Event& e);

// "<bucket>|<slug of a title>", one per distinct non-empty title (fr, en).
// Never contains '|' past the bucket's separator, so "<key>|" is a prefix.
std::vector<std::string> DuplicateKeys(const v1::Event& e);

}  // namespace babillard::ical
