// stream_swarm: many Subscribe streams at once, for the liveness test
// (liveness_e2e_test.py): opens N streams to publish from one cursor, over
// as many HTTP/2 connections as the per-connection stream cap needs, reads
// the first change of each and holds them open, then prints one line:
//   first=<streams that got a change> ended=<streams the server ended>
//   codes=<CODE(message):count;...>
// With "stall", each stream reads its first change and no other until the
// hold ends, through a small fixed HTTP/2 window (no BDP probing), like a
// client that stopped reading: the server's writes then wait on it. Then it
// reads what is left for up to 10 s, to hear how the server ended it.
//
//   stream_swarm ADDRESS N FROM_CURSOR HOLD_SECONDS [stall]
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "babillard/v1/publish.grpc.pb.h"

namespace {

constexpr int kStreamsPerConnection = 50;

struct Stream {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientAsyncReader<babillard::v1::Change>> reader;
  babillard::v1::Change change;
  grpc::Status status;
  bool got_first = false;
  bool finished = false;
};

enum Step : intptr_t { kStarted = 0, kRead = 1, kFinished = 2 };

void* Tag(size_t index, Step step) { return reinterpret_cast<void*>(index * 4 + step); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::cerr << "usage: stream_swarm ADDRESS N FROM_CURSOR HOLD_SECONDS [stall]\n";
    return 2;
  }
  const bool stall = argc == 6 && std::string(argv[5]) == "stall";
  const std::string address = argv[1];
  const size_t n = static_cast<size_t>(std::atoi(argv[2]));
  babillard::v1::SubscribeRequest request;
  request.set_from_cursor(argv[3]);
  const auto hold_until =
      std::chrono::system_clock::now() + std::chrono::seconds(std::atoi(argv[4]));

  std::vector<std::unique_ptr<babillard::v1::Publish::Stub>> stubs;
  for (size_t i = 0; i < (n + kStreamsPerConnection - 1) / kStreamsPerConnection; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
    args.SetMaxReceiveMessageSize(64 << 20);
    if (stall) {
      args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
      args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 64 << 10);
    }
    stubs.push_back(babillard::v1::Publish::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args)));
  }
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<Stream>> streams;
  for (size_t i = 0; i < n; ++i) {
    auto s = std::make_unique<Stream>();
    s->reader = stubs[i / kStreamsPerConnection]->PrepareAsyncSubscribe(&s->context, request, &cq);
    s->reader->StartCall(Tag(i, kStarted));
    streams.push_back(std::move(s));
  }
  const auto cancel_at = stall ? hold_until + std::chrono::seconds(10) : hold_until;
  bool cancelled = false, draining = false;
  size_t finished = 0;
  while (finished < n) {
    void* tag = nullptr;
    bool ok = false;
    const auto status =
        cq.AsyncNext(&tag, &ok, std::chrono::system_clock::now() + std::chrono::milliseconds(100));
    if (status == grpc::CompletionQueue::SHUTDOWN) break;
    const auto now = std::chrono::system_clock::now();
    if (stall && !draining && now >= hold_until) {
      draining = true;
      for (size_t i = 0; i < n; ++i) {
        if (streams[i]->got_first) streams[i]->reader->Read(&streams[i]->change, Tag(i, kRead));
      }
    }
    if (!cancelled && now >= cancel_at) {
      cancelled = true;
      for (auto& s : streams) s->context.TryCancel();
    }
    if (status == grpc::CompletionQueue::TIMEOUT) continue;
    const size_t index = reinterpret_cast<uintptr_t>(tag) / 4;
    const Step step = static_cast<Step>(reinterpret_cast<uintptr_t>(tag) % 4);
    Stream& s = *streams[index];
    if (step == kFinished) {
      s.finished = true;
      ++finished;
    } else if (ok && step == kStarted) {
      s.reader->Read(&s.change, Tag(index, kRead));
    } else if (ok && step == kRead) {
      const bool first = !s.got_first;
      s.got_first = true;  // held open: the next Read waits for the hold to end
      if (!stall || !first || draining) s.reader->Read(&s.change, Tag(index, kRead));
    } else {
      s.reader->Finish(&s.status, Tag(index, kFinished));
    }
  }
  size_t first = 0, ended = 0;
  std::map<std::string, int> codes;
  for (auto& s : streams) {
    first += s->got_first ? 1 : 0;
    if (s->status.error_code() != grpc::StatusCode::CANCELLED) {
      ++ended;
      ++codes[std::to_string(s->status.error_code()) + "(" + s->status.error_message() + ")"];
    }
  }
  std::cout << "first=" << first << " ended=" << ended << " codes=";
  for (const auto& [code, count] : codes) std::cout << code << ":" << count << ";";
  std::cout << "\n";
  cq.Shutdown();
  return 0;
}
