#pragma once

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace babillard::cli {

// How the CLI reaches one service.
struct Transport {
  bool tls = false;
  // PEM CA certificates the server's certificate is checked against; empty:
  // the system's roots.
  std::string root_certificates = "";
};

// What the caller asked for, from --tls / --plaintext / --ca, BABILLARD_CA,
// or the config file's tls= and ca= lines.
struct TransportChoice {
  enum class Mode { kAuto, kTls, kPlaintext };
  Mode mode = Mode::kAuto;
  std::string ca_file = "";
  // Where ca_file came from, for messages: "--ca", "BABILLARD_CA", "ca= in the config file".
  std::string ca_source = "--ca";
};

// The transport to `address`: TLS by default, as tokens cross the network;
// plaintext only when asked (--plaintext) or, without a choice, when the
// address never leaves the machine (unix:, 127.0.0.0/8, ::1, localhost). A CA
// file implies TLS. Errors (a CA that cannot be read or holds no certificate,
// --plaintext with a CA) name the flag and say what is wrong.
absl::StatusOr<Transport> TransportFor(const std::string& address, const TransportChoice& choice);

// The channel the real binary uses.
std::shared_ptr<grpc::Channel> Connect(const std::string& address, const Transport& transport);

}  // namespace babillard::cli
