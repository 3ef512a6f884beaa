#include "services/common/ical/encoding.h"

#include <gtest/gtest.h>

namespace babillard::ical {
namespace {

TEST(FirstInvalidUtf8, AcceptsWellFormedText) {
  EXPECT_EQ(FirstInvalidUtf8("Fête à Danville 🎉"), std::nullopt);
}

TEST(FirstInvalidUtf8, FindsLatin1Byte) { EXPECT_EQ(FirstInvalidUtf8("F\xEAte"), 1u); }

TEST(FirstInvalidUtf8, RejectsOverlongAndSurrogates) {
  EXPECT_EQ(FirstInvalidUtf8("a\xC0\xAF"), 1u);         // overlong '/'
  EXPECT_EQ(FirstInvalidUtf8("ab\xED\xA0\x80"), 2u);    // U+D800
  EXPECT_EQ(FirstInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8("x\xE2\x82"), 1u);         // truncated
}

TEST(Windows1252ToUtf8, DecodesAccentsAndSmartQuotes) {
  absl::StatusOr<std::string> text = Windows1252ToUtf8("F\xEAte \x93go\x94 \x80");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "Fête “go” €");
}

TEST(Windows1252ToUtf8, RejectsUndefinedBytesNamingTheOffset) {
  absl::StatusOr<std::string> text = Windows1252ToUtf8("abc\x81");
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("offset 3"), std::string::npos) << text.status();
}

TEST(Utf8PrefixLength, NeverEndsInsideACharacter) {
  std::string text = "aé";  // 'é' is 2 bytes
  EXPECT_EQ(Utf8PrefixLength(text, 2), 1u);
  EXPECT_EQ(Utf8PrefixLength(text, 3), 3u);
}

}  // namespace
}  // namespace babillard::ical
