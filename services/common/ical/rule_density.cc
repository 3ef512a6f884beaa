#include "services/common/ical/rule_density.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/ical/rule_lists.h"

namespace babillard::ical {
namespace {

constexpr int kCycleDays = 146097;  // 400 Gregorian years
constexpr int64_t kMaxHourlyGap = 20000;
constexpr int64_t kMaxHourlyWalk = 500000;

bool Has(const std::vector<int>& values, int positive, int negative) {
  return std::find(values.begin(), values.end(), positive) != values.end() ||
         std::find(values.begin(), values.end(), negative) != values.end();
}

// 0 = Sunday ... 6 = Saturday, as libical's weekdays minus one (absl
// counts from Monday).
int WeekdayIndex(absl::CivilDay d) { return (static_cast<int>(absl::GetWeekday(d)) + 1) % 7; }

// The first day of week 1 of `year`: the week (from `week_start`) holding January 4th.
absl::CivilDay WeekOneStart(int64_t year, int week_start) {
  const absl::CivilDay jan4(year, 1, 4);
  return jan4 - ((WeekdayIndex(jan4) - week_start + 7) % 7);
}

struct Day {
  absl::CivilDay day;
  int days_in_month, days_in_year, year_day, week, weeks_in_year;
};

// The week fields only with `with_week` (BYWEEKNO): they cost four civil-day computations.
Day Describe(absl::CivilDay d, int week_start, bool with_week) {
  Day out{d, 0, 0, 0, 0, 0};
  out.days_in_month = static_cast<int>(absl::CivilDay(absl::CivilMonth(d) + 1) -
                                       absl::CivilDay(absl::CivilMonth(d)));
  out.days_in_year =
      static_cast<int>(absl::CivilDay(d.year() + 1, 1, 1) - absl::CivilDay(d.year(), 1, 1));
  out.year_day = static_cast<int>(d - absl::CivilDay(d.year(), 1, 1)) + 1;
  if (!with_week) return out;
  int64_t year = d.year();
  if (d < WeekOneStart(year, week_start))
    --year;
  else if (d >= WeekOneStart(year + 1, week_start))
    ++year;
  out.week = static_cast<int>((d - WeekOneStart(year, week_start)) / 7) + 1;
  out.weeks_in_year =
      static_cast<int>((WeekOneStart(year + 1, week_start) - WeekOneStart(year, week_start)) / 7);
  return out;
}

class DayMatcher {
 public:
  DayMatcher(const icalrecurrencetype& r, absl::CivilDay start)
      : r_(r),
        start_(start),
        months_(RuleListValues(r.by_month, ICAL_BY_MONTH_SIZE)),
        weeks_(RuleListValues(r.by_week_no, ICAL_BY_WEEKNO_SIZE)),
        year_days_(RuleListValues(r.by_year_day, ICAL_BY_YEARDAY_SIZE)),
        month_days_(RuleListValues(r.by_month_day, ICAL_BY_MONTHDAY_SIZE)),
        week_start_(std::max(0, static_cast<int>(r.week_start) - 1)) {
    for (int v : RuleListValues(r.by_day, ICAL_BY_DAY_SIZE)) {
      days_.push_back(
          {static_cast<int>(icalrecurrencetype_day_day_of_week(static_cast<short>(v))) - 1,
           icalrecurrencetype_day_position(static_cast<short>(v))});
    }
    // What DTSTART implies when the rule names no day (RFC 5545 3.3.10).
    const bool no_day_parts =
        weeks_.empty() && year_days_.empty() && month_days_.empty() && days_.empty();
    if (r.freq == ICAL_YEARLY_RECURRENCE && no_day_parts) {
      if (months_.empty()) months_.push_back(start.month());
      month_days_.push_back(start.day());
    } else if (r.freq == ICAL_YEARLY_RECURRENCE && weeks_.size() > 0 && days_.empty() &&
               month_days_.empty() && year_days_.empty()) {
      days_.push_back({WeekdayIndex(start), 0});
    } else if (r.freq == ICAL_MONTHLY_RECURRENCE && month_days_.empty() && days_.empty()) {
      month_days_.push_back(start.day());
    } else if (r.freq == ICAL_WEEKLY_RECURRENCE && days_.empty()) {
      days_.push_back({WeekdayIndex(start), 0});
    }
    // An ordinal counts within the month for MONTHLY (or YEARLY with
    // BYMONTH), within the year for YEARLY; other FREQs ignore it.
    ordinal_in_month_ =
        r.freq == ICAL_MONTHLY_RECURRENCE || (r.freq == ICAL_YEARLY_RECURRENCE && !months_.empty());
    ordinals_ =
        (r.freq == ICAL_MONTHLY_RECURRENCE || r.freq == ICAL_YEARLY_RECURRENCE) && weeks_.empty();
  }

