#pragma once

#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace babillard::cli {

// A command line split into operands and --flags. Flag names use dashes
// ("--title-en"; "--title_en" is read the same).
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;

  bool has(const std::string& name) const { return flags.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  }
  // A comma-separated flag's values ("--category=culture,,sport"), empty ones skipped.
  std::vector<std::string> list(const std::string& name) const;
  // The operand at `i` (0 is the command), or "".
  std::string operand(size_t i) const { return i < positional.size() ? positional[i] : ""; }
};

// "--name=value", "--name value", or "--name" for a flag in `switches`; "-h"
// is "--help". nullopt (with a message on `err`) for a flag missing its value.
std::optional<Args> ParseArgs(const std::vector<std::string>& argv,
                              const absl::flat_hash_set<std::string>& switches, std::ostream& err);

}  // namespace babillard::cli
