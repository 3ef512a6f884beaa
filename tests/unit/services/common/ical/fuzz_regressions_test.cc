// Inputs the fuzzer once crashed or leaked on, replayed through the same path
// as tests/fuzz/parse_fuzzer.cc (and under ASan+UBSan in `make test`).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "services/common/ical/calendar_parser.h"
#include "services/common/ical/recurrence.h"
#include "services/common/ical/serializer.h"

namespace babillard::ical {
namespace {

TEST(FuzzRegressions, EveryInputGivesAResultWithoutCrashing) {
  const std::filesystem::path dir =
      std::filesystem::path(BABILLARD_SOURCE_DIR) / "tests/fuzz/regressions";
  int inputs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(bytes.str(), NormalizeOptions());
    ++inputs;
    if (!parsed.ok()) {
      EXPECT_FALSE(parsed.status().message().empty());
      continue;
    }
    for (const v1::Event& e : parsed->events) {
      (void)ExpandOccurrences(e, absl::FromUnixSeconds(946684800),
                              absl::FromUnixSeconds(1893456000), Limits());
    }
    EXPECT_TRUE(SerializeCalendar(parsed->events, CalendarHeader(), SerializeOptions()).ok());
  }
  EXPECT_GE(inputs, 3);
}

}  // namespace
}  // namespace babillard::ical
