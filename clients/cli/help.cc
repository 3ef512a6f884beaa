#include "clients/cli/help.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/string_view.h"

namespace babillard::cli {
namespace {

constexpr std::string_view kSources =
    "The token comes from --token or BABILLARD_TOKEN, the ingest address from --addr or\n"
    "BABILLARD_ADDR (default 127.0.0.1:50051), the publish address from --publish-addr or\n"
    "BABILLARD_PUBLISH_ADDR (default 127.0.0.1:50052); a file named by --config or\n"
    "BABILLARD_CONFIG may hold token=, addr=, publish_addr=, ca= and tls= lines. Feed URLs\n"
    "are the ones publish hands out (its --public-url).\n"
    "Calls go over TLS to any address but a loopback one (127.0.0.1, ::1, localhost, unix:),\n"
    "checked against the system's CAs, or the one in --ca or BABILLARD_CA; --tls and\n"
    "--plaintext (or tls=on, tls=off) override the choice.\n";

constexpr std::string_view kExitCodes =
    "Exit codes: 0 done; 1 the server refused or could not be reached (the message says\n"
    "why); 2 the command line is wrong (unknown command or flag, missing operand); 3 an\n"
    "import rejected some events (the report says which; --partial makes that 0); 130 an\n"
    "import interrupted with Ctrl-C (cancelled; importing the same file again is safe).\n";

std::string FlagLabel(const Flag& flag) {
  return flag.value.empty() ? absl::StrCat("--", Av(flag.name))
                            : absl::StrCat("--", Av(flag.name), "=", Av(flag.value));
}

// Two columns: the labels padded to the longest, then the help.
void AppendTable(const std::vector<std::pair<std::string, std::string_view>>& rows,
                 std::string& out) {
  size_t width = 0;
  for (const auto& [label, help] : rows) width = std::max(width, label.size());
  for (const auto& [label, help] : rows) {
    absl::StrAppend(&out, "  ", label, std::string(width - label.size() + 2, ' '), Av(help), "\n");
  }
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string Usage() {
  std::string out =
      "usage: babillard [--addr=HOST:PORT] [--token=TOKEN] COMMAND [OPERANDS] [FLAGS]\n";
  std::string_view group;
  std::vector<std::pair<std::string, std::string_view>> rows;
  auto flush = [&] {
    AppendTable(rows, out);
    rows.clear();
  };
  for (const Command& c : Commands()) {
    if (c.group != group) {
      flush();
      group = c.group;
      absl::StrAppend(&out, "\n", Av(group), ":\n");
    }
    rows.emplace_back(
        c.operands.empty() ? std::string(c.path) : absl::StrCat(Av(c.path), " ", Av(c.operands)),
        c.summary);
  }
  flush();
  absl::StrAppend(&out, "\nFlags every command takes:\n");
  for (const Flag& f : GlobalFlags()) rows.emplace_back(FlagLabel(f), f.help);
  flush();
  absl::StrAppend(&out, "\n", Av(kSources), "\n", Av(kExitCodes), "\n",
                  "Run babillard COMMAND --help for a command's flags and an example.\n");
  return out;
}

std::string CommandHelp(const Command& c) {
  std::string out = absl::StrCat("usage: babillard ", Av(c.path));
  if (!c.operands.empty()) absl::StrAppend(&out, " ", Av(c.operands));
  if (!c.flags.empty()) absl::StrAppend(&out, " [FLAGS]");
  absl::StrAppend(&out, "\n\n", Av(c.summary), "\n");
  std::vector<std::pair<std::string, std::string_view>> rows;
  if (!c.flags.empty()) {
    absl::StrAppend(&out, "\nFlags:\n");
    for (const Flag& f : c.flags) rows.emplace_back(FlagLabel(f), f.help);
    AppendTable(rows, out);
  }
  absl::StrAppend(&out, "\nExample:\n  babillard ", Av(c.example), "\n\n",
                  "Flags every command takes: ");
  std::vector<std::string> globals;
  for (const Flag& f : GlobalFlags()) globals.push_back(FlagLabel(f));
  absl::StrAppend(&out, absl::StrJoin(globals, " "), " (see babillard --help)\n");
  return out;
}

std::optional<std::string> Closest(std::string_view word,
                                   const std::vector<std::string_view>& candidates) {
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (std::string_view c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best;
}

std::optional<std::string> UnknownFlag(const Command& command,
                                       const std::vector<std::string>& given) {
  std::vector<std::string_view> known;
  for (const Flag& f : command.flags) known.push_back(f.name);
  for (const Flag& f : GlobalFlags()) known.push_back(f.name);
  for (const std::string& name : given) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string message = absl::StrCat("unknown flag --", name, " for ", Av(command.path));
    if (std::optional<std::string> close = Closest(name, known))
      absl::StrAppend(&message, " (did you mean --", *close, "?)");
    return message;
  }
  return std::nullopt;
}

std::optional<std::string> BadFlagValue(const Command& command,
                                        const std::map<std::string, std::string>& given) {
  std::vector<Flag> known(command.flags.begin(), command.flags.end());
  for (const Flag& f : GlobalFlags()) known.push_back(f);
  for (const auto& [name, value] : given) {
    for (const Flag& f : known) {
      // A value spelled "a|b|c" is a choice: anything else is a mistake, not the default.
      const bool choice =
          f.name == name && absl::StrContains(Av(f.value), "|") &&
          f.value.find_first_not_of("abcdefghijklmnopqrstuvwxyz-|") == std::string_view::npos;
      if (!choice) continue;
      const std::vector<absl::string_view> allowed = absl::StrSplit(Av(f.value), '|');
      if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) continue;
      return absl::StrCat("--", name, "=", value, " is not one of ", Av(f.value), " for ",
                          Av(command.path));
    }
  }
  return std::nullopt;
}

std::string UnknownCommand(const std::vector<std::string>& operands) {
  const std::string first = operands.empty() ? "" : operands[0];
  // "org" alone, or "org craete": name the subcommands it has.
  std::vector<std::string_view> subcommands;
  for (const Command& c : Commands()) {
    if (PathWords(c) == 2 && c.path.substr(0, c.path.find(' ')) == first)
      subcommands.push_back(c.path.substr(c.path.find(' ') + 1));
  }
  if (!subcommands.empty()) {
    const std::string sub = operands.size() > 1 ? operands[1] : "";
    std::string message = sub.empty() ? absl::StrCat(first, " needs a subcommand")
                                      : absl::StrCat("unknown command \"", first, " ", sub, "\"");
    if (std::optional<std::string> close = Closest(sub, subcommands); close && !sub.empty())
      return absl::StrCat(message, " (did you mean \"", first, " ", *close, "\"?)");
    std::vector<std::string> names(subcommands.begin(), subcommands.end());
    return absl::StrCat(message, ": ", absl::StrJoin(names, ", "));
  }
  std::vector<std::string_view> names;
  for (const Command& c : Commands()) names.push_back(c.path.substr(0, c.path.find(' ')));
  std::string message = absl::StrCat("unknown command \"", first, "\"");
  if (std::optional<std::string> close = Closest(first, names))
    absl::StrAppend(&message, " (did you mean \"", *close, "\"?)");
  return message;
}

}  // namespace babillard::cli
