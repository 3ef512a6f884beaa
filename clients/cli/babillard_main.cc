#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "clients/cli/cli.h"

int main(int argc, char** argv) {
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
