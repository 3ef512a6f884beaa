#include <grpc/support/log.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "clients/cli/cli.h"

int main(int argc, char** argv) {
  // gRPC's own log lines (a failed handshake) would come before the one-line
  // message that says what to do; the CLI reports every failure itself.
  gpr_set_log_function([](gpr_log_func_args*) {});
  const babillard::cli::Environment env{
      .getenv =
          [](const std::string& name) {
            const char* value = std::getenv(name.c_str());
            return value == nullptr ? std::string() : std::string(value);
          },
      .connect = babillard::cli::Connect,
      .out = std::cout,
      .err = std::cerr,
  };
  return babillard::cli::RunCli(std::vector<std::string>(argv + 1, argv + argc), env);
}
