#include "clients/cli/session.h"

#include <google/protobuf/util/json_util.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/files.h"
#include "services/common/grpc_status.h"
#include "services/common/ical/serializer.h"

namespace babillard::cli {
namespace {

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "invalid argument";
    case grpc::StatusCode::NOT_FOUND:
      return "not found";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "already exists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "permission denied";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "not authenticated";
    case grpc::StatusCode::UNAVAILABLE:
      return "unavailable";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "timed out";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "over a limit";
    case grpc::StatusCode::ABORTED:
      return "changed meanwhile, retry";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "refused";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "not available yet";
    default:
      return "error";
  }
}

// Where the call went, for the message of a failure to connect.
struct Peer {
  const std::string& addr;
  const char* service;
  const char* flag;
  bool tls;
};

// gRPC says why a connection failed only in its message's words.
std::string ConnectFailure(const std::string& message, const Peer& peer) {
  const std::string where = absl::StrCat(peer.service, " at ", peer.addr);
  if (peer.tls && (absl::StrContains(absl::AsciiStrToLower(message), "certificate verify failed") ||
                   absl::StrContains(message, "CERTIFICATE_VERIFY_FAILED"))) {
    return absl::StrCat(where, " presented a certificate that no trusted CA signed (if a private ",
                        "CA made it, give its certificate with --ca=FILE)");
  }
  if (peer.tls && (absl::StrContains(message, "WRONG_VERSION_NUMBER") ||
                   absl::StrContains(message, "handshake"))) {
    return absl::StrCat("cannot reach ", where,
                        " over TLS: the TLS handshake failed (if it serves plaintext, as on a "
                        "private network, add --plaintext)");
  }
  return absl::StrCat("cannot reach ", where, peer.tls ? " over TLS" : " in plaintext",
                      " (is it running? see ", peer.flag,
                      peer.tls ? ")" : "; if it serves TLS, add --tls or --ca=FILE)");
}

int Report(const grpc::Status& status, std::ostream& err, const Peer& peer) {
  if (status.ok()) return kExitOk;
  std::string message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      absl::StrContains(message, "connect")) {
    message = ConnectFailure(message, peer);
  }
  err << "babillard: " << CodeName(status.error_code()) << ": " << message << "\n";
  for (const FieldViolation& v : ViolationsOf(FromGrpcStatus(status))) {
    err << "  " << v.field << ": " << v.description << "\n";
  }
  return kExitRefused;
}

// key=value lines; '#' starts a comment line.
std::map<std::string, std::string> ReadConfig(const std::string& path) {
  std::map<std::string, std::string> config;
  if (path.empty()) return config;
  absl::StatusOr<std::string> text = ReadFile(path, 1 << 20);
  if (!text.ok()) return config;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    size_t eq = line.find('=');
    if (eq == absl::string_view::npos || absl::StartsWith(line, "#")) continue;
    config[std::string(absl::StripAsciiWhitespace(line.substr(0, eq)))] =
        std::string(absl::StripAsciiWhitespace(line.substr(eq + 1)));
  }
  return config;
}

}  // namespace

Session::Session(Args args, std::string command, const Environment& env)
    : args_(std::move(args)), command_(std::move(command)), env_(env) {
  std::map<std::string, std::string> config =
      ReadConfig(args_.get("config", env_.getenv("BABILLARD_CONFIG")));
  auto pick = [&](const std::string& flag, const std::string& var, const std::string& key,
                  const std::string& fallback) {
    if (args_.has(flag)) return args_.get(flag);
    if (std::string v = env_.getenv(var); !v.empty()) return v;
    if (config.count(key)) return config[key];
    return fallback;
  };
  // A token pasted with its line end still works; the rest is checked by TokenProblem().
  token_ = std::string(absl::StripAsciiWhitespace(pick("token", "BABILLARD_TOKEN", "token", "")));
  token_source_ = args_.has("token")                        ? "--token"
                  : !env_.getenv("BABILLARD_TOKEN").empty() ? "BABILLARD_TOKEN"
                                                            : "the config file";
  addr_ = pick("addr", "BABILLARD_ADDR", "addr", "127.0.0.1:50051");
  publish_addr_ = pick("publish-addr", "BABILLARD_PUBLISH_ADDR", "publish_addr", "127.0.0.1:50052");

  TransportChoice choice;
  choice.ca_file = pick("ca", "BABILLARD_CA", "ca", "");
  choice.ca_source = args_.has("ca")                        ? "--ca"
                     : !env_.getenv("BABILLARD_CA").empty() ? "BABILLARD_CA"
                                                            : "ca= in the config file";
  const std::string tls = args_.has("tls")         ? "on"
                          : args_.has("plaintext") ? "off"
                                                   : (config.count("tls") ? config["tls"] : "auto");
  if (args_.has("tls") && args_.has("plaintext")) {
    transport_problem_ = "--tls and --plaintext contradict each other: give one";
  } else if (tls == "on" || tls == "off" || tls == "auto") {
    choice.mode = tls == "on"    ? TransportChoice::Mode::kTls
                  : tls == "off" ? TransportChoice::Mode::kPlaintext
                                 : TransportChoice::Mode::kAuto;
  } else {
    transport_problem_ =
        absl::StrCat("tls=", tls, " in the config file: it is on, off or auto (the default)");
  }
  absl::StatusOr<Transport> to_ingest = TransportFor(addr_, choice);
  absl::StatusOr<Transport> to_publish = TransportFor(publish_addr_, choice);
  for (const auto* t : {&to_ingest, &to_publish}) {
    if (!transport_problem_ && !t->ok()) transport_problem_ = std::string(t->status().message());
  }
  // No channel is made with a transport that was refused: the command does not run.
  if (transport_problem_) return;
  ingest_tls_ = to_ingest->tls;
  publish_tls_ = to_publish->tls;
  ingest_ = v1::Ingest::NewStub(env_.connect(addr_, *to_ingest));
  publish_ = v1::Publish::NewStub(env_.connect(publish_addr_, *to_publish));
}

