#include "services/publish/change_pages.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"
#include "services/common/status_macros.h"
#include "services/publish/change_filter.h"

namespace babillard::publish {
namespace {

bool IsDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

}  // namespace

absl::Status ValidateCursor(const std::string& cursor, const std::string& field) {
  if (cursor.empty()) return absl::OkStatus();
  const size_t dash = cursor.find('-');
  if (cursor.size() > 41 || dash == std::string::npos ||
      !IsDigits(absl::string_view(cursor).substr(0, dash)) ||
      !IsDigits(absl::string_view(cursor).substr(dash + 1))) {
    return BadRequestError(
        absl::StrCat(field, ": not a cursor"),
        {{field, "expected a cursor as returned with a change (\"1700000000000-0\")"}});
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ListChangesResponse> ListChangesPage(ChangeReader& reader,
                                                        const v1::ListChangesRequest& request,
                                                        const Viewer& viewer) {
  BABILLARD_RETURN_IF_ERROR(ValidateCursor(request.since(), "since"));
  BABILLARD_RETURN_IF_ERROR(ValidateFilter(request.filter(), "filter."));
  if (request.page_size() < 0 || request.page_size() > 1000) {
    return BadRequestError("page_size: 0 to 1000", {{"page_size", "0 (the default, 100) to 1000"}});
  }
  const size_t page_size = request.page_size() == 0 ? 100 : request.page_size();
  v1::ListChangesResponse response;
  std::string cursor = request.since();
  // With no change at all the next cursor is "0-0", before every change:
  // handed to Subscribe, "" would mean "from now" and skip what comes first.
  const auto next = [&cursor] { return cursor.empty() ? std::string("0-0") : cursor; };
  // A page stays well under gRPC's 4 MB.
  constexpr size_t kMaxPageBytes = 2 << 20;
  size_t scanned = 0, bytes = 0;
  while (response.changes_size() < static_cast<int>(page_size) && bytes <= kMaxPageBytes &&
         scanned < 20 * page_size) {
    const size_t want = std::min<size_t>(500, page_size - response.changes_size() + 50);
    BABILLARD_ASSIGN_OR_RETURN(std::vector<ChangePtr> batch, reader.Read(cursor, want));
    if (batch.empty()) {
      response.set_next_cursor(next());
      return response;
    }
    for (const ChangePtr& c : batch) {
      ++scanned;
      cursor = c->cursor();
      if (ChangeMatches(*c, request.filter(), viewer)) {
        *response.add_changes() = *c;
        bytes += c->ByteSizeLong();
        if (response.changes_size() == static_cast<int>(page_size) || bytes > kMaxPageBytes) break;
      }
    }
  }
  response.set_next_cursor(next());
  response.set_more(true);
  return response;
}

}  // namespace babillard::publish
