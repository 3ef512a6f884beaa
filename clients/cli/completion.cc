#include "clients/cli/completion.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "clients/cli/commands.h"
#include "clients/cli/handlers.h"
#include "clients/cli/session.h"
#include "services/common/string_view.h"

namespace babillard::cli {
namespace {

// Bash splits words at "=" (COMP_WORDBREAKS): the script strips what comes
// before it from the candidates. Flags that take a value end with "=" and
// the shells add no space after them.
constexpr std::string_view kBash =
    R"sh(# babillard completion for bash: eval "$(babillard completion bash)"
_babillard() {
  local line=${COMP_LINE:0:COMP_POINT} words cur candidates
  read -ra words <<< "$line"
  [[ $line == *[[:space:]] ]] && words+=("")
  cur=${words[${#words[@]}-1]}
  mapfile -t candidates < <("${words[0]}" __complete "${words[@]:1}" 2>/dev/null)
  [[ $cur == *=* && $COMP_WORDBREAKS == *=* ]] && candidates=("${candidates[@]#*=}")
  COMPREPLY=("${candidates[@]}")
  [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace
  return 0
}
complete -o default -F _babillard babillard
)sh";

constexpr std::string_view kZsh = R"sh(#compdef babillard
# babillard completion for zsh: eval "$(babillard completion zsh)" after compinit
_babillard() {
  local -a candidates open closed
  candidates=("${(@f)$(${words[1]} __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(${candidates:#})
  if (( ${#candidates} == 0 )); then
    _files
    return
  fi
  open=(${(M)candidates:#*=})
  closed=(${candidates:#*=})
  (( ${#open} )) && compadd -S '' -- "${open[@]}"
  (( ${#closed} )) && compadd -- "${closed[@]}"
}
compdef _babillard babillard
)sh";

std::string_view FirstWord(std::string_view path) { return path.substr(0, path.find(' ')); }

// "table|json|ics" -> {"table", "json", "ics"}; nothing for "TEXT" or a date.
std::vector<std::string> Choices(const Flag& flag) {
  if (!absl::StrContains(Av(flag.value), "|")) return {};
  std::vector<std::string> choices = absl::StrSplit(Av(flag.value), '|');
  for (const std::string& c : choices) {
    if (c.empty() || !std::all_of(c.begin(), c.end(), [](char ch) {
          return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
        }))
      return {};
  }
  return choices;
}

std::vector<const Flag*> FlagsOf(const Command* command) {
  std::vector<const Flag*> flags;
  if (command != nullptr) {
    for (const Flag& f : command->flags) flags.push_back(&f);
  }
  for (const Flag& f : GlobalFlags()) flags.push_back(&f);
  return flags;
}

const Flag* FindFlag(const std::vector<const Flag*>& flags, std::string_view name) {
  for (const Flag* f : flags) {
    if (f->name == name) return f;
  }
  return nullptr;
}

void AddMatching(std::vector<std::string>& out, std::string candidate, std::string_view prefix) {
  if (candidate.starts_with(prefix) && std::find(out.begin(), out.end(), candidate) == out.end())
    out.push_back(std::move(candidate));
}

}  // namespace

std::vector<std::string> CompletionCandidates(const std::vector<std::string>& words) {
  const std::string current = words.empty() ? "" : words.back();
  std::vector<std::string> operands;
  std::string pending_flag;  // "--org" given without "=": the current word is its value
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    const std::string& w = words[i];
    pending_flag.clear();
    if (w.starts_with("--")) {
      if (!absl::StrContains(w, "=")) pending_flag = w.substr(2);
    } else if (!w.starts_with("-")) {
      operands.push_back(w);
    }
  }
  if (!operands.empty() && operands[0] == "help") operands.erase(operands.begin());
  const Command* command = FindCommand(operands);
  const std::vector<const Flag*> flags = FlagsOf(command);
  std::vector<std::string> out;

  auto add_values = [&](const Flag& flag, std::string_view typed, std::string_view lead) {
    for (const std::string& choice : Choices(flag))
      AddMatching(out, absl::StrCat(Av(lead), choice), absl::StrCat(Av(lead), Av(typed)));
  };
  if (const Flag* f = pending_flag.empty() ? nullptr : FindFlag(flags, pending_flag);
      f != nullptr && !f->value.empty()) {
    add_values(*f, current, "");
    return out;
  }
  if (current.starts_with("-")) {
    const size_t eq = current.find('=');
    if (eq != std::string::npos) {
      if (const Flag* f = FindFlag(flags, std::string_view(current).substr(2, eq - 2)))
        add_values(*f, std::string_view(current).substr(eq + 1), current.substr(0, eq + 1));
      return out;
    }
    for (const Flag* f : flags)
      AddMatching(out, absl::StrCat("--", Av(f->name), f->value.empty() ? "" : "="), current);
    return out;
  }
  if (command != nullptr) {
    // An operand: the completion command's shells are the only ones known here.
    if (command->path == "completion" && operands.size() == 1) {
      for (std::string_view shell : {"bash", "zsh"}) AddMatching(out, std::string(shell), current);
    }
    return out;
  }
  if (operands.empty()) {
    AddMatching(out, "help", current);
    for (const Command& c : Commands()) AddMatching(out, std::string(FirstWord(c.path)), current);
  } else if (operands.size() == 1) {
    for (const Command& c : Commands()) {
      if (PathWords(c) == 2 && FirstWord(c.path) == operands[0])
        AddMatching(out, std::string(c.path.substr(c.path.find(' ') + 1)), current);
    }
  }
  return out;
}

std::optional<std::string_view> CompletionScript(std::string_view shell) {
  if (shell == "bash") return kBash;
  if (shell == "zsh") return kZsh;
  return std::nullopt;
}

int Completion(Session& cli) {
  const std::string shell = cli.args().operand(1);
  std::optional<std::string_view> script = CompletionScript(shell);
  if (!script) {
    cli.err() << "babillard: no completion for the shell \"" << shell
              << "\": bash or zsh; see babillard completion --help\n";
    return kExitUsage;
  }
  cli.out() << *script;
  return kExitOk;
}

}  // namespace babillard::cli
