// Every file of ../shared/corpus/ics with the outcome babillard gives it.
// Where the corpus README leaves a policy open, the decision is written here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "services/common/ical/calendar_parser.h"
#include "services/common/ical/recurrence.h"

namespace babillard::ical {
namespace {

enum class Outcome { kAccept, kRejectFile };

struct Case {
  const char* file;
  Outcome outcome;
  absl::StatusCode code = absl::StatusCode::kOk;  // for kRejectFile
  int events = 0;        // series taken (a master with its overrides counts once)
  int overrides = 0;     // RECURRENCE-ID components attached to them
  int rejected = 0;      // events rejected one by one, with a field and reason
  int occurrences = -1;  // occurrences in 2000..2030 (-1: not checked)
  const char* rejected_field = "";
};

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kExhausted = absl::StatusCode::kResourceExhausted;

// clang-format off
const Case kCases[] = {
  {"allenporter-ical/apple_ical.ics", Outcome::kAccept, {}, 8, 0, 0},
  {"allenporter-ical/empty_zero_bytes.ics", Outcome::kRejectFile, kInvalid},
  {"allenporter-ical/google_calendar_invalid_offset.ics", Outcome::kAccept, {}, 1, 0, 0, 8},
  {"allenporter-ical/google_calendar_public_holidays.ics", Outcome::kAccept, {}, 111, 0, 0, 111},
  {"allenporter-ical/google_dtstart_until_mismatch.ics", Outcome::kAccept, {}, 1, 0, 0, 13},
  {"allenporter-ical/invalid_missing_colon.ics", Outcome::kRejectFile, kInvalid},
  {"allenporter-ical/invalid_quoted_params.ics", Outcome::kRejectFile, kInvalid},
  {"allenporter-ical/office_356_custom_timezone.ics", Outcome::kAccept, {}, 2, 0, 0, 51},
  {"allenporter-ical/office_360_nz_tz.ics", Outcome::kAccept, {}, 3, 0, 0, 53},
  // Decision: the Windows name is mapped to Europe/Berlin (CLDR).
  {"allenporter-ical/office_365_extended_timezone.ics", Outcome::kAccept, {}, 1, 0, 0, 1},
  // Decision: Outlook's "Customized Time Zone" with no VTIMEZONE is floating.
  {"allenporter-ical/office_365_invalid_timezone.ics", Outcome::kAccept, {}, 1, 0, 0, 1},
  {"allenporter-ical/recurring_with_single_change.ics", Outcome::kAccept, {}, 1, 1, 0, 3},
  // Decision: DATE-TIME UNTIL on a DATE series is cut to its date (accepted).
  {"allenporter-ical/rrule-until-mismatch.ics", Outcome::kAccept, {}, 1, 0, 0, 34},
  // Decision: blank lines are skipped with a warning.
  {"ical.js/blank_line_mid.ics", Outcome::kAccept, {}, 0, 0, 0},
  // Unbounded: the expansion stops at the per-event cap (1000).
  {"ical.js/day_long_recur_yearly.ics", Outcome::kAccept, {}, 1, 0, 0, 1000},
  // Decision: the overrides' UID has no master in the file (the master uses
  // another UID); they become a series of their own: 2 series, 2 overrides.
  {"ical.js/google_birthday.ics", Outcome::kAccept, {}, 2, 2, 0, 4},
  // Crash witness for icalcomponent_normalize(): accepted without calling it.
  {"ical.js/recur_instances.ics", Outcome::kAccept, {}, 1, 2, 0, 209},
  // Decision: an empty TZID is floating, with a warning.
  {"ical4j/blankTzid.ics", Outcome::kAccept, {}, 1, 0, 0, 1},
  {"ical4j/dst-only-vtimezone.ics", Outcome::kAccept, {}, 1, 0, 0, 1},
  // No UID: one is derived (stable across re-imports).
  {"ical4j/friday13.ics", Outcome::kAccept, {}, 1, 0, 0, 51},
  {"ical4j/invalid_groupwise.ics", Outcome::kAccept, {}, 1, 0, 0, 1},
  // Decision: accepted (25 instances).
  {"ical4j/invalid_korganizer.ics", Outcome::kAccept, {}, 1, 0, 0, 25},
  // Decision: the unparsable GEO is dropped with a warning.
  {"ical4j/invalid_sogo-geo-escaped-semicolon.ics", Outcome::kAccept, {}, 1, 0, 0, 1},
  {"libical/fuzz42521679.ics", Outcome::kRejectFile, kInvalid},
  {"libical/fuzz458943970.ics", Outcome::kRejectFile, kInvalid},
  {"libical/fuzz462342205.ics", Outcome::kRejectFile, kInvalid},
  {"libical/fuzzmerge1.ics", Outcome::kRejectFile, kInvalid},
  {"libical/fuzzmerge3.ics", Outcome::kRejectFile, kInvalid},
  {"libical/fuzzmerge4.ics", Outcome::kRejectFile, kInvalid},
  {"libical/issue250.ics", Outcome::kRejectFile, kInvalid},
  {"libical/issue251.ics", Outcome::kRejectFile, kInvalid},
  {"libical/issue252.ics", Outcome::kRejectFile, kInvalid},
  {"libical/issue253.ics", Outcome::kRejectFile, kInvalid},
  {"libical/poc-01.ics", Outcome::kRejectFile, kInvalid},
  {"libical/poc-05.ics", Outcome::kRejectFile, kInvalid},
  {"libical/timefuzz71741.ics", Outcome::kRejectFile, kInvalid},
  // Display-name zones mapped to IANA; no UIDs, so they are derived.
  {"node-ical/Office-2012-owa.ics", Outcome::kAccept, {}, 4, 0, 0, 89},
  // Decision: the event whose RRULE libical cannot parse is rejected (never
  // shown as a single occurrence); the two others are taken.
  {"node-ical/badRRULE.ics", Outcome::kAccept, {}, 2, 0, 1, -1, "rrule"},
  {"node-ical/bad_ms_tz.ics", Outcome::kAccept, {}, 1, 0, 0, 34},
  // The override's DTEND precedes its DTSTART: it keeps the master's duration.
  {"node-ical/daily-count-exdate-recurrence-id.ics", Outcome::kAccept, {}, 1, 1, 0, 8},
  {"node-ical/dst-transition-rules.ics", Outcome::kAccept, {}, 1, 0, 0, 1},
  {"node-ical/duplicate-uid-sequence.ics", Outcome::kAccept, {}, 2, 0, 0, 2},
  {"node-ical/exchange_whole_day_moved_recurrence.ics", Outcome::kAccept, {}, 1, 1, 0, 51},
  {"node-ical/google-calendar-kiev-tz.ics", Outcome::kAccept, {}, 1, 1, 0, 4},
  {"node-ical/large-file-with-late-error.ics", Outcome::kRejectFile, kInvalid},
  // 235 + 135 + 1 + 1: the badly quoted TZID is repaired (libical drops that
  // DTSTART, hence its 137).
  {"node-ical/ms_timezones.ics", Outcome::kAccept, {}, 4, 0, 0, 372},
  {"node-ical/tentative-apple-calendar.ics", Outcome::kAccept, {}, 4, 0, 0, 4},
  {"node-ical/vtimezone-year-0001-dtstart.ics", Outcome::kAccept, {}, 1, 0, 0, 1},
  {"node-ical/whole_day_moved_over_dst_change_berlin.ics", Outcome::kAccept, {}, 1, 1, 0, 3},
  // Decision: an EXDATE in another zone than DTSTART also matches by wall
  // clock time, as both reference parsers do: 8.
  {"node-ical/windows-quoted-tz-rrule.ics", Outcome::kAccept, {}, 1, 0, 0, 8},
  {"python-icalendar/alarm_google_future.ics", Outcome::kAccept, {}, 1, 0, 0, 1},
  {"python-icalendar/big_bad_calendar.ics", Outcome::kRejectFile, kInvalid},
  {"python-icalendar/bom_calendar.ics", Outcome::kAccept, {}, 0, 0, 0},
  // Decision: the empty parameter is dropped with a warning.
  {"python-icalendar/broken_ical.ics", Outcome::kAccept, {}, 1, 0, 0, 1},
  // Decision: accepted with 0 events (VERSION/PRODID not enforced).
  {"python-icalendar/empty.ics", Outcome::kAccept, {}, 0, 0, 0},
  // Decision: 8-digit values are dates; DTEND equal to DTSTART means one day.
  {"python-icalendar/example.ics", Outcome::kAccept, {}, 3, 0, 0, 3},
  {"python-icalendar/fuzz_testcase_0_char_in_component_name.ics", Outcome::kRejectFile, kInvalid},
  {"python-icalendar/fuzz_testcase_invalid_month.ics", Outcome::kRejectFile, kInvalid},
  // Decision: a line without ':' rejects the file.
  {"python-icalendar/issue_104_broken_calendar.ics", Outcome::kRejectFile, kInvalid},
  // Decision: one VCALENDAR per import.
  {"python-icalendar/issue_1050_multiple_calendars.ics", Outcome::kRejectFile, kInvalid},
  {"python-icalendar/issue_1081_invalid_rrule_freq.ics", Outcome::kAccept, {}, 0, 0, 1, -1, "rrule"},
  {"python-icalendar/issue_165_missing_event.ics", Outcome::kAccept, {}, 1, 0, 0, 14},
  {"python-icalendar/issue_218_bad_tzid.ics", Outcome::kAccept, {}, 1, 0, 0, 1},
  // TZIDs resolved as IANA names; the two VEVENTs without DTSTART are rejected.
  {"python-icalendar/issue_722_missing_timezones.ics", Outcome::kAccept, {}, 1, 0, 2, -1, "dtstart"},
  {"python-icalendar/issue_722_timezone_transition_ambiguity.ics", Outcome::kAccept, {}, 4, 0, 0, 4},
  // Decision: DTSTART twice in one VEVENT rejects the file (as for
  // large-file-with-late-error), although the README lists ACCEPT 1.
  {"python-icalendar/pacific_fiji.ics", Outcome::kRejectFile, kInvalid},
  // Decision: non-Gregorian RSCALE is rejected per event; the Gregorian one is taken.
  {"python-icalendar/rfc_7529.ics", Outcome::kAccept, {}, 1, 0, 3, -1, "rrule"},
  {"python-icalendar/small_bad_calendar.ics", Outcome::kRejectFile, kInvalid},
  {"synthetic/allday_multiday_and_override.ics", Outcome::kAccept, {}, 2, 2, 0, 6},
  {"synthetic/dst_gap_and_overlap_new_york.ics", Outcome::kAccept, {}, 3, 0, 0, 7},
  {"synthetic/dtend_before_dtstart.ics", Outcome::kAccept, {}, 0, 0, 1, -1, "dtend"},
  // Decision: the event without UID gets a derived one; the one without
  // DTSTART is rejected naming `dtstart`.
  {"synthetic/missing_uid_and_dtstart.ics", Outcome::kAccept, {}, 1, 0, 1, -1, "dtstart"},
  {"synthetic/nested_components_depth1000.ics", Outcome::kRejectFile, kExhausted},
  {"synthetic/non_utf8_latin1.ics", Outcome::kAccept, {}, 1, 0, 0, 1},
  {"synthetic/rrule_byxxx_cartesian.ics", Outcome::kAccept, {}, 0, 0, 1, -1, "rrule"},
  {"synthetic/rrule_interval_zero.ics", Outcome::kAccept, {}, 0, 0, 1, -1, "rrule"},
  {"synthetic/rrule_minutely_count_intmax.ics", Outcome::kAccept, {}, 0, 0, 1, -1, "rrule"},
  {"synthetic/rrule_secondly_unbounded.ics", Outcome::kAccept, {}, 0, 0, 1, -1, "rrule"},
  {"synthetic/tzid_unknown_no_vtimezone.ics", Outcome::kAccept, {}, 0, 0, 1, -1, "dtstart"},
  {"synthetic/tzid_windows_no_vtimezone.ics", Outcome::kAccept, {}, 1, 0, 0, 4},
};
// clang-format on

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class CorpusTest : public testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(BABILLARD_CORPUS_DIR)) {
      GTEST_SKIP() << "corpus not found at " << BABILLARD_CORPUS_DIR
                   << " (it lives in ../shared, beside the clone)";
    }
  }
};

