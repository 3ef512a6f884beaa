#include "services/ingest/stamping.h"

#include "absl/strings/match.h"

namespace babillard::ingest {

std::string StoredUid(const std::string& organization, const std::string& uid) {
  const std::string prefix = organization + "/";
  return absl::StartsWith(uid, prefix) ? uid : prefix + uid;
}

void SetSeriesUid(v1::Event& e, const std::string& uid) {
  e.set_uid(uid);
  for (v1::Event& o : *e.mutable_overrides()) o.set_uid(uid);
}

void Stamp(v1::Event& e, const v1::Event* existing, absl::Time now) {
  const int64_t seconds = absl::ToUnixSeconds(now);
  e.set_dtstamp(seconds);
  e.set_last_modified(seconds);
  e.set_created(existing != nullptr && existing->created() > 0
                    ? existing->created()
                    : (e.created() > 0 ? e.created() : seconds));
  if (existing != nullptr) e.set_sequence(std::max(e.sequence(), existing->sequence() + 1));
}

bool SameContent(v1::Event a, v1::Event b) {
  for (v1::Event* e : {&a, &b}) {
    e->clear_dtstamp();
    e->clear_last_modified();
    e->clear_created();
    e->clear_sequence();
    e->clear_provenance();
  }
  return a.SerializeAsString() == b.SerializeAsString();
}

}  // namespace babillard::ingest
