#include "services/publish/web/page_route.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/string_view.h"
#include "services/common/text_checks.h"
#include "services/common/url_encoding.h"

namespace babillard::publish::web {
namespace {

// Path segments in each language; index 0 French, 1 English.
struct Words {
  const char* widget_builder;
  const char* month;
  const char* event;
  const char* municipality;
  const char* category;
  const char* organization;
};
constexpr Words kFr{"integrer", "mois", "evenement", "municipalite", "categorie", "organisme"};
constexpr Words kEn{"integrate", "month", "event", "municipality", "category", "organization"};

const Words& WordsOf(absl::string_view language) { return language == "en" ? kEn : kFr; }
std::string Root(absl::string_view language) { return language == "en" ? "/en/" : "/"; }

// Search text longer than this is refused: the feeds' filters stop there too.
constexpr size_t kMaxText = 64;
// Custom periods up to a year: a longer list is paged past usefulness.
constexpr int kMaxPeriodDays = 366;
// Pages past this are refused rather than computed.
constexpr int kMaxPage = 1000;

const char* PeriodName(Period p) {
  switch (p) {
    case Period::kUpcoming:
      return "";
    case Period::kToday:
      return "today";
    case Period::kWeekend:
      return "weekend";
    case Period::kWeek:
      return "week";
    case Period::kMonth:
      return "month";
    case Period::kDates:
      return "dates";
  }
  return "";
}

absl::Status ParseFilterParam(const std::string& key, const std::string& value, PageRoute& r,
                              bool& from_given, bool& to_given) {
  PageFilter& f = r.filter;
  if (key == "municipality" || key == "category" || key == "org") {
    if (value.empty()) return absl::OkStatus();  // the form's "all"
    if (!IsSlug(value))
      return absl::InvalidArgumentError(absl::StrCat(key, ": not a slug ([a-z0-9-])"));
    (key == "municipality" ? f.municipality
     : key == "category"   ? f.category
                           : f.organization) = value;
  } else if (key == "q") {
    const std::string text(absl::StripAsciiWhitespace(value));
    if (text.size() > kMaxText)
      return absl::InvalidArgumentError(absl::StrCat("q: at most ", kMaxText, " bytes"));
    if (HasControl(text, false))
      return absl::InvalidArgumentError("q: control characters are not allowed");
    f.text = text;
  } else if (key == "period") {
    bool found = false;
    for (Period p : {Period::kUpcoming, Period::kToday, Period::kWeekend, Period::kWeek,
                     Period::kMonth, Period::kDates}) {
      if (value == PeriodName(p)) {
        f.period = p;
        found = true;
      }
    }
    if (!found) return absl::InvalidArgumentError("period: today, weekend, week, month or dates");
  } else if (key == "from" || key == "to") {
    if (value.empty()) return absl::OkStatus();
    absl::CivilDay day;
    if (!absl::ParseCivilTime(value, &day) || day.year() < 1900 || day.year() > 2199)
      return absl::InvalidArgumentError(absl::StrCat(key, ": a date, YYYY-MM-DD"));
    (key == "from" ? f.from : f.to) = day;
    (key == "from" ? from_given : to_given) = true;
  } else if (key == "page") {
    if (!absl::SimpleAtoi(value, &r.page) || r.page < 1 || r.page > kMaxPage)
      return absl::InvalidArgumentError(absl::StrCat("page: a number from 1 to ", kMaxPage));
  } else if (key == "month") {
    absl::CivilMonth m;
    if (!absl::ParseCivilTime(value, &m) || m.year() < 1900 || m.year() > 2199)
      return absl::InvalidArgumentError("month: YYYY-MM");
    r.month = m;
    r.month_given = true;
  } else if (key == "limit") {
    if (value.empty()) return absl::OkStatus();
    if (!absl::SimpleAtoi(value, &r.limit) || r.limit < 1 || r.limit > kWidgetMaxLimit)
      return absl::InvalidArgumentError(
          absl::StrCat("limit: a number from 1 to ", kWidgetMaxLimit));
  } else if (key == "theme") {
    if (value != "" && value != "light" && value != "dark")
      return absl::InvalidArgumentError("theme: light or dark");
    r.theme = value;
  } else if (key == "date") {
    if (!absl::ParseCivilTime(value, &r.occurrence))
      return absl::InvalidArgumentError("date: a date, YYYY-MM-DD");
    r.occurrence_given = true;
  }
  return absl::OkStatus();
}

// The path after the language prefix: kind, scope and id.
absl::Status ParsePath(absl::string_view rest, PageRoute& r) {
  const Words& w = WordsOf(r.language);
  if (rest.empty()) return absl::OkStatus();
  if (rest == "atom.xml") {
    r.kind = PageKind::kAtom;
    return absl::OkStatus();
  }
  if (rest == "widget") {
    r.kind = PageKind::kWidget;
    return absl::OkStatus();
  }
  if (rest == w.widget_builder) {
    r.kind = PageKind::kWidgetBuilder;
    return absl::OkStatus();
  }
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '/');
  if (parts.size() == 1 && parts[0] == w.month) {
    r.kind = PageKind::kMonth;
    return absl::OkStatus();
  }
  if (parts.size() == 2 && parts[0] == w.event && !parts[1].empty()) {
    absl::string_view id = parts[1];
    if (absl::ConsumeSuffix(&id, ".ics"))
      r.kind = PageKind::kEventIcs;
    else
      r.kind = PageKind::kEvent;
    r.uid = PercentDecode(id);
    if (r.uid.empty() || r.uid.size() > 1024 || HasControl(r.uid, false))
      return absl::NotFoundError("no such event");
    return absl::OkStatus();
  }
  if (parts.size() == 2 && IsSlug(Sv(parts[1]))) {
    const std::string slug(parts[1]);
    if (parts[0] == w.municipality) {
      r.scope = PageScope::kMunicipality;
      r.filter.municipality = slug;
    } else if (parts[0] == w.category) {
      r.scope = PageScope::kCategory;
      r.filter.category = slug;
    } else if (parts[0] == w.organization) {
      r.scope = PageScope::kOrganization;
      r.filter.organization = slug;
    } else {
      return absl::NotFoundError("no such page");
    }
    return absl::OkStatus();
  }
  return absl::NotFoundError("no such page");
}

std::string Query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : params) {
    if (!v.empty()) parts.push_back(absl::StrCat(k, "=", PercentEncode(v)));
  }
  return parts.empty() ? "" : absl::StrCat("?", absl::StrJoin(parts, "&"));
}

