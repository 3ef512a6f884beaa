#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/region/region.h"
#include "services/publish/calendar_view.h"
#include "services/publish/feed_builder.h"
#include "services/publish/organization_directory.h"
#include "services/publish/web/page_renderer.h"
#include "services/publish/web/page_route.h"

namespace babillard::publish::web {

struct SiteOptions {
  // Where residents reach the site, without a trailing slash: canonical
  // URLs, feed links and the sitemap are absolute under it.
  std::string public_url = "http://127.0.0.1:8080";
  // The region's zone: every date and time on the pages is in it.
  std::string time_zone = "America/Toronto";
  // Occurrences per list page.
  int page_size = 40;
  // Occurrences a month-table cell lists before "and N more".
  int month_cell_items = 3;
  // Dates an event page lists for a series.
  int next_dates = 10;
  // The sites that may frame the widget page: a CSP frame-ancestors list
  // ("https://tourisme.example.org 'self'"; "*" any).
  std::string widget_frame_ancestors = "*";
};

struct BuiltPage {
  BuiltPage() = default;
  BuiltPage(int status, std::string body, std::string content_type = "text/html; charset=utf-8")
      : status(status), body(std::move(body)), content_type(std::move(content_type)) {}

  int status = 200;
  std::string body;
  std::string content_type = "text/html; charset=utf-8";
  // The page's own Content-Security-Policy; empty: the pages' (no script,
  // never framed).
  std::string content_security_policy;
};

// The residents' pages, built from the same in-memory calendar and the same
// selection (SelectEvents) as the feeds, so that a page's subscribe link
// serves what the page shows. Private events never appear: the selection
// leaves them out and an event page of one is a 404. Thread-safe (reads the
// view, the directory and immutable templates).
class Site {
 public:
  Site(const CalendarView& view, const Region& region, const OrganizationDirectory* organizations,
       const PageRenderer& renderer, SiteOptions options);

  // What pages depend on besides their URL and the day: the view's version
  // and the organizations' names.
  int64_t Version() const;
  // The region's day of `now`: pages ("Aujourd'hui") change with it.
  int64_t Day(absl::Time now) const;
  // The page a route names; an unknown slug or event is a 404 page.
  BuiltPage Build(const PageRoute& route, absl::Time now) const;
  // An error page in `language` (404 not found, 400 a bad parameter).
  BuiltPage Error(int status, absl::string_view message, absl::string_view language) const;

 private:
  struct Window {
    absl::Time from, to;
    absl::CivilDay first, last;  // the days shown, inclusive
  };
  // One occurrence of an event as lists show it.
 public:
  struct Item {
    const ServedEvent* served;
    const ical::Occurrence* occurrence;
  };
  // What Items point into, kept alive while a page is built.
  struct Kept {
    std::vector<EventPtr> events;
    std::vector<std::shared_ptr<const ical::Expansion>> expansions;
  };

 private:
  BuiltPage List(const PageRoute& route, absl::Time now) const;
  BuiltPage Month(const PageRoute& route, absl::Time now) const;
  BuiltPage Event(const PageRoute& route, absl::Time now) const;
  BuiltPage EventIcs(const PageRoute& route) const;
  BuiltPage Atom(const PageRoute& route, absl::Time now) const;
  BuiltPage Sitemap(absl::Time now) const;
  BuiltPage Robots() const;
  BuiltPage Widget(const PageRoute& route, absl::Time now) const;
  BuiltPage WidgetBuilder(const PageRoute& route, absl::Time now) const;

  // The filter's slugs checked against the region and the directory: empty
  // when all are known, else the 404 message.
  std::string UnknownSlug(const PageFilter& filter, absl::string_view language) const;
  Window PeriodWindow(const PageFilter& filter, absl::CivilDay today) const;
  FeedQuery QueryFor(const PageFilter& filter, absl::string_view language, absl::Time from,
                     absl::Time to) const;
  // Every occurrence the filter selects in [from, to), by start.
  std::vector<Item> Items(const PageFilter& filter, absl::string_view language, absl::Time from,
                          absl::Time to, Kept& keep) const;
  // The values every page's layout takes.
  Data Layout(const PageRoute& route, const std::string& title,
              const std::string& canonical_path) const;
  // The filter form's values, set into `v`.
  void FilterForm(const PageRoute& route, const std::string& action, bool with_period,
                  Data& v) const;
  Data SubscribeLinks(const PageFilter& filter, absl::string_view language) const;
  // An occurrence as a list item: title, time, place, organization, links.
  Data ItemData(const Item& item, absl::string_view language, bool with_day) const;
  Data CategoryLinks(const v1::Event& e, absl::string_view language) const;
  std::string Heading(const PageRoute& route) const;
  // Items [begin, end) grouped under their days' headings (an occurrence
  // under way under `first`); `absolute` links for pages framed elsewhere.
  Data Days(const std::vector<Item>& items, size_t begin, size_t end, absl::CivilDay first,
            absl::CivilDay today, absl::string_view language, bool absolute) const;
  // "12 activités"
  std::string Count(size_t n, absl::string_view language) const;

  std::string MunicipalityName(const std::string& slug, absl::string_view language) const;
  std::string CategoryName(const std::string& slug, absl::string_view language) const;
  std::string OrganizationName(const std::string& slug) const;
  absl::CivilSecond Local(absl::Time t) const { return absl::ToCivilSecond(t, zone_); }
  // "19 h – 21 h", "Toute la journée"
  std::string TimeText(const v1::Event& e, const ical::Occurrence& o,
                       absl::string_view language) const;
  std::string Absolute(const std::string& path) const { return options_.public_url + path; }

  const CalendarView& view_;
  const Region& region_;
  const OrganizationDirectory* organizations_;
  const PageRenderer& renderer_;
  const SiteOptions options_;
  absl::TimeZone zone_;
};

// Plain text as HTML paragraphs, escaped, with its http(s) links made links.
std::string TextToHtml(absl::string_view text);
// `<`, `>` and `&` in JSON as \u escapes, so that it cannot end a <script>.
std::string JsonForScript(absl::string_view json);

}  // namespace babillard::publish::web
