#include "services/publish/web/date_words.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace babillard::publish::web {
namespace {

constexpr const char* kDaysFr[] = {"lundi",    "mardi",  "mercredi", "jeudi",
                                   "vendredi", "samedi", "dimanche"};
constexpr const char* kDaysEn[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                   "Friday", "Saturday", "Sunday"};
constexpr const char* kShortFr[] = {"lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."};
constexpr const char* kShortEn[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr const char* kMonthsFr[] = {"janvier",   "février", "mars",     "avril",
                                     "mai",       "juin",    "juillet",  "août",
                                     "septembre", "octobre", "novembre", "décembre"};
constexpr const char* kMonthsEn[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};
constexpr const char* kByDay[] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};

bool French(absl::string_view language) { return language != "en"; }

std::string Capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// "le mardi et le jeudi" / "Tuesday and Thursday"
std::string DayList(const std::vector<int>& days, absl::string_view language) {
  std::vector<std::string> names;
  for (int d : days) {
    names.push_back(French(language) ? absl::StrCat("le ", kDaysFr[d]) : kDaysEn[d]);
  }
  if (names.size() <= 1) return absl::StrJoin(names, "");
  const std::string last = names.back();
  names.pop_back();
  return absl::StrCat(absl::StrJoin(names, ", "), French(language) ? " et " : " and ", last);
}

}  // namespace

int WeekdayIndex(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

std::string LongDate(absl::CivilDay day, absl::string_view language, bool with_year) {
  const int w = WeekdayIndex(day);
  const int m = day.month() - 1;
  if (French(language)) {
    const std::string d = day.day() == 1 ? "1er" : absl::StrCat(day.day());
    return absl::StrCat(kDaysFr[w], " ", d, " ", kMonthsFr[m],
                        with_year ? absl::StrCat(" ", day.year()) : "");
  }
  return absl::StrCat(kDaysEn[w], ", ", kMonthsEn[m], " ", day.day(),
                      with_year ? absl::StrCat(", ", day.year()) : "");
}

std::string DayHeading(absl::CivilDay day, absl::CivilDay today, absl::string_view language) {
  const bool fr = French(language);
  if (day == today) return fr ? "Aujourd'hui" : "Today";
  if (day == today + 1) return fr ? "Demain" : "Tomorrow";
  const std::string date = LongDate(day, language, day.year() != today.year());
  const int w = WeekdayIndex(day);
  if (w >= 5 && day - today < 7) {
    return absl::StrCat(fr ? "Ce week-end" : "This weekend", " · ", date);
  }
  return Capitalized(date);
}

std::string ClockTime(absl::CivilSecond t, absl::string_view language) {
  if (French(language)) {
    return t.minute() == 0 ? absl::StrCat(t.hour(), " h")
                           : absl::StrCat(t.hour(), " h ", t.minute() < 10 ? "0" : "", t.minute());
  }
  const int h12 = t.hour() % 12 == 0 ? 12 : t.hour() % 12;
  const char* half = t.hour() < 12 ? " a.m." : " p.m.";
  return t.minute() == 0 ? absl::StrCat(h12, half)
                         : absl::StrCat(h12, ":", t.minute() < 10 ? "0" : "", t.minute(), half);
}

std::string MonthName(absl::CivilMonth month, absl::string_view language) {
  return absl::StrCat(
      French(language) ? kMonthsFr[month.month() - 1] : kMonthsEn[month.month() - 1], " ",
      month.year());
}

std::string WeekdayShort(int weekday, absl::string_view language) {
  return French(language) ? kShortFr[weekday] : kShortEn[weekday];
}

std::string WeekdayLong(int weekday, absl::string_view language) {
  return French(language) ? kDaysFr[weekday] : kDaysEn[weekday];
}

std::string RecurrenceInWords(absl::string_view rrule, absl::string_view language) {
  const bool fr = French(language);
  std::string freq;
  int interval = 1, count = 0;
  std::vector<int> days;
  std::string until, month_day;
  bool plain = true;  // nothing this function cannot say
  for (absl::string_view part : absl::StrSplit(rrule, ';', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(part, '=');
    if (kv.first == "FREQ") {
      freq = std::string(kv.second);
    } else if (kv.first == "INTERVAL") {
      if (!absl::SimpleAtoi(kv.second, &interval) || interval < 1) plain = false;
    } else if (kv.first == "COUNT") {
      if (!absl::SimpleAtoi(kv.second, &count)) plain = false;
    } else if (kv.first == "UNTIL") {
      until = std::string(kv.second.substr(0, 8));
    } else if (kv.first == "BYDAY") {
      for (absl::string_view d : absl::StrSplit(kv.second, ',')) {
        int found = -1;
        for (int i = 0; i < 7; ++i) {
          if (d == kByDay[i]) found = i;
        }
        if (found < 0) plain = false;  // "2TU", "-1FR": said by the next dates
        days.push_back(found);
      }
    } else if (kv.first == "BYMONTHDAY" && freq == "MONTHLY") {
      month_day = std::string(kv.second);
    } else if (kv.first != "WKST") {
      plain = false;
    }
  }
  const auto every = [&](const char* one_fr, const char* many_fr, const char* one_en,
                         const char* many_en) {
    if (interval == 1) return std::string(fr ? one_fr : one_en);
    return fr ? absl::StrCat("Tous les ", interval, " ", many_fr)
              : absl::StrCat("Every ", interval, " ", many_en);
  };
  std::string words;
  if (!plain) {
    words = fr ? "Récurrent" : "Repeats";
  } else if (freq == "DAILY") {
    words = every("Chaque jour", "jours", "Every day", "days");
  } else if (freq == "WEEKLY") {
    words = interval == 1 ? (fr ? "Chaque semaine" : "Every week")
                          : (fr ? absl::StrCat("Toutes les ", interval, " semaines")
                                : absl::StrCat("Every ", interval, " weeks"));
    if (!days.empty()) absl::StrAppend(&words, fr ? ", " : " on ", DayList(days, language));
  } else if (freq == "MONTHLY") {
    words = every("Chaque mois", "mois", "Every month", "months");
    if (!month_day.empty() && month_day.find(',') == std::string::npos) {
      absl::StrAppend(&words, fr ? absl::StrCat(", le ", month_day == "1" ? "1er" : month_day)
                                 : absl::StrCat(" on day ", month_day));
    }
  } else if (freq == "YEARLY") {
    words = every("Chaque année", "ans", "Every year", "years");
  } else {
    words = fr ? "Récurrent" : "Repeats";
  }
  if (count > 0) {
    absl::StrAppend(&words,
                    fr ? absl::StrCat(", ", count, " fois") : absl::StrCat(", ", count, " times"));
  } else if (until.size() == 8) {
    absl::CivilDay day;
    if (absl::ParseCivilTime(
            absl::StrCat(until.substr(0, 4), "-", until.substr(4, 2), "-", until.substr(6, 2)),
            &day)) {
      absl::StrAppend(&words, fr ? ", jusqu'au " : ", until ", LongDate(day, language, true));
    }
  }
  return words;
}

}  // namespace babillard::publish::web
