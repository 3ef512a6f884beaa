#include "services/store/lua_scripts.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "babillard/v1/event.pb.h"
#include "services/store/change_stream.h"

namespace babillard::store::lua {

std::string Script(const char* source) {
  namespace cs = change_stream;
  // No name is a prefix of another, so the order of replacement does not matter.
  return absl::StrReplaceAll(
      source, {{"$KIND_CREATED", absl::StrCat(cs::kCreated)},
               {"$KIND_UPDATED", absl::StrCat(cs::kUpdated)},
               {"$KIND_CANCELLED", absl::StrCat(cs::kCancelled)},
               {"$KIND_DELETED", absl::StrCat(cs::kDeleted)},
               {"$F_KIND", cs::kKindField},
               {"$F_UID", cs::kUidField},
               {"$F_VERSION", cs::kVersionField},
               {"$F_EVENT", cs::kEventField},
               {"$STATUS_CANCELLED", absl::StrCat(static_cast<int>(v1::Event::STATUS_CANCELLED))},
               {"$HEAD", absl::StrCat(kPutHeadArgs)},
               {"$PER_EVENT", absl::StrCat(static_cast<int>(kPutArgCount))},
               {"$A_UID", absl::StrCat(static_cast<int>(kPutUid))},
               {"$A_EXPECTED", absl::StrCat(static_cast<int>(kPutExpected))},
               {"$A_EVENT", absl::StrCat(static_cast<int>(kPutEvent))},
               {"$A_ORG", absl::StrCat(static_cast<int>(kPutOrganization))},
               {"$A_MUNI", absl::StrCat(static_cast<int>(kPutMunicipality))},
               {"$A_CATS", absl::StrCat(static_cast<int>(kPutCategories))},
               {"$A_STATUS", absl::StrCat(static_cast<int>(kPutStatus))},
               {"$A_START", absl::StrCat(static_cast<int>(kPutStart))},
               {"$A_END", absl::StrCat(static_cast<int>(kPutEnd))},
               {"$A_REC", absl::StrCat(static_cast<int>(kPutRecurring))},
               {"$A_DK", absl::StrCat(static_cast<int>(kPutDuplicateKeys))},
               {"$A_UNIQUE", absl::StrCat(static_cast<int>(kPutUnique))}});
}

absl::Status ScriptError(const redis::Reply& reply) {
  const std::string& e = reply.str;
  if (absl::StartsWith(e, "STALE"))
    return absl::AbortedError(absl::StrCat("stale version: ", e.substr(6)));
  if (absl::StartsWith(e, "EXISTS"))
    return absl::AlreadyExistsError(absl::StrCat("event exists: ", e.substr(7)));
  if (absl::StartsWith(e, "DUPLICATE")) {
    // The other uid is the rest of the reply: uids may hold spaces.
    return absl::FailedPreconditionError(absl::StrCat("possible duplicate of ", e.substr(10)));
  }
  return redis::ErrorStatus(reply);
}

}  // namespace babillard::store::lua
