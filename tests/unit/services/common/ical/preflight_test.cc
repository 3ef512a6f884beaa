#include "services/common/ical/preflight.h"

#include <gtest/gtest.h>

#include <string>

namespace babillard::ical {
namespace {

std::string Calendar(const std::string& body) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + body + "END:VCALENDAR\r\n";
}

TEST(PrepareCalendar, RejectsEmptyBody) {
  EXPECT_EQ(PrepareCalendar("", Limits()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PrepareCalendar(" \r\n", Limits()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PrepareCalendar, StripsBomAndNormalizesLineEnds) {
  absl::StatusOr<PreparedCalendar> out = PrepareCalendar(
      "\xEF\xBB\xBF"
      "BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n",
      Limits());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->text, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n");
}

TEST(PrepareCalendar, MakesNoCopyOfCleanInput) {
  absl::StatusOr<PreparedCalendar> out = PrepareCalendar(Calendar("X-A:b\r\n c\r\n"), Limits());
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->unchanged);
  EXPECT_TRUE(out->text.empty());
}

TEST(PrepareCalendar, CopiesFromTheFirstChangedLine) {
  absl::StatusOr<PreparedCalendar> out =
      PrepareCalendar("BEGIN:VCALENDAR\r\nX-A:b\r\n c\nX-B:d\r\n\r\nEND:VCALENDAR\r\n", Limits());
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->unchanged);
  EXPECT_EQ(out->text, "BEGIN:VCALENDAR\r\nX-A:b\r\n c\r\nX-B:d\r\nEND:VCALENDAR\r\n");
}

TEST(PrepareCalendar, TranscodesWindows1252WithAWarningNamingTheOffset) {
  absl::StatusOr<PreparedCalendar> out = PrepareCalendar(Calendar("X-A:F\xEAte\r\n"), Limits());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_NE(out->text.find("Fête"), std::string::npos);
  ASSERT_EQ(out->warnings.size(), 1u);
  EXPECT_NE(out->warnings[0].find("offset 35"), std::string::npos) << out->warnings[0];
}

TEST(PrepareCalendar, RejectsControlCharactersNamingTheLine) {
  absl::StatusOr<PreparedCalendar> out = PrepareCalendar(Calendar("X-A:a\x07"
                                                                  "b\r\n"),
                                                         Limits());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("line 3"), std::string::npos) << out.status();
}

TEST(PrepareCalendar, CapsPhysicalLinesBeforeLibical) {
  Limits limits;
  limits.max_physical_line_bytes = 100;
  absl::StatusOr<PreparedCalendar> out =
      PrepareCalendar(Calendar("X-A:" + std::string(200, 'a') + "\r\n"), limits);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(PrepareCalendar, CapsUnfoldedLines) {
  Limits limits;
  limits.max_logical_line_bytes = 1000;
  std::string folded = "X-A:";
  for (int i = 0; i < 40; ++i) folded += std::string(70, 'a') + "\r\n ";
  folded += "end\r\n";
  EXPECT_EQ(PrepareCalendar(Calendar(folded), limits).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(PrepareCalendar, AcceptsLongFoldedText) {
  std::string folded = "DESCRIPTION:";
  for (int i = 0; i < 10000; ++i) folded += std::string(74, 'a') + "\r\n ";
  folded += "end\r\n";
  EXPECT_TRUE(
      PrepareCalendar(Calendar("BEGIN:VEVENT\r\n" + folded + "END:VEVENT\r\n"), Limits()).ok());
}

TEST(PrepareCalendar, CapsNestingDepth) {
  std::string body;
  for (int i = 0; i < 20; ++i) body += "BEGIN:X-A\r\n";
  for (int i = 0; i < 20; ++i) body += "END:X-A\r\n";
  EXPECT_EQ(PrepareCalendar(Calendar(body), Limits()).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(PrepareCalendar, CapsParametersPerProperty) {
  std::string line = "X-A";
  for (int i = 0; i < 100; ++i) line += ";P=1";
  EXPECT_EQ(PrepareCalendar(Calendar(line + ":v\r\n"), Limits()).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(PrepareCalendar, RejectsUnbalancedComponents) {
  EXPECT_FALSE(PrepareCalendar("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\n", Limits()).ok());
  EXPECT_FALSE(PrepareCalendar(Calendar("BEGIN:VEVENT\r\nEND:VTODO\r\n"), Limits()).ok());
}

TEST(PrepareCalendar, RejectsASecondDtstartNamingBothLines) {
  absl::StatusOr<PreparedCalendar> out = PrepareCalendar(
      Calendar(
          "BEGIN:VEVENT\r\nDTSTART:20250101T100000Z\r\nDTSTART:20250101T110000Z\r\nEND:VEVENT\r\n"),
      Limits());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "line 5: VEVENT has a second DTSTART (first at line 4)");
}

TEST(PrepareCalendar, RepairsATzidQuotedOverTheValue) {
  absl::StatusOr<PreparedCalendar> out =
      PrepareCalendar(Calendar("BEGIN:VEVENT\r\nDTSTART;TZID=\"W. Europe Standard "
                               "Time:20200609T090000\"\r\nEND:VEVENT\r\n"),
                      Limits());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_NE(out->text.find("DTSTART;TZID=\"W. Europe Standard Time\":20200609T090000\r\n"),
            std::string::npos)
      << out->text;
}

TEST(PrepareCalendar, RecordsWhereEachEventStarts) {
  absl::StatusOr<PreparedCalendar> out = PrepareCalendar(
      Calendar("BEGIN:VEVENT\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\n"), Limits());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->vevent_lines, (std::vector<int>{3, 5}));
}

TEST(PrepareCalendar, CapsEventCount) {
  Limits limits;
  limits.max_events = 2;
  std::string body;
  for (int i = 0; i < 3; ++i) body += "BEGIN:VEVENT\r\nEND:VEVENT\r\n";
  EXPECT_EQ(PrepareCalendar(Calendar(body), limits).status().code(),
            absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace babillard::ical
