#include "clients/cli/args.h"

#include <algorithm>
#include <ostream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace babillard::cli {

std::vector<std::string> Args::list(const std::string& name) const {
  return absl::StrSplit(get(name), ',', absl::SkipEmpty());
}

std::optional<Args> ParseArgs(const std::vector<std::string>& argv,
                              const absl::flat_hash_set<std::string>& switches, std::ostream& err) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-h") {
      args.flags["help"] = "true";
      continue;
    }
    if (!absl::StartsWith(a, "--") || a == "--") {
      args.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    std::replace(name.begin(), name.end(), '_', '-');
    if (eq == std::string::npos) {
      if (switches.contains(name)) {
        value = "true";
      } else if (i + 1 >= argv.size()) {
        err << "babillard: --" << name << " needs a value\n";
        return std::nullopt;
      } else {
        value = argv[++i];
      }
    }
    args.flags[name] = value;
  }
  return args;
}

}  // namespace babillard::cli