std::vector<std::pair<std::string, std::string>> FilterParams(const PageFilter& f) {
  std::vector<std::pair<std::string, std::string>> p = {{"municipality", f.municipality},
                                                        {"category", f.category},
                                                        {"org", f.organization},
                                                        {"q", f.text},
                                                        {"period", PeriodName(f.period)}};
  if (f.period == Period::kDates) {
    p.push_back({"from", absl::FormatCivilTime(f.from)});
    p.push_back({"to", absl::FormatCivilTime(f.to)});
  }
  return p;
}

}  // namespace

bool IsPagePath(absl::string_view path) {
  return !absl::StartsWith(path, "/feeds/") && path != "/healthz" && path != "/metrics";
}

std::string PageRoute::Key() const {
  return absl::StrCat("page|", static_cast<int>(kind), "|", language, "|", static_cast<int>(scope),
                      "|", filter.municipality, "|", filter.category, "|", filter.organization, "|",
                      filter.text.size(), ":", filter.text, "|", PeriodName(filter.period), "|",
                      absl::FormatCivilTime(filter.from), "|", absl::FormatCivilTime(filter.to),
                      "|", page, "|", month_given ? absl::FormatCivilTime(month) : "", "|",
                      uid.size(), ":", uid, "|",
                      occurrence_given ? absl::FormatCivilTime(occurrence) : "", "|", static_name);
}

absl::StatusOr<PageRoute> ParsePageTarget(absl::string_view path, absl::string_view query) {
  PageRoute r;
  absl::string_view rest = path;
  if (path == "/robots.txt") {
    r.kind = PageKind::kRobots;
    return r;
  }
  if (path == "/sitemap.xml") {
    r.kind = PageKind::kSitemap;
    return r;
  }
  if (absl::ConsumePrefix(&rest, "/static/")) {
    r.kind = PageKind::kStatic;
    r.static_name = std::string(rest);
    return r;
  }
  if (path == "/en" || absl::ConsumePrefix(&rest, "/en/")) {
    r.language = "en";
    if (path == "/en") rest = "";
  } else if (!absl::ConsumePrefix(&rest, "/")) {
    return absl::NotFoundError("no such page");
  }
  if (absl::Status s = ParsePath(rest, r); !s.ok()) return s;
  bool from_given = false, to_given = false;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    const std::string key = PercentDecode(kv.first);
    // The path's own criterion is not taken from the query.
    if ((r.scope == PageScope::kMunicipality && key == "municipality") ||
        (r.scope == PageScope::kCategory && key == "category") ||
        (r.scope == PageScope::kOrganization && key == "org"))
      continue;
    if (absl::Status s = ParseFilterParam(key, PercentDecode(kv.second), r, from_given, to_given);
        !s.ok())
      return s;
  }
  PageFilter& f = r.filter;
  // Dates chosen in the form without "Dates choisies": they are the period.
  if (f.period == Period::kUpcoming && (from_given || to_given)) f.period = Period::kDates;
  if (f.period == Period::kDates) {
    if (!from_given || !to_given)
      return absl::InvalidArgumentError("from: period=dates takes both from and to");
    if (f.to < f.from) return absl::InvalidArgumentError("to: on or after from");
    if (f.to - f.from >= kMaxPeriodDays)
      return absl::InvalidArgumentError(
          absl::StrCat("to: at most ", kMaxPeriodDays, " days after from"));
  } else {
    f.from = f.to = absl::CivilDay();  // only dates carry them
  }
  return r;
}

