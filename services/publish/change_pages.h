#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "babillard/v1/publish.pb.h"
#include "services/publish/change_filter.h"
#include "services/publish/change_reader.h"

namespace babillard::publish {

// INVALID_ARGUMENT unless `cursor` is empty or a stream id ("1700000000000-0").
absl::Status ValidateCursor(const std::string& cursor, const std::string& field);

// One page of the changes after `request.since()` that pass its filter (public
// events only), for integrators that poll. A sparse filter looks at a bounded
// number of changes per call and says `more`: the caller continues from
// `next_cursor`. Blocking when the changes must come from the store.
absl::StatusOr<v1::ListChangesResponse> ListChangesPage(ChangeReader& reader,
                                                        const v1::ListChangesRequest& request,
                                                        const Viewer& viewer = {});

}  // namespace babillard::publish
