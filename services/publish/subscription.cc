#include "services/publish/subscription.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/grpc_status.h"
#include "services/publish/change_filter.h"

namespace babillard::publish {

grpc::ServerWriteReactor<v1::Change>* Subscription::Start(
    ChangeReader& reader, v1::Filter filter, std::string cursor, SubscriptionOptions options,
    std::unique_ptr<ConnectionLimits::Slot> slot, Viewer viewer) {
  auto s = std::make_shared<Subscription>(reader, std::move(filter), std::move(cursor), options,
                                          std::move(viewer));
  s->self_ = s;
  s->slot_ = std::move(slot);
  Subscription* raw = s.get();
  {
    absl::MutexLock lock(&raw->mu_);
    // "From now" is fixed at the moment of the call, not of the first change.
    if (raw->cursor_.empty()) raw->cursor_ = reader.log().head();
  }
  // Not under mu_: the log calls listeners with its own lock held.
  raw->listener_ = reader.log().AddListener([raw] { raw->Notify(); });
  absl::MutexLock lock(&raw->mu_);
  raw->Pump();
  return raw;
}

void Subscription::Notify() {
  absl::MutexLock lock(&mu_);
  if (ended_) return;
  if (reader_.log().closed()) {
    End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                     "publish is shutting down; resume from your last cursor"));
    return;
  }
  if (writing_ && options_.clock->Now() - write_started_ > options_.max_lag) {
    End(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat("subscriber too slow: no change read for ",
                     absl::FormatDuration(options_.max_lag), "; resume from your last cursor")));
    return;
  }
  Pump();
}

void Subscription::Pump() {
  if (ended_ || writing_ || catching_up_) return;
  if (pending_.empty()) Refill();
  if (ended_ || pending_.empty()) return;
  writing_ = true;
  write_started_ = options_.clock->Now();
  StartWrite(pending_.front().get());
}

void Subscription::Refill() {
  if (cursor_.empty()) {
    // Subscribed "from now" before publish had its first snapshot.
    if (!reader_.log().ready()) return;
    cursor_ = reader_.log().head();
  }
  ChangeLog::Slice slice = reader_.log().Read(cursor_, options_.batch);
  if (slice.too_old) {
    if (live_) {
      End(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                       absl::StrCat("subscriber too slow: fell out of the buffer after ", cursor_,
                                    "; resume from your last cursor")));
      return;
    }
    catching_up_ = true;
    options_.catch_up->Submit([self = shared_from_this()] { self->CatchUp(); });
    return;
  }
  if (reader_.log().ready() && slice.changes.size() == slice.behind) live_ = true;
  Take(slice.changes);
}

void Subscription::Take(const std::vector<ChangePtr>& changes) {
  for (const ChangePtr& c : changes) {
    cursor_ = c->cursor();
    if (ChangeMatches(*c, filter_, viewer_)) pending_.push_back(c);
  }
}

void Subscription::CatchUp() {
  std::string after;
  {
    absl::MutexLock lock(&mu_);
    // Gone while it waited its turn: no store read for nobody.
    if (ended_) return;
    after = cursor_;
  }
  absl::StatusOr<std::vector<ChangePtr>> changes = reader_.Read(after, 500);
  absl::MutexLock lock(&mu_);
  catching_up_ = false;
  if (ended_) return;
  if (!changes.ok()) {
    End(ToGrpcStatus(changes.status()));
    return;
  }
  if (changes->empty() && reader_.log().Read(cursor_, 1).too_old) {
    // The store has nothing after the cursor, yet the log starts later: the
    // history was reset under it.
    End(grpc::Status(
        grpc::StatusCode::FAILED_PRECONDITION,
        absl::StrCat("cursor ", cursor_, " is not in the change history; subscribe from now")));
    return;
  }
  Take(*changes);
  Pump();
}

void Subscription::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  if (!ok) {
    End(grpc::Status(grpc::StatusCode::CANCELLED, "subscriber went away"));
    return;
  }
  if (!pending_.empty()) pending_.pop_front();
  Pump();
}

void Subscription::OnCancel() {
  absl::MutexLock lock(&mu_);
  End(grpc::Status::CANCELLED);
}

void Subscription::End(grpc::Status status) {
  if (ended_) return;
  ended_ = true;
  Finish(std::move(status));
}

void Subscription::OnDone() {
  reader_.log().RemoveListener(listener_);
  // A queued or running catch-up may still hold a reference; the last one frees us.
  std::shared_ptr<Subscription> self = std::move(self_);
}

}  // namespace babillard::publish
