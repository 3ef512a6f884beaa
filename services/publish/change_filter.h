#pragma once

#include <string>

#include "absl/status/status.h"
#include "babillard/v1/event.pb.h"

namespace babillard::publish {

// INVALID_ARGUMENT naming the field (under `prefix`, e.g. "filter.") for a
// filter a change stream, webhook or named feed cannot take.
absl::Status ValidateFilter(const v1::Filter& filter, const std::string& prefix);

// Whether a change passes a filter: public events only; every set field
// must match, values within one field are alternatives. A deletion matches
// by the event as it was.
bool ChangeMatches(const v1::Change& change, const v1::Filter& filter);

// The same test on an event.
bool EventMatches(const v1::Event& event, const v1::Filter& filter);

}  // namespace babillard::publish
