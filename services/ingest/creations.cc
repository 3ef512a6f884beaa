#include "services/ingest/creations.h"

#include <utility>

namespace babillard::ingest {

CreationBatcher::CreationBatcher(StoreClient& store)
    : store_(store), group_(64, [this](const std::vector<const Creation*>& group) {
        internal::PutEventsRequest request;
        for (const Creation* c : group) {
          internal::PutEventRequest* w = request.add_writes();
          *w->mutable_event() = *c->event;
          w->set_create_only(true);
          w->set_unique(c->unique);
        }
        absl::StatusOr<std::vector<absl::StatusOr<internal::PutEventResponse>>> results =
            store_.PutEach(request);
        if (!results.ok()) {
          return std::vector<absl::StatusOr<internal::PutEventResponse>>(group.size(),
                                                                         results.status());
        }
        return *std::move(results);
      }) {}

absl::StatusOr<internal::PutEventResponse> CreationBatcher::Create(const v1::Event& event,
                                                                   bool unique) {
  return group_.Submit({&event, unique});
}

}  // namespace babillard::ingest
