#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace babillard::cli {

// What the shell may put in place of the last of `words` (the words after
// "babillard", the last one being typed, possibly empty): command names,
// subcommands, the command's flags and the choices of a flag's value, all
// read from the command table. Empty where an operand goes (the shell then
// offers file names).
std::vector<std::string> CompletionCandidates(const std::vector<std::string>& words);

// The script `babillard completion SHELL` prints ("bash" or "zsh"): it asks
// `babillard __complete WORDS...` at each Tab, so it never goes stale.
std::optional<std::string_view> CompletionScript(std::string_view shell);

}  // namespace babillard::cli
