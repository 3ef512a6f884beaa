// Tab completion reads the command table: commands, subcommands, the
// command's own flags (not another's), and the choices of a value.
#include "clients/cli/completion.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace babillard::cli {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

TEST(Completion, CommandsThenSubcommands) {
  EXPECT_THAT(CompletionCandidates({"su"}), ElementsAre("submit"));
  EXPECT_THAT(CompletionCandidates({""}), Contains("org"));
  EXPECT_THAT(CompletionCandidates({""}), Contains("help"));
  EXPECT_THAT(CompletionCandidates({"org", ""}), ElementsAre("create", "list", "rotate-token"));
  EXPECT_THAT(CompletionCandidates({"webhook", "ro"}), ElementsAre("rotate-secret"));
  EXPECT_THAT(CompletionCandidates({"help", "org", "c"}), ElementsAre("create"));
  EXPECT_THAT(CompletionCandidates({"nothing", ""}), IsEmpty());
}

TEST(Completion, TheCommandsOwnFlagsWithAnEqualsSignWhenTheyTakeAValue) {
  EXPECT_THAT(CompletionCandidates({"submit", "--mun"}), ElementsAre("--municipality="));
  EXPECT_THAT(CompletionCandidates({"submit", "--all"}), ElementsAre("--all-day"));
  // Another command's flag is not offered; the global ones are.
  EXPECT_THAT(CompletionCandidates({"submit", "--"}), Not(Contains("--overlap=")));
  EXPECT_THAT(CompletionCandidates({"submit", "--"}), Contains("--token="));
  EXPECT_THAT(CompletionCandidates({"webhook", "rotate-secret", "w1", "--ov"}),
              ElementsAre("--overlap="));
  // Flags before the command: only the global ones.
  EXPECT_THAT(CompletionCandidates({"--pl"}), ElementsAre("--plaintext"));
}

TEST(Completion, TheChoicesOfAValueInBothSpellings) {
  EXPECT_THAT(CompletionCandidates({"list", "--output=j"}), ElementsAre("--output=json"));
  EXPECT_THAT(CompletionCandidates({"list", "--output="}),
              ElementsAre("--output=table", "--output=json", "--output=ics"));
  EXPECT_THAT(CompletionCandidates({"list", "--output", ""}), ElementsAre("table", "json", "ics"));
  EXPECT_THAT(CompletionCandidates({"submit", "--status", "t"}), ElementsAre("tentative"));
  // A free value (a title, a date) has nothing to offer.
  EXPECT_THAT(CompletionCandidates({"submit", "--title", ""}), IsEmpty());
  EXPECT_THAT(CompletionCandidates({"submit", "--start="}), IsEmpty());
}

TEST(Completion, OperandsAreLeftToTheShellExceptTheShellsName) {
  EXPECT_THAT(CompletionCandidates({"import", ""}), IsEmpty());  // the shell offers files
  EXPECT_THAT(CompletionCandidates({"completion", ""}), ElementsAre("bash", "zsh"));
  EXPECT_THAT(CompletionCandidates({"completion", "z"}), ElementsAre("zsh"));
}

TEST(Completion, AScriptForBashAndZshOnly) {
  ASSERT_TRUE(CompletionScript("bash").has_value());
  EXPECT_NE(CompletionScript("bash")->find("complete -o default -F _babillard babillard"),
            std::string_view::npos);
  ASSERT_TRUE(CompletionScript("zsh").has_value());
  EXPECT_NE(CompletionScript("zsh")->find("compdef _babillard babillard"), std::string_view::npos);
  EXPECT_FALSE(CompletionScript("fish").has_value());
}

}  // namespace
}  // namespace babillard::cli
