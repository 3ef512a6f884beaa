#include "clients/cli/cli.h"

#include <algorithm>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "clients/cli/args.h"
#include "clients/cli/commands.h"
#include "clients/cli/completion.h"
#include "clients/cli/help.h"
#include "clients/cli/session.h"
#include "services/common/string_view.h"

namespace babillard::cli {

int RunCli(const std::vector<std::string>& argv, const Environment& env) {
  // What the completion scripts ask at each Tab: the words typed so far, not
  // a command line to check.
  if (!argv.empty() && argv[0] == "__complete") {
    for (const std::string& candidate :
         CompletionCandidates(std::vector<std::string>(argv.begin() + 1, argv.end())))
      env.out << candidate << "\n";
    return kExitOk;
  }
  std::optional<Args> args = ParseArgs(argv, Switches(), env.err);
  if (!args) return kExitUsage;
  if (args->has("version")) {
    env.out << "babillard " << BABILLARD_VERSION << " (" << BABILLARD_COMMIT << ")\n";
    return kExitOk;
  }
  const bool help = args->has("help") || args->operand(0) == "help";
  if (args->operand(0) == "help") args->positional.erase(args->positional.begin());
  if (args->positional.empty()) {
    (help ? env.out : env.err) << Usage();
    return help ? kExitOk : kExitUsage;
  }
  const Command* command = FindCommand(args->positional);
  if (command == nullptr) {
    env.err << "babillard: " << UnknownCommand(args->positional) << "; see babillard --help\n";
    return kExitUsage;
  }
  if (help) {
    env.out << CommandHelp(*command);
    return kExitOk;
  }
  // Operands are all required: NAME, UID, FILE.ics.
  const size_t operands = command->operands.empty() ? 0
                                                    : 1 + std::count(command->operands.begin(),
                                                                     command->operands.end(), ' ');
  const size_t expected = PathWords(*command) + operands;
  if (args->positional.size() != expected) {
    env.err << "babillard: "
            << (args->positional.size() < expected
                    ? absl::StrCat("missing ", Av(command->operands))
                    : absl::StrCat("unexpected operand \"", args->positional[expected], "\""))
            << " (babillard " << command->path
            << (command->operands.empty() ? "" : absl::StrCat(" ", Av(command->operands)))
            << "); see babillard " << command->path << " --help\n";
    return kExitUsage;
  }
  std::vector<std::string> given;
  for (const auto& [name, value] : args->flags) given.push_back(name);
  std::optional<std::string> mistake = UnknownFlag(*command, given);
  if (!mistake) mistake = BadFlagValue(*command, args->flags);
  if (mistake) {
    env.err << "babillard: " << *mistake << "; see babillard " << command->path << " --help\n";
    return kExitUsage;
  }
  Session session(*std::move(args), std::string(command->path), env);
  if (std::optional<std::string> problem = session.Problem()) {
    env.err << "babillard: " << *problem << "\n";
    return kExitUsage;
  }
  return command->run(session);
}

}  // namespace babillard::cli