TEST_P(CorpusTest, GivesTheDecidedOutcome) {
  const Case& c = GetParam();
  std::string bytes = ReadFile(std::filesystem::path(BABILLARD_CORPUS_DIR) / c.file);
  absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(bytes, NormalizeOptions());
  if (c.outcome == Outcome::kRejectFile) {
    ASSERT_FALSE(parsed.ok()) << c.file << " was accepted";
    EXPECT_EQ(parsed.status().code(), c.code) << parsed.status();
    EXPECT_LE(parsed.status().message().size(), 200u) << "errors never echo the input";
    return;
  }
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(static_cast<int>(parsed->events.size()), c.events);
  int overrides = 0;
  for (const v1::Event& e : parsed->events) overrides += e.overrides_size();
  EXPECT_EQ(overrides, c.overrides);
  ASSERT_EQ(static_cast<int>(parsed->rejections.size()), c.rejected);
  for (const v1::Rejection& r : parsed->rejections) {
    EXPECT_EQ(r.field(), c.rejected_field) << r.reason();
    EXPECT_FALSE(r.reason().empty());
  }
  if (c.occurrences >= 0) {
    int total = 0;
    for (const v1::Event& e : parsed->events) {
      absl::StatusOr<Expansion> x = ExpandOccurrences(
          e, absl::FromCivil(absl::CivilDay(2000, 1, 1), absl::UTCTimeZone()),
          absl::FromCivil(absl::CivilDay(2030, 1, 1), absl::UTCTimeZone()), Limits());
      ASSERT_TRUE(x.ok()) << x.status();
      total += static_cast<int>(x->occurrences.size());
    }
    EXPECT_EQ(total, c.occurrences);
  }
}

