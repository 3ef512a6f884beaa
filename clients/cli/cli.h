#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace babillard::cli {

// `babillard`, the command line of organizations and of the administrator.
// `args` excludes the program name; `getenv` reads BABILLARD_TOKEN,
// BABILLARD_ADDR, BABILLARD_PUBLISH_ADDR, BABILLARD_CONFIG. Returns the exit
// code: 0 success, 1 the server refused, 2 usage. Errors are one line on
// `err` (plus one line per bad field).
int RunCli(const std::vector<std::string>& args,
           const std::function<std::string(const std::string&)>& getenv, std::ostream& out,
           std::ostream& err);

}  // namespace babillard::cli
