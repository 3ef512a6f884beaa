#include "services/common/ical/event_time.h"

#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "services/common/string_view.h"

namespace babillard::ical {

namespace {

// Fixed-width digits by hand: this runs for every date of every imported event.
void PutDigits(char* out, int value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

std::string FormatLocal(absl::CivilSecond t, bool all_day) {
  if (t.year() < 0 || t.year() > 9999)
    return absl::StrFormat("%04d-%02d-%02d", t.year(), t.month(), t.day());
  std::string out(all_day ? 10 : 19, '-');
  PutDigits(&out[0], static_cast<int>(t.year()), 4);
  PutDigits(&out[5], t.month(), 2);
  PutDigits(&out[8], t.day(), 2);
  if (!all_day) {
    out[10] = 'T';
    PutDigits(&out[11], t.hour(), 2);
    out[13] = ':';
    PutDigits(&out[14], t.minute(), 2);
    out[16] = ':';
    PutDigits(&out[17], t.second(), 2);
  }
  return out;
}

absl::StatusOr<absl::CivilSecond> ParseLocal(std::string_view text, bool all_day) {
  const size_t want = all_day ? 10 : 19;
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", Av(text), "\" is not ", all_day ? "YYYY-MM-DD" : "YYYY-MM-DDTHH:MM:SS"));
  };
  if (text.size() != want || text[4] != '-' || text[7] != '-') return bad();
  if (!all_day && (text[10] != 'T' || text[13] != ':' || text[16] != ':')) return bad();
  auto num = [&](size_t pos, size_t len, int& out) {
    return absl::SimpleAtoi(absl::string_view(text.data() + pos, len), &out);
  };
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d)) return bad();
  if (!all_day && (!num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, s))) return bad();
  absl::CivilSecond t(y, mo, d, h, mi, s);
  // CivilSecond normalizes out-of-range fields; a real date survives unchanged.
  if (t.year() != y || t.month() != mo || t.day() != d || t.hour() != h || t.minute() != mi ||
      t.second() != s) {
    return bad();
  }
  return t;
}

std::string FormatIcalLocal(absl::CivilSecond t, bool all_day) {
  if (all_day) return absl::StrFormat("%04d%02d%02d", t.year(), t.month(), t.day());
  return absl::StrFormat("%04d%02d%02dT%02d%02d%02d", t.year(), t.month(), t.day(), t.hour(),
                         t.minute(), t.second());
}

std::string FormatIcalUtc(absl::Time instant) {
  return absl::StrCat(FormatIcalLocal(absl::ToCivilSecond(instant, absl::UTCTimeZone()), false),
                      "Z");
}

}  // namespace babillard::ical
