#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "babillard/v1/event.pb.h"
#include "babillard/v1/ingest.grpc.pb.h"
#include "babillard/v1/publish.grpc.pb.h"
#include "clients/cli/args.h"
#include "clients/cli/cli.h"

namespace babillard::cli {

// One run of a command: its arguments, where the token and the addresses
// came from, the two services' stubs, and the ways a command reports.
class Session {
 public:
  // `command` is the path of the command being run ("org create").
  Session(Args args, std::string command, const Environment& env);

  const Args& args() const { return args_; }
  Args& mutable_args() { return args_; }
  std::ostream& out() { return env_.out; }
  std::ostream& err() { return env_.err; }
  const Clock& clock() const { return env_.clock; }
  v1::Ingest::Stub& ingest() { return *ingest_; }
  v1::Publish::Stub& publish() { return *publish_; }
  const std::string& token() const { return token_; }
  // Why no call can be made, or nullopt: the token has a character an
  // HTTP/2 header cannot carry (gRPC would abort on it), or the transport
  // asked for cannot be set up (a CA file that cannot be read).
  std::optional<std::string> Problem() const;

  // A deadline and the caller's token on a call's context.
  void Prepare(grpc::ClientContext& context, int seconds = 30) const;

  // What the server said, on stderr (one line, then one per bad field);
  // returns kExitRefused. The ingest and publish variants name the address
  // and flag to check when the service cannot be reached.
  int Fail(const grpc::Status& status);
  int FailPublish(const grpc::Status& status);
  // One unary call with the caller's token and a deadline: kExitOk, or the
  // exit code of its failure after reporting it.
  template <typename Request, typename Response>
  int Ingest(grpc::Status (v1::Ingest::Stub::*method)(grpc::ClientContext*, const Request&,
                                                      Response*),
             const Request& request, Response& response, int seconds = 30) {
    grpc::ClientContext context;
    Prepare(context, seconds);
    grpc::Status status = ((*ingest_).*method)(&context, request, &response);
    return status.ok() ? kExitOk : Fail(status);
  }
  // As Ingest, for a call that is safe to repeat (a submit with its
  // idempotency key): when the service answered UNAVAILABLE or did not
  // answer in time, the call may have been done or not, so it is sent again,
  // up to three more times (after 0.5, 1 and 2 s), saying so on stderr. A
  // service that cannot be reached at all is reported at once.
  template <typename Request, typename Response>
  int IngestRetrying(grpc::Status (v1::Ingest::Stub::*method)(grpc::ClientContext*, const Request&,
                                                              Response*),
                     const Request& request, Response& response) {
    absl::Duration pause = absl::Milliseconds(500);
    for (int attempt = 1;; ++attempt) {
      grpc::ClientContext context;
      Prepare(context);
      grpc::Status status = ((*ingest_).*method)(&context, request, &response);
      if (status.ok()) return kExitOk;
      if (attempt == 4 || !MayHaveBeenDone(status)) return Fail(status);
      NoteRetry(status, pause);
      absl::SleepFor(pause);
      pause *= 2;
    }
  }
  // As Ingest, for a long call (an import): Ctrl-C cancels the call instead
  // of killing the CLI (the server then stops work it has not written) and
  // says what state it left; returns kExitInterrupted.
  template <typename Request, typename Response>
  int IngestInterruptible(grpc::Status (v1::Ingest::Stub::*method)(grpc::ClientContext*,
                                                                   const Request&, Response*),
                          const Request& request, Response& response, int seconds) {
    grpc::ClientContext context;
    Prepare(context, seconds);
    grpc::Status status;
    const bool interrupted = CancelOnInterrupt(
        context, [&] { status = ((*ingest_).*method)(&context, request, &response); });
    // A Ctrl-C as the answer came is no interruption.
    if (interrupted && status.error_code() == grpc::StatusCode::CANCELLED) return Interrupted();
    return status.ok() ? kExitOk : Fail(status);
  }
  template <typename Request, typename Response>
  int Publish(grpc::Status (v1::Publish::Stub::*method)(grpc::ClientContext*, const Request&,
                                                        Response*),
              const Request& request, Response& response, int seconds = 30) {
    grpc::ClientContext context;
    Prepare(context, seconds);
    grpc::Status status = ((*publish_).*method)(&context, request, &response);
    return status.ok() ? kExitOk : FailPublish(status);
  }

  // Runs `call`; a Ctrl-C meanwhile cancels `context`. True if it did.
  static bool CancelOnInterrupt(grpc::ClientContext& context, absl::FunctionRef<void()> call);
  int Interrupted();
  // A failure after which the call may have been done (no answer in time,
  // or UNAVAILABLE from a service that was reached).
  static bool MayHaveBeenDone(const grpc::Status& status);
  // On stderr: no answer, trying again in `pause`.
  void NoteRetry(const grpc::Status& status, absl::Duration pause);

  // A command-line mistake; returns kExitUsage.
  int Usage(const std::string& message);

  // The operand at `i` (0 is the command's first word).
  std::string Arg(size_t i) const { return args_.operand(i); }

  // A file's bytes, or nullopt after saying on stderr what is wrong with it.
  std::optional<std::string> ReadInput(const std::string& path);

  // --category, --municipality, --org and --tag as a Filter.
  v1::Filter FilterFromFlags() const;

  // A message as JSON with the proto's field names; returns kExitOk.
  int PrintJson(const google::protobuf::Message& message);
  // The events as one iCalendar file on stdout, every language kept (what
  // `babillard import` reads back).
  int PrintCalendar(const std::vector<v1::Event>& events);

 private:
  Args args_;
  std::string command_;
  const Environment& env_;
  std::string token_, addr_, publish_addr_;
  std::string token_source_;
  std::optional<std::string> transport_problem_;
  // Whether each service is reached over TLS, for the messages of Fail.
  bool ingest_tls_ = false, publish_tls_ = false;
  std::unique_ptr<v1::Ingest::Stub> ingest_;
  std::unique_ptr<v1::Publish::Stub> publish_;
};

}  // namespace babillard::cli
