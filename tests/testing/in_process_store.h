#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "services/common/client/store_client.h"
#include "services/store/store_service.h"
#include "tests/testing/fake_event_store.h"
#include "tests/testing/fake_registry.h"

namespace babillard::testing {

// The real StoreService on the in-memory fakes, reached through a real
// StoreClient over an in-process channel: the layers above the store (ingest,
// publish) run in a unit test as they run in production, without Redis,
// processes or sockets. The fakes' FailNextCall() makes a store call fail.
class InProcessStore {
 public:
  InProcessStore() : service_(events, registry) {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    client_ = std::make_unique<StoreClient>(
        internal::Store::NewStub(server_->InProcessChannel(grpc::ChannelArguments())), "");
  }
  ~InProcessStore() { server_->Shutdown(); }

  StoreClient& client() { return *client_; }

  FakeEventStore events;
  FakeRegistry registry;

 private:
  store::StoreService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<StoreClient> client_;
};

}  // namespace babillard::testing
