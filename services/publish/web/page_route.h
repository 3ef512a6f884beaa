#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace babillard::publish::web {

// The residents' pages' URL grammar, parsed and built here and nowhere else.
// French paths at the root, English ones under /en/:
//   /                      /en/                      upcoming events
//   /mois                  /en/month                 a month table (?month=YYYY-MM)
//   /evenement/ID          /en/event/ID              one event (?date=YYYY-MM-DD: one occurrence)
//   /evenement/ID.ics      /en/event/ID.ics          that event alone, for "Add to my calendar"
//   /municipalite/SLUG     /en/municipality/SLUG     one municipality's events
//   /categorie/SLUG        /en/category/SLUG         one category's
//   /organisme/SLUG        /en/organization/SLUG     one organization's
//   /atom.xml              /en/atom.xml              the Atom feed (RFC 4287) of a filter
//   /widget                /en/widget                the widget, for an iframe
//   (?limit=N&theme=dark) /integrer              /en/integrate             the widget's snippets
//   for a filter /robots.txt  /sitemap.xml  /static/NAME
// Filters are the same query parameters in both languages, so the language
// switch keeps them: municipality, category, org, q (text), period (today,
// weekend, week, month, dates with from and to), page. Parameters the
// pages do not know (a campaign tag on a shared link) are ignored.
enum class PageKind {
  kList,
  kMonth,
  kEvent,
  kEventIcs,
  kRobots,
  kSitemap,
  kStatic,
  kAtom,
  kWidget,
  kWidgetBuilder,
};

// Which criterion the path itself names (/municipalite/danville).
enum class PageScope { kNone, kMunicipality, kCategory, kOrganization };

enum class Period { kUpcoming, kToday, kWeekend, kWeek, kMonth, kDates };

struct PageFilter {
  std::string municipality, category, organization, text;
  Period period = Period::kUpcoming;
  absl::CivilDay from, to;  // kDates, both inclusive
};

struct PageRoute {
  PageKind kind = PageKind::kList;
  std::string language = "fr";
  PageScope scope = PageScope::kNone;
  PageFilter filter;
  int page = 1;
  bool month_given = false;
  absl::CivilMonth month;
  std::string uid;  // kEvent, kEventIcs
  bool occurrence_given = false;
  absl::CivilDay occurrence;  // kEvent: the occurrence on that day
  std::string static_name;    // kStatic
  int limit = 0;              // kWidget(Builder): events shown, 0 the default
  std::string theme;          // kWidget(Builder): "", "light" or "dark" ("": the reader's)

  // A stable text form of everything the page depends on from the URL.
  std::string Key() const;
};

// Parses a request's path and query. NOT_FOUND for a path no page has (a
// 404 page); INVALID_ARGUMENT naming the parameter for a bad value (a 400).
absl::StatusOr<PageRoute> ParsePageTarget(absl::string_view path, absl::string_view query);

// Whether a path is the residents' (not /feeds/, /healthz, /metrics).
bool IsPagePath(absl::string_view path);

// URLs of pages, relative to the site's root ("/en/month?category=sport").
// The filter's criteria go in the query, with `page` when above 1.
std::string ListPath(absl::string_view language, const PageFilter& filter, int page = 1);
std::string MonthPath(absl::string_view language, const PageFilter& filter, absl::CivilMonth month);
std::string EventPath(absl::string_view language, absl::string_view uid);
std::string OccurrencePath(absl::string_view language, absl::string_view uid, absl::CivilDay day);
std::string EventIcsPath(absl::string_view language, absl::string_view uid);
std::string AtomPath(absl::string_view language, const PageFilter& filter);
// The widget's page and its builder, with the filter's criteria, limit and theme.
std::string WidgetPath(absl::string_view language, const PageFilter& filter, int limit,
                       absl::string_view theme);
std::string WidgetBuilderPath(absl::string_view language, const PageFilter& filter, int limit,
                              absl::string_view theme);
// The widget's largest and default number of events.
inline constexpr int kWidgetMaxLimit = 50;
inline constexpr int kWidgetDefaultLimit = 10;
std::string ScopePath(absl::string_view language, PageScope scope, absl::string_view slug);
// The route's own path (its canonical URL under the site's root).
std::string PagePath(const PageRoute& route);
// The same page in the other language, filter kept.
std::string SwitchLanguagePath(const PageRoute& route);
// The query string of the filter's criteria alone ("municipality=x&q=y"),
// as the feed URLs take them; empty when none.
std::string CriteriaQuery(const PageFilter& filter);

}  // namespace babillard::publish::web
