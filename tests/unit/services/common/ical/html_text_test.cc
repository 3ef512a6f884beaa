#include "services/common/ical/html_text.h"

#include <gtest/gtest.h>

namespace babillard::ical {
namespace {

TEST(HtmlToText, TurnsBlocksIntoLinesAndDecodesEntities) {
  EXPECT_EQ(HtmlToText("<p>Souper <b>spaghetti</b></p><p>Entr&eacute;e&nbsp;: 10&nbsp;$</p>"),
            "Souper spaghetti\nEntrée : 10 $");
}

TEST(HtmlToText, KeepsLinkTargetsAndListItems) {
  EXPECT_EQ(HtmlToText("<ul><li>un</li><li><a href=\"https://x.ca\">site</a></li></ul>"),
            "- un\n- site (https://x.ca)");
}

TEST(HtmlToText, DropsScripts) { EXPECT_EQ(HtmlToText("a<script>alert(1)</script>b"), "ab"); }

TEST(LooksLikeHtml, IgnoresPlainText) {
  EXPECT_FALSE(LooksLikeHtml("3 < 4 et 5 > 2"));
  EXPECT_TRUE(LooksLikeHtml("<br>"));
}

}  // namespace
}  // namespace babillard::ical
