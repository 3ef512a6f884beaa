#include "services/publish/change_reader.h"

#include "services/common/status_macros.h"

namespace babillard::publish {

absl::StatusOr<std::vector<ChangePtr>> ChangeReader::Read(const std::string& after, size_t max) {
  if (!after.empty()) {
    ChangeLog::Slice slice = log_.Read(after, max);
    if (!slice.too_old && log_.ready()) return std::move(slice.changes);
  }
  internal::ReadChangesRequest request;
  request.set_after(after);
  request.set_limit(static_cast<int>(std::min<size_t>(max, 1000)));
  BABILLARD_ASSIGN_OR_RETURN(internal::ReadChangesResponse page,
                             store_.Call(&internal::Store::StubInterface::ReadChanges, request));
  std::vector<ChangePtr> out;
  out.reserve(page.changes_size());
  for (v1::Change& c : *page.mutable_changes())
    out.push_back(std::make_shared<const v1::Change>(std::move(c)));
  return out;
}

}  // namespace babillard::publish
