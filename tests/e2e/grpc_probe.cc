// grpc_probe: calls any RPC of babillard's services by its name, for the
// authorization test (authorization_e2e_test.py), so that the test is made
// from the service descriptors and a new RPC cannot be left out of it.
//
//   grpc_probe methods   one line per RPC of every service in babillard's
//                        .proto files: "<package.Service>/<Method>\t<unary|stream>"
//   grpc_probe calls     reads lines "address\tmethod\ttoken\trequest" (the
//                        request in protobuf text format; the token may be
//                        empty) and writes one line per call:
//                        "<CODE NAME>\t<message>\t<response, text format>";
//                        a method given as a path ("/grpc.reflection...") is
//                        called as a stream with an empty request
//
// A streaming call sends its request, reads one response and cancels: OK when
// a response came, else the call's own status (DEADLINE_EXCEEDED when the
// server accepted the stream and had nothing to say within 3 s). The
// environment's GRPC_PROBE_DEADLINE_MS sets every call's deadline instead.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "babillard/internal/store.grpc.pb.h"
#include "babillard/v1/ingest.grpc.pb.h"
#include "babillard/v1/publish.grpc.pb.h"

namespace {

namespace pb = google::protobuf;

// The .proto files whose services are probed. Naming one message of each
// links its descriptor in.
std::vector<const pb::FileDescriptor*> Files() {
  return {babillard::v1::SubmitEventRequest::descriptor()->file(),
          babillard::v1::SubscribeRequest::descriptor()->file(),
          babillard::internal::PutEventRequest::descriptor()->file()};
}

const pb::MethodDescriptor* FindMethod(const std::string& name) {
  const std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2) return nullptr;
  const pb::ServiceDescriptor* service =
      pb::DescriptorPool::generated_pool()->FindServiceByName(parts[0]);
  return service == nullptr ? nullptr : service->FindMethodByName(parts[1]);
}

std::string OneLine(std::string s) {
  return absl::StrReplaceAll(s, {{"\t", " "}, {"\n", " "}, {"\r", " "}});
}

const char* CodeName(grpc::StatusCode code) {
  static const char* kNames[] = {"OK",
                                 "CANCELLED",
                                 "UNKNOWN",
                                 "INVALID_ARGUMENT",
                                 "DEADLINE_EXCEEDED",
                                 "NOT_FOUND",
                                 "ALREADY_EXISTS",
                                 "PERMISSION_DENIED",
                                 "RESOURCE_EXHAUSTED",
                                 "FAILED_PRECONDITION",
                                 "ABORTED",
                                 "OUT_OF_RANGE",
                                 "UNIMPLEMENTED",
                                 "INTERNAL",
                                 "UNAVAILABLE",
                                 "DATA_LOSS",
                                 "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < static_cast<int>(std::size(kNames)) ? kNames[i] : "UNKNOWN";
}

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// Waits for the one operation in flight on `cq`; false when it failed.
bool Await(grpc::CompletionQueue& cq) {
  void* tag = nullptr;
  bool ok = false;
  return cq.Next(&tag, &ok) && ok;
}

struct Outcome {
  grpc::Status status;
  std::string response;  // serialized, when one came
};

Outcome Call(const std::string& address, const std::string& path, bool streaming,
             const std::string& token, const std::string& request) {
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  // GRPC_PROBE_DEADLINE_MS: a caller with a short deadline (RELIABILITY F3).
  int deadline_ms = streaming ? 3000 : 10000;
  if (const char* ms = std::getenv("GRPC_PROBE_DEADLINE_MS"); ms != nullptr)
    deadline_ms = std::atoi(ms);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  grpc::Slice slice(request);
  grpc::ByteBuffer sent(&slice, 1);
  Outcome out;
  grpc::ByteBuffer received;
  if (!streaming) {
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
        stub.PrepareUnaryCall(&context, path, sent, &cq);
    call->StartCall();
    call->Finish(&received, &out.status, nullptr);
    Await(cq);
    if (out.status.ok()) out.response = Bytes(received);
    return out;
  }
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, path, &cq);
  call->StartCall(nullptr);
  bool got = Await(cq);
  if (got) {
    call->Write(sent, nullptr);
    got = Await(cq);
  }
  if (got) {
    call->WritesDone(nullptr);
    got = Await(cq);
  }
  if (got) {
    call->Read(&received, nullptr);
    got = Await(cq);
  }
  if (got) context.TryCancel();
  call->Finish(&out.status, nullptr);
  Await(cq);
  if (got) {
    out.status = grpc::Status::OK;
    out.response = Bytes(received);
  }
  return out;
}

int ListMethods() {
  for (const pb::FileDescriptor* file : Files()) {
    for (int s = 0; s < file->service_count(); ++s) {
      const pb::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const pb::MethodDescriptor* method = service->method(m);
        const bool streaming = method->client_streaming() || method->server_streaming();
        std::cout << service->full_name() << "/" << method->name() << "\t"
                  << (streaming ? "stream" : "unary") << "\n";
      }
    }
  }
  return 0;
}

int RunCalls() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::vector<std::string> fields = absl::StrSplit(line, absl::MaxSplits('\t', 3));
    if (fields.size() != 4) {
      std::cout << "BAD_LINE\texpected address, method, token, request\t\n" << std::flush;
      continue;
    }
    if (absl::StartsWith(fields[1], "/")) {
      // A path outside babillard's files (server reflection): a stream, no request.
      Outcome outcome = Call(fields[0], fields[1], /*streaming=*/true, fields[2], "");
      std::cout << CodeName(outcome.status.error_code()) << "\t"
                << OneLine(outcome.status.error_message()) << "\t\n"
                << std::flush;
      continue;
    }
    const pb::MethodDescriptor* method = FindMethod(fields[1]);
    if (method == nullptr) {
      std::cout << "NO_SUCH_METHOD\t" << fields[1] << "\t\n" << std::flush;
      continue;
    }
    const pb::Message* prototype =
        pb::MessageFactory::generated_factory()->GetPrototype(method->input_type());
    std::unique_ptr<pb::Message> request(prototype->New());
    if (!pb::TextFormat::ParseFromString(fields[3], request.get())) {
      std::cout << "BAD_REQUEST\tnot a " << method->input_type()->full_name() << "\t\n"
                << std::flush;
      continue;
    }
    Outcome outcome = Call(fields[0], "/" + method->service()->full_name() + "/" + method->name(),
                           method->client_streaming() || method->server_streaming(), fields[2],
                           request->SerializeAsString());
    std::string response;
    if (!outcome.response.empty()) {
      std::unique_ptr<pb::Message> reply(
          pb::MessageFactory::generated_factory()->GetPrototype(method->output_type())->New());
      if (reply->ParseFromString(outcome.response)) response = reply->ShortDebugString();
    }
    std::cout << CodeName(outcome.status.error_code()) << "\t"
              << OneLine(outcome.status.error_message()) << "\t" << OneLine(response) << "\n"
              << std::flush;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "methods") return ListMethods();
  if (command == "calls") return RunCalls();
  std::cerr << "usage: grpc_probe methods | grpc_probe calls < lines\n";
  return 2;
}