std::optional<std::string> Session::Problem() const {
  if (transport_problem_) return transport_problem_;
  for (size_t i = 0; i < token_.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(token_[i]);
    // An HTTP/2 header value: visible ASCII. gRPC aborts the process on anything else.
    if (c < 0x21 || c > 0x7E) {
      return absl::StrCat("the token from ", token_source_, " has ",
                          c >= 0x80 ? "a non-ASCII character" : "a space or control character",
                          " at position ", i + 1,
                          "; a token is bab_ followed by letters and digits: copy it again");
    }
  }
  return std::nullopt;
}

void Session::Prepare(grpc::ClientContext& context, int seconds) const {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
}

namespace {

// Set by the SIGINT handler (whatever thread takes the signal), read by the
// thread that cancels the call.
std::atomic<bool> interrupted{false};

void OnInterrupt(int) { interrupted.store(true); }

}  // namespace

bool Session::CancelOnInterrupt(grpc::ClientContext& context, absl::FunctionRef<void()> call) {
  interrupted = false;
  struct sigaction on_interrupt = {}, before = {};
  on_interrupt.sa_handler = OnInterrupt;
  sigemptyset(&on_interrupt.sa_mask);
  sigaction(SIGINT, &on_interrupt, &before);
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done.load()) {
      if (interrupted.load()) {
        context.TryCancel();
        return;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
  });
  call();
  done = true;
  watcher.join();
  sigaction(SIGINT, &before, nullptr);
  return interrupted.load();
}

int Session::Interrupted() {
  err()
      << "babillard: interrupted: the import was cancelled; the server stops an import it has not "
         "begun writing (nothing is written) and finishes one it has. Importing the same file "
         "again is safe (what is already there stays unchanged); babillard list shows what is "
         "there\n";
  return kExitInterrupted;
}

bool Session::MayHaveBeenDone(const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) return true;
  return status.error_code() == grpc::StatusCode::UNAVAILABLE &&
         !absl::StrContains(status.error_message(), "connect");
}

void Session::NoteRetry(const grpc::Status& status, absl::Duration pause) {
  err() << "babillard: " << CodeName(status.error_code()) << ": " << status.error_message()
        << "; trying again in " << absl::FormatDuration(pause)
        << " (safe: the retry cannot make a second event)\n";
}

int Session::Fail(const grpc::Status& status) {
  return Report(status, err(), {addr_, "babillard-ingest", "--addr", ingest_tls_});
}

int Session::FailPublish(const grpc::Status& status) {
  return Report(status, err(),
                {publish_addr_, "babillard-publish", "--publish-addr", publish_tls_});
}

int Session::Usage(const std::string& message) {
  err() << "babillard: " << message << "; see babillard " << command_ << " --help\n";
  return kExitUsage;
}

std::optional<std::string> Session::ReadInput(const std::string& path) {
  if (path == "-") {
    // Standard input, bounded as a file is.
    constexpr size_t kMaxBytes = 64u << 20;
    std::string text;
    char chunk[1 << 16];
    while (text.size() <= kMaxBytes && env_.in->read(chunk, sizeof chunk).gcount() > 0) {
      text.append(chunk, static_cast<size_t>(env_.in->gcount()));
    }
    if (text.size() > kMaxBytes) {
      err() << "babillard: standard input: more than " << (kMaxBytes >> 20) << " MiB\n";
      return std::nullopt;
    }
    return text;
  }
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) {
    err() << "babillard: " << bytes.status().message() << "\n";
    return std::nullopt;
  }
  return *std::move(bytes);
}

v1::Filter Session::FilterFromFlags() const {
  v1::Filter f;
  const auto split = [&](const char* flag, auto* list) {
    const std::vector<std::string> values = args_.list(flag);
    *list = {values.begin(), values.end()};
  };
  split("category", f.mutable_categories());
  split("municipality", f.mutable_municipalities());
  split("org", f.mutable_organizations());
  split("tag", f.mutable_tags());
  return f;
}

int Session::PrintCalendar(const std::vector<v1::Event>& events) {
  ical::SerializeOptions options;
  options.all_languages = true;
  options.mark_cancelled_titles = false;
  ical::CalendarHeader header;
  header.name = "babillard";
  absl::StatusOr<std::string> text = ical::SerializeCalendar(events, header, options);
  if (!text.ok()) {
    err() << "babillard: cannot write the calendar: " << text.status().message() << "\n";
    return kExitRefused;
  }
  out() << *text;
  return kExitOk;
}

int Session::PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  out() << json << "\n";
  return kExitOk;
}

}  // namespace babillard::cli
