#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clients/cli/commands.h"

namespace babillard::cli {

// `babillard --help`: every command by group, the global flags, where the
// token and addresses come from, the exit codes.
std::string Usage();

// `babillard COMMAND --help`: its usage line, its flags, an example.
std::string CommandHelp(const Command& command);

// The candidate closest to a mistyped `word`, when one is close enough to
// be what was meant ("muncipality" -> "municipality").
std::optional<std::string> Closest(std::string_view word,
                                   const std::vector<std::string_view>& candidates);

// The first flag given that neither `command` nor the global flags know, as
// the message that names it and what was probably meant; nullopt when all
// are known.
// "--output=yaml is not one of table|json for list": a flag whose value is a
// choice (spelled a|b|c in the table) given something else.
std::optional<std::string> BadFlagValue(const Command& command,
                                        const std::map<std::string, std::string>& given);

std::optional<std::string> UnknownFlag(const Command& command,
                                       const std::vector<std::string>& given);

// The message for an unknown command, with the closest command's name.
std::string UnknownCommand(const std::vector<std::string>& operands);

}  // namespace babillard::cli
