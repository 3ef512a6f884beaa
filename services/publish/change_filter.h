#pragma once

#include <string>

#include "absl/status/status.h"
#include "babillard/v1/event.pb.h"
#include "services/common/filter_checks.h"

namespace babillard::publish {

// Who reads a stream of changes: anyone (Subscribe and ListChanges without
// a token), an organization (with its token; its own webhooks), or an admin.
struct Viewer {
  std::string organization;
  bool admin = false;
};

// Whether a change passes a filter: public events only; every set field
// must match, values within one field are alternatives. A deletion matches
// by the event as it was. A source's alarm (KIND_SOURCE_FLAGGED) is its own
// organization's business: only that organization and admins see it.
bool ChangeMatches(const v1::Change& change, const v1::Filter& filter, const Viewer& viewer = {});

// The same test on an event.
bool EventMatches(const v1::Event& event, const v1::Filter& filter);

}  // namespace babillard::publish
