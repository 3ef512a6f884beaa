#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "babillard/internal/store.grpc.pb.h"
#include "services/publish/calendar_view.h"
#include "services/publish/change_log.h"

namespace babillard::publish {

// Keeps a CalendarView in step with the store: a snapshot, then changes;
// after a disconnect it resumes from its cursor (a new snapshot if the store
// no longer has it). While the store is away the view keeps serving.
class ViewFeeder {
 public:
  // `log`, if given, receives every live change after the view has it.
  ViewFeeder(std::shared_ptr<grpc::Channel> store, std::string internal_token, CalendarView& view,
             ChangeLog* log = nullptr)
      : stub_(internal::Store::NewStub(store)),
        token_(std::move(internal_token)),
        view_(view),
        log_(log) {}
  ~ViewFeeder() { Stop(); }
  void Start();
  void Stop();

 private:
  void Run();

  std::unique_ptr<internal::Store::Stub> stub_;
  std::string token_;
  CalendarView& view_;
  ChangeLog* log_;
  absl::Notification stop_;
  absl::Mutex mu_;
  grpc::ClientContext* active_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace babillard::publish