TEST(Corpus, EveryFileHasADecision) {
  if (!std::filesystem::exists(BABILLARD_CORPUS_DIR)) GTEST_SKIP() << "corpus not found";
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(BABILLARD_CORPUS_DIR)) {
    if (entry.path().extension() != ".ics") continue;
    ++files;
    std::string relative = std::filesystem::relative(entry.path(), BABILLARD_CORPUS_DIR).string();
    bool found = false;
    for (const Case& c : kCases) found = found || relative == c.file;
    EXPECT_TRUE(found) << relative << " has no decision in kCases";
  }
  EXPECT_EQ(files, static_cast<int>(std::size(kCases)));
}

std::string CaseName(const testing::TestParamInfo<Case>& info) {
  std::string name = info.param.file;
  for (char& ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Files, CorpusTest, testing::ValuesIn(kCases), CaseName);

}  // namespace
}  // namespace babillard::ical

namespace babillard::ical {
namespace {

// RELIABILITY I9: the RFC 5545 §3.3.5 instants, which libical and ical.js both miss.
TEST(Corpus, DstGapAndOverlapInstantsFollowRfc5545) {
  const auto path =
      std::filesystem::path(BABILLARD_CORPUS_DIR) / "synthetic/dst_gap_and_overlap_new_york.ics";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "corpus not found";
  absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(ReadFile(path), NormalizeOptions());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  std::map<std::string, std::vector<std::string>> starts;
  for (const v1::Event& e : parsed->events) {
    absl::StatusOr<Expansion> x = ExpandOccurrences(
        e, absl::FromCivil(absl::CivilDay(2025, 1, 1), absl::UTCTimeZone()),
        absl::FromCivil(absl::CivilDay(2026, 1, 1), absl::UTCTimeZone()), Limits());
    ASSERT_TRUE(x.ok());
    for (const Occurrence& o : x->occurrences) {
      starts[e.uid()].push_back(absl::FormatTime("%m-%dT%H:%MZ", o.start, absl::UTCTimeZone()));
    }
  }
  EXPECT_EQ(starts["dst-gap@synthetic"], std::vector<std::string>{"03-09T07:30Z"});
  EXPECT_EQ(starts["dst-overlap@synthetic"], std::vector<std::string>{"11-02T05:30Z"});
  EXPECT_EQ(starts["dst-daily@synthetic"],
            (std::vector<std::string>{"03-07T07:30Z", "03-08T07:30Z", "03-09T07:30Z",
                                      "03-10T06:30Z", "03-11T06:30Z"}));
}

}  // namespace
}  // namespace babillard::ical
