#include "services/store/store_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "services/common/grpc_status.h"
#include "tests/testing/fake_event_store.h"
#include "tests/testing/fake_registry.h"

namespace babillard::store {
namespace {

class StoreServiceTest : public ::testing::Test {
 protected:
  void Start(const std::string& token) {
    service_ = std::make_unique<StoreService>(events_, registry_, token);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = internal::Store::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  internal::PutEventRequest Request(const std::string& uid) {
    internal::PutEventRequest request;
    request.mutable_event()->set_uid(uid);
    request.mutable_event()->set_organization("biblio");
    return request;
  }

  testing::FakeEventStore events_;
  testing::FakeRegistry registry_;
  std::unique_ptr<StoreService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<internal::Store::Stub> stub_;
};

TEST(ToGrpcStatus, KeepsEveryCodeAndTheMessage) {
  for (int code = 0; code <= 16; ++code) {
    absl::Status status(static_cast<absl::StatusCode>(code), code == 0 ? "" : "event.dtstart: why");
    grpc::Status mapped = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(mapped.error_code()), code);
    if (code != 0) {
      EXPECT_EQ(mapped.error_message(), "event.dtstart: why");
    }
    EXPECT_EQ(FromGrpcStatus(mapped), status);
  }
}

TEST(ToGrpcStatus, CarriesFieldViolationsAsBadRequestDetails) {
  absl::Status status =
      BadRequestError("2 events rejected", {{"dtstart", "missing"}, {"uid", "too long"}});
  grpc::Status mapped = ToGrpcStatus(status);
  EXPECT_EQ(mapped.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(mapped.error_details().empty());
  std::vector<FieldViolation> back = ViolationsOf(FromGrpcStatus(mapped));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].field, "dtstart");
  EXPECT_EQ(back[1].description, "too long");
}

TEST_F(StoreServiceTest, MapsRedisOutageToUnavailable) {
  Start("");
  events_.FailNextCall(absl::UnavailableError("redis: connection refused"));
  grpc::ClientContext context;
  internal::PutEventResponse response;
  grpc::Status status = stub_->PutEvent(&context, Request("uid-1"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(StoreServiceTest, PassesExpectationsThroughAndReportsTheChange) {
  Start("");
  grpc::ClientContext c1;
  internal::PutEventResponse r1;
  ASSERT_TRUE(stub_->PutEvent(&c1, Request("a"), &r1).ok());
  EXPECT_EQ(r1.version(), 1);
  EXPECT_EQ(r1.kind(), v1::Change::KIND_CREATED);
  grpc::ClientContext c2;
  internal::PutEventRequest again = Request("a");
  again.set_create_only(true);
  EXPECT_EQ(stub_->PutEvent(&c2, again, &r1).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  grpc::ClientContext c3;
  internal::PutEventRequest stale = Request("a");
  stale.set_expected_version(5);
  EXPECT_EQ(stub_->PutEvent(&c3, stale, &r1).error_code(), grpc::StatusCode::ABORTED);
}

TEST_F(StoreServiceTest, IndependentWritesEachGetTheirOwnResult) {
  Start("");
  grpc::ClientContext c1;
  internal::PutEventResponse r1;
  ASSERT_TRUE(stub_->PutEvent(&c1, Request("a"), &r1).ok());
  internal::PutEventsRequest batch;
  for (const char* uid : {"b", "a", "c"}) {
    *batch.add_writes() = Request(uid);
    batch.mutable_writes()->rbegin()->set_create_only(true);
  }
  grpc::ClientContext c2;
  internal::PutEventsResponse results;
  ASSERT_TRUE(stub_->PutEvents(&c2, batch, &results).ok());
  ASSERT_EQ(results.results_size(), 3);
  EXPECT_EQ(results.results(0).error_code(), 0);
  EXPECT_EQ(results.results(0).version(), 1);
  EXPECT_EQ(results.results(1).error_code(), static_cast<int>(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_FALSE(results.results(1).error_message().empty());
  EXPECT_EQ(results.results(2).error_code(), 0);
  EXPECT_EQ(events_.changes().size(), 3u) << "a, then b and c; the refused write changed nothing";

  internal::PutEventsRequest mixed = batch;
  *mixed.add_events() = Request("d").event();
  grpc::ClientContext c3;
  EXPECT_EQ(stub_->PutEvents(&c3, mixed, &results).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(StoreServiceTest, AnAtomicBatchChecksEveryVersionAndWritesAllOrNothing) {
  Start("");
  grpc::ClientContext c1;
  internal::PutEventResponse r1;
  ASSERT_TRUE(stub_->PutEvent(&c1, Request("a"), &r1).ok());
  internal::PutEventsRequest batch;
  batch.set_atomic(true);
  *batch.add_writes() = Request("b");
  batch.mutable_writes(0)->set_create_only(true);
  *batch.add_writes() = Request("a");
  batch.mutable_writes(1)->set_expected_version(r1.version() + 1);  // stale
  grpc::ClientContext c2;
  internal::PutEventsResponse results;
  EXPECT_EQ(stub_->PutEvents(&c2, batch, &results).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(events_.changes().size(), 1u) << "b was not written either";

  batch.mutable_writes(1)->set_expected_version(r1.version());
  grpc::ClientContext c3;
  ASSERT_TRUE(stub_->PutEvents(&c3, batch, &results).ok());
  ASSERT_EQ(results.results_size(), 2);
  EXPECT_EQ(results.results(1).version(), r1.version() + 1);
  EXPECT_EQ(events_.changes().size(), 3u);
}

TEST_F(StoreServiceTest, RequiresTheInternalTokenWhenConfigured) {
  Start("s3cret");
  grpc::ClientContext anonymous;
  internal::PutEventResponse response;
  EXPECT_EQ(stub_->PutEvent(&anonymous, Request("a"), &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext wrong;
  wrong.AddMetadata("authorization", "Bearer nope");
  EXPECT_EQ(stub_->PutEvent(&wrong, Request("a"), &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext right;
  right.AddMetadata("authorization", "Bearer s3cret");
  EXPECT_TRUE(stub_->PutEvent(&right, Request("a"), &response).ok());
}

TEST_F(StoreServiceTest, WatchStreamsTheSnapshotThenItsEnd) {
  Start("");
  for (const char* uid : {"a", "b"}) {
    grpc::ClientContext c;
    internal::PutEventResponse r;
    ASSERT_TRUE(stub_->PutEvent(&c, Request(uid), &r).ok());
  }
  grpc::ClientContext context;
  internal::WatchRequest request;
  request.set_snapshot(true);
  auto reader = stub_->Watch(&context, request);
  std::vector<std::string> uids;
  bool done = false;
  internal::WatchResponse response;
  while (reader->Read(&response)) {
    if (response.has_change()) uids.push_back(response.change().event().uid());
    done = done || response.snapshot_done();
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(uids, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace babillard::store
