#include "services/ingest/admin_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth/token.h"
#include "services/common/files.h"
#include "services/common/status_macros.h"

namespace babillard::ingest {

absl::StatusOr<std::string> LoadOrCreateAdminToken(const std::string& path, bool* created) {
  *created = false;
  if (absl::StatusOr<std::string> bytes = ReadFile(path, 1 << 20); bytes.ok()) {
    std::string token(absl::StripAsciiWhitespace(*bytes));
    if (token.empty()) return absl::FailedPreconditionError(absl::StrCat(path, " is empty"));
    return auth::Sha256Hex(token);
  }
  BABILLARD_ASSIGN_OR_RETURN(std::string token, auth::NewToken());
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::filesystem::permissions(std::filesystem::path(path).parent_path(),
                               std::filesystem::perms::owner_all, ec);
  // O_EXCL: two replicas starting at once must not overwrite each other's token.
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return absl::FailedPreconditionError(absl::StrCat("cannot create ", path));
  const std::string line = token + "\n";
  const bool ok =
      write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && fsync(fd) == 0;
  close(fd);
  if (!ok) {
    unlink(path.c_str());  // a partial token would be read back as the admin's at the next start
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  SyncDirectoryOf(path);
  *created = true;
  return auth::Sha256Hex(token);
}

}  // namespace babillard::ingest