std::string ListPath(absl::string_view language, const PageFilter& filter, int page) {
  std::vector<std::pair<std::string, std::string>> p = FilterParams(filter);
  if (page > 1) p.push_back({"page", absl::StrCat(page)});
  return Root(language) + Query(p);
}

std::string MonthPath(absl::string_view language, const PageFilter& filter,
                      absl::CivilMonth month) {
  PageFilter criteria = filter;
  criteria.period = Period::kUpcoming;  // a month view shows its month
  std::vector<std::pair<std::string, std::string>> p = FilterParams(criteria);
  p.push_back({"month", absl::FormatCivilTime(month)});
  return absl::StrCat(Root(language), WordsOf(language).month, Query(p));
}

std::string EventPath(absl::string_view language, absl::string_view uid) {
  return absl::StrCat(Root(language), WordsOf(language).event, "/", PercentEncode(uid));
}

std::string OccurrencePath(absl::string_view language, absl::string_view uid, absl::CivilDay day) {
  return absl::StrCat(EventPath(language, uid), "?date=", absl::FormatCivilTime(day));
}

std::string EventIcsPath(absl::string_view language, absl::string_view uid) {
  return absl::StrCat(EventPath(language, uid), ".ics");
}

std::string AtomPath(absl::string_view language, const PageFilter& filter) {
  const std::string q = CriteriaQuery(filter);
  return absl::StrCat(Root(language), "atom.xml", q.empty() ? "" : "?", q);
}

namespace {

std::vector<std::pair<std::string, std::string>> WidgetParams(const PageFilter& filter, int limit,
                                                              absl::string_view theme) {
  PageFilter criteria = filter;
  criteria.period = Period::kUpcoming;  // a widget shows what comes
  std::vector<std::pair<std::string, std::string>> p = FilterParams(criteria);
  if (limit > 0) p.push_back({"limit", absl::StrCat(limit)});
  p.push_back({"theme", std::string(theme)});
  return p;
}

}  // namespace

std::string WidgetPath(absl::string_view language, const PageFilter& filter, int limit,
                       absl::string_view theme) {
  return absl::StrCat(Root(language), "widget", Query(WidgetParams(filter, limit, theme)));
}

std::string WidgetBuilderPath(absl::string_view language, const PageFilter& filter, int limit,
                              absl::string_view theme) {
  return absl::StrCat(Root(language), WordsOf(language).widget_builder,
                      Query(WidgetParams(filter, limit, theme)));
}

std::string ScopePath(absl::string_view language, PageScope scope, absl::string_view slug) {
  const Words& w = WordsOf(language);
  const char* word = scope == PageScope::kMunicipality ? w.municipality
                     : scope == PageScope::kCategory   ? w.category
                                                       : w.organization;
  return absl::StrCat(Root(language), word, "/", slug);
}

std::string PagePath(const PageRoute& route) {
  const std::string& lang = route.language;
  switch (route.kind) {
    case PageKind::kMonth:
      return MonthPath(lang, route.filter, route.month);
    case PageKind::kEvent:
    case PageKind::kEventIcs:
      return route.occurrence_given ? OccurrencePath(lang, route.uid, route.occurrence)
                                    : EventPath(lang, route.uid);
    case PageKind::kAtom:
      return AtomPath(lang, route.filter);
    case PageKind::kWidget:
      return WidgetPath(lang, route.filter, route.limit, route.theme);
    case PageKind::kWidgetBuilder:
      return WidgetBuilderPath(lang, route.filter, route.limit, route.theme);
    default:
      break;
  }
  if (route.scope != PageScope::kNone) {
    PageFilter rest = route.filter;
    std::string slug;
    if (route.scope == PageScope::kMunicipality) slug = std::exchange(rest.municipality, "");
    if (route.scope == PageScope::kCategory) slug = std::exchange(rest.category, "");
    if (route.scope == PageScope::kOrganization) slug = std::exchange(rest.organization, "");
    std::vector<std::pair<std::string, std::string>> p = FilterParams(rest);
    if (route.page > 1) p.push_back({"page", absl::StrCat(route.page)});
    return ScopePath(lang, route.scope, slug) + Query(p);
  }
  return ListPath(lang, route.filter, route.page);
}

std::string SwitchLanguagePath(const PageRoute& route) {
  PageRoute other = route;
  other.language = route.language == "en" ? "fr" : "en";
  return PagePath(other);
}

std::string CriteriaQuery(const PageFilter& f) {
  std::string q = Query({{"municipality", f.municipality},
                         {"category", f.category},
                         {"org", f.organization},
                         {"q", f.text}});
  return q.empty() ? q : q.substr(1);
}

}  // namespace babillard::publish::web