  bool Matches(absl::CivilDay d) const {
    if (!InPeriod(d)) return false;
    if (!months_.empty() && std::find(months_.begin(), months_.end(), d.month()) == months_.end())
      return false;
    if (weeks_.empty() && year_days_.empty() && month_days_.empty() && days_.empty()) return true;
    const Day x = Describe(d, week_start_, !weeks_.empty());
    if (!weeks_.empty() && !Has(weeks_, x.week, x.week - x.weeks_in_year - 1)) return false;
    if (!year_days_.empty() && !Has(year_days_, x.year_day, x.year_day - x.days_in_year - 1))
      return false;
    if (!month_days_.empty() && !Has(month_days_, d.day(), d.day() - x.days_in_month - 1))
      return false;
    if (days_.empty()) return true;
    const int weekday = WeekdayIndex(d);
    const int index_in_scope = ordinal_in_month_ ? d.day() : x.year_day;
    const int scope_days = ordinal_in_month_ ? x.days_in_month : x.days_in_year;
    for (const auto& [day, position] : days_) {
      if (day != weekday) continue;
      if (position == 0 || !ordinals_) return true;
      const int from_start = (index_in_scope - 1) / 7 + 1;
      const int from_end = -((scope_days - index_in_scope) / 7 + 1);
      if (position == from_start || position == from_end) return true;
    }
    return false;
  }

 private:
  // Whether `d` is in a period the INTERVAL keeps.
  bool InPeriod(absl::CivilDay d) const {
    const int interval = std::max(1, static_cast<int>(r_.interval));
    if (interval == 1) return true;
    switch (r_.freq) {
      case ICAL_YEARLY_RECURRENCE:
        return (d.year() - start_.year()) % interval == 0;
      case ICAL_MONTHLY_RECURRENCE:
        return (absl::CivilMonth(d) - absl::CivilMonth(start_)) % interval == 0;
      case ICAL_WEEKLY_RECURRENCE: {
        auto week_of = [&](absl::CivilDay x) {
          return x - ((WeekdayIndex(x) - week_start_ + 7) % 7);
        };
        return ((week_of(d) - week_of(start_)) / 7) % interval == 0;
      }
      case ICAL_DAILY_RECURRENCE:
        return (d - start_) % interval == 0;
      default:
        return true;  // HOURLY's interval is counted in hours
    }
  }

  const icalrecurrencetype& r_;
  absl::CivilDay start_;
  std::vector<int> months_, weeks_, year_days_, month_days_;
  struct WeekdayPosition {
    int day;
    int position;
  };
  std::vector<WeekdayPosition> days_;
  int week_start_;
  bool ordinal_in_month_ = false;
  bool ordinals_ = false;
};

}  // namespace

std::optional<std::string> RuleDensityProblem(const icalrecurrencetype& rule,
                                              absl::CivilSecond start, bool all_day) {
  if (RuleListValues(rule.by_set_pos, ICAL_BY_SETPOS_SIZE).size() > 0) return std::nullopt;
  const bool hourly = rule.freq == ICAL_HOURLY_RECURRENCE && !all_day;
  const std::vector<int> hours = RuleListValues(rule.by_hour, ICAL_BY_HOUR_SIZE);
  const int64_t interval = std::max(1, static_cast<int>(rule.interval));
  const absl::CivilDay first(start);
  std::optional<absl::CivilDay> until;
  if (!icaltime_is_null_time(rule.until))
    until = absl::CivilDay(rule.until.year, rule.until.month, rule.until.day);
  DayMatcher matcher(rule, first);
  int64_t last = start.hour() - 1;  // hours from `first`'s midnight
  int64_t widest = 0;
  bool matched = false;
  for (int64_t n = 0; n < kCycleDays; ++n) {
    const absl::CivilDay d = first + n;
    if (until.has_value() && d > *until) break;
    if (!matcher.Matches(d)) continue;
    if (!hourly) {
      matched = true;  // coarser FREQs step a day or more: only "never" is too costly
      break;
    }
    for (int h = 0; h < 24; ++h) {
      const int64_t at = n * 24 + h;
      if (at < start.hour() || (at - start.hour()) % interval != 0) continue;
      if (!hours.empty() && std::find(hours.begin(), hours.end(), h) == hours.end()) continue;
      widest = std::max(widest, at - last);
      last = at;
      matched = true;
    }
    if (matched && widest > kMaxHourlyGap) break;
  }
  if (!matched) {
    return std::string(
        "its BYxxx parts and INTERVAL match no date in 400 years (for example BYMONTH=2 with "
        "BYMONTHDAY=30)");
  }
  if (hourly && widest > kMaxHourlyGap) {
    return absl::StrCat("FREQ=HOURLY with instances up to ", widest,
                        " hours apart; use FREQ=DAILY or coarser with BYHOUR");
  }
  if (hourly && rule.count > 0 && rule.count * widest > kMaxHourlyWalk) {
    return absl::StrCat("FREQ=HOURLY with COUNT=", rule.count, " and instances up to ", widest,
                        " hours apart; use FREQ=DAILY or coarser with BYHOUR");
  }
  return std::nullopt;
}

}  // namespace babillard::ical
