#pragma once

#include <grpcpp/channel.h>

#include <functional>
#include <iosfwd>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "clients/cli/transport.h"
#include "services/common/clock.h"

namespace babillard::cli {

// What the CLI touches of the world, so that tests run it in-process against
// fake services on an in-process channel and a clock they set.
struct Environment {
  // Reads BABILLARD_TOKEN, BABILLARD_ADDR, BABILLARD_PUBLISH_ADDR, BABILLARD_CONFIG.
  std::function<std::string(const std::string&)> getenv;
  // A channel to a service's address over the transport chosen for it
  // (the real binary: Connect, transport.h).
  std::function<std::shared_ptr<grpc::Channel>(const std::string& address,
                                               const Transport& transport)>
      connect;
  std::ostream& out;
  std::ostream& err;
  const Clock& clock = Clock::Real();
  // What "-" reads (`import -`, `submit --file=-`).
  std::istream* in = &std::cin;
};

// The exit codes, as `babillard --help` documents them.
enum ExitCode : int {
  kExitOk = 0,
  // The server refused or could not be reached; the message says why.
  kExitRefused = 1,
  // The command line itself is wrong: unknown command or flag, a missing operand.
  kExitUsage = 2,
  // An import took some events and rejected others (the report lists them);
  // `--partial` accepts that with 0, for scripts.
  kExitPartial = 3,
  // Ctrl-C during a long call (an import): the call was cancelled.
  kExitInterrupted = 130,
};

// `babillard`, the command line of organizations and of the administrator.
// `args` excludes the program name. Data goes to `env.out`; errors are one
// line on `env.err` (plus one line per bad field). Every command, its flags,
// its help and its example come from one table (commands.h).
int RunCli(const std::vector<std::string>& args, const Environment& env);

}  // namespace babillard::cli
