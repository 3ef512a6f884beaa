#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace babillard::cli {

class Session;

// One --flag of a command.
struct Flag {
  std::string_view name;   // without the dashes: "title-en"
  std::string_view value;  // what it takes ("TEXT", "YYYY-MM-DD"); empty for a switch
  std::string_view help;
};

// One command of `babillard`: what runs it, and everything --help says about
// it. The table (command_table.cc) is the only list of commands: the parser,
// the usage, each command's help and the suggestions for a mistyped name are
// all read from it, so they cannot drift apart.
struct Command {
  std::string_view group;     // the heading it is listed under in `babillard --help`
  std::string_view path;      // "submit", "org create"
  std::string_view operands;  // "UID", "FILE.ics"; empty for none
  std::string_view summary;   // one line
  std::vector<Flag> flags;
  std::string_view example;  // a command line, without "babillard "
  int (*run)(Session&);
};

// Every command, in the order --help lists them.
const std::vector<Command>& Commands();

// Flags every command takes (--addr, --token, --help...).
const std::vector<Flag>& GlobalFlags();

// The names of the flags that take no value, across all commands: the
// parser must know them before it knows the command.
absl::flat_hash_set<std::string> Switches();

// The command named by the first one or two operands, or null.
const Command* FindCommand(const std::vector<std::string>& operands);

// How many operands `command.path` takes up ("org create": 2).
size_t PathWords(const Command& command);

}  // namespace babillard::cli
