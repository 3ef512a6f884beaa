#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "services/common/process.h"

namespace babillard {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = std::string(::testing::TempDir()) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ReadSecretFile, AGoodSecretIsTrimmedAndNoFlagMeansNoSecret) {
  absl::StatusOr<std::string> s =
      ReadSecretFile(Write("good", "  0123456789abcdef0123\n"), "internal-token-file");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, "0123456789abcdef0123");
  EXPECT_EQ(ReadSecretFile("", "internal-token-file").value_or("x"), "");
}

TEST(ReadSecretFile, ANamedFileThatIsNoSecretIsAnErrorNamingTheFlag) {
  for (const auto& [path, why] :
       {std::pair{Write("empty", "\n"), "is empty"}, std::pair{Write("short", "abc"), "too short"},
        std::pair{Write("example", "change-me-to-a-long-random-string\n"), "placeholder"},
        std::pair{Write("k8s", "replace-me-with-a-long-random-string"), "placeholder"},
        std::pair{std::string(::testing::TempDir()) + "/missing", ""}}) {
    absl::StatusOr<std::string> s = ReadSecretFile(path, "internal-token-file");
    ASSERT_FALSE(s.ok()) << path;
    EXPECT_NE(s.status().message().find("--internal-token-file"), std::string::npos) << s.status();
    EXPECT_NE(s.status().message().find(why), std::string::npos) << s.status();
  }
}

TEST(IsLoopbackAddress, OnlyThisHostsAddresses) {
  for (const char* a :
       {"127.0.0.1:50053", "127.1.2.3:1", "[::1]:50053", "localhost:1", "unix:/x",
        "dns:///127.0.0.1:1", "ipv4:127.0.0.1:1", "[::1]", "::1", "LOCALHOST", "127.0.0.1"})
    EXPECT_TRUE(IsLoopbackAddress(a)) << a;
  // 127.example.org is a name that any DNS may point anywhere: the CLI
  // would send its token there in plaintext.
  for (const char* a :
       {"0.0.0.0:50053", "[::]:1", "10.0.0.5:50053", "store:50053", "127.example.org:443",
        "localhost.example.org:1", "dns:///example.org:1", "[::ffff:10.0.0.1]:1", ""})
    EXPECT_FALSE(IsLoopbackAddress(a)) << a;
}

}  // namespace
}  // namespace babillard
