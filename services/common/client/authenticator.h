#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "babillard/v1/event.pb.h"
#include "services/common/client/store_client.h"
#include "services/common/clock.h"

namespace babillard {

// Who is calling: an organization, its role, and its own municipality (the
// default of its events).
struct Caller {
  std::string organization;
  v1::Organization::Role role = v1::Organization::ROLE_UNSPECIFIED;
  std::string municipality = "";
  bool is_admin() const { return role == v1::Organization::ROLE_ADMIN; }
};

// PERMISSION_DENIED unless `caller` may write `organization`'s things.
absl::Status CheckCanWrite(const Caller& caller, const std::string& organization);

// The organization a call acts for: a publisher's own (PERMISSION_DENIED if
// it names another), or the one an admin names in `field` (INVALID_ARGUMENT
// naming `field` if none).
absl::StatusOr<std::string> ActingFor(const Caller& caller, const std::string& requested,
                                      const std::string& field);

// Bearer token -> Caller. The admin token is known by its hash; others are
// looked up in the store by hash, cached for `cache_ttl` (so a rotated token
// stops working within that time). Thread-safe. Never logs a token.
class Authenticator {
 public:
  Authenticator(StoreClient& store, std::string admin_token_sha256,
                absl::Duration cache_ttl = absl::Seconds(2), const Clock& clock = Clock::Real())
      : store_(store),
        admin_sha256_(std::move(admin_token_sha256)),
        cache_ttl_(cache_ttl),
        clock_(clock) {}

  // `authorization` is the header value ("Bearer <token>"). UNAUTHENTICATED
  // for a missing, malformed or unknown token; UNAVAILABLE if the store is.
  absl::StatusOr<Caller> Authenticate(std::string_view authorization);
  // The same, from a call's "authorization" metadata.
  absl::StatusOr<Caller> Authenticate(const grpc::ServerContextBase& context);

 private:
  StoreClient& store_;
  std::string admin_sha256_;
  absl::Duration cache_ttl_;
  const Clock& clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::pair<Caller, absl::Time>> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace babillard
