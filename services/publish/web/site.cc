#include "services/publish/web/site.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/common/url_encoding.h"
#include "services/publish/web/date_words.h"

namespace babillard::publish::web {
namespace {

// How far ahead "upcoming" looks, as the feeds' default window.
constexpr int kUpcomingDays = 548;

std::string Other(absl::string_view language) { return language == "en" ? "fr" : "en"; }

}  // namespace

Site::Site(const CalendarView& view, const Region& region,
           const OrganizationDirectory* organizations, const PageRenderer& renderer,
           SiteOptions options)
    : view_(view),
      region_(region),
      organizations_(organizations),
      renderer_(renderer),
      options_(std::move(options)) {
  if (!absl::LoadTimeZone(options_.time_zone, &zone_)) zone_ = absl::UTCTimeZone();
}

int64_t Site::Version() const {
  // View versions stay far below 2^40; the directory's generation sits above.
  return view_.version() + (organizations_ != nullptr ? organizations_->generation() << 40 : 0);
}

int64_t Site::Day(absl::Time now) const {
  return (absl::ToCivilDay(now, zone_) - absl::CivilDay(1970, 1, 1));
}

BuiltPage Site::Build(const PageRoute& route, absl::Time now) const {
  switch (route.kind) {
    case PageKind::kList:
      return List(route, now);
    case PageKind::kMonth:
      return Month(route, now);
    case PageKind::kEvent:
      return Event(route, now);
    case PageKind::kEventIcs:
      return EventIcs(route);
    case PageKind::kAtom:
      return Atom(route, now);
    case PageKind::kSitemap:
      return Sitemap(now);
    case PageKind::kRobots:
      return Robots();
    case PageKind::kWidget:
      return Widget(route, now);
    case PageKind::kWidgetBuilder:
      return WidgetBuilder(route, now);
    case PageKind::kStatic:
      break;  // served from the renderer's files, not built
  }
  return Error(404, renderer_.Word("error_no_page", route.language), route.language);
}

BuiltPage Site::Error(int status, absl::string_view message, absl::string_view language) const {
  PageRoute route;
  route.language = std::string(language);
  const std::string heading =
      renderer_.Word(status == 404 ? "error_404_heading" : "error_400_heading", language);
  Data values = Layout(route, heading, "");
  values.set("heading", heading);
  values.set("message", std::string(message));
  values.set("robots_noindex", true);
  values.set("canonical", false);
  BuiltPage page;
  page.status = status;
  page.body = renderer_.Render("error", std::move(values), language);
  return page;
}

std::string Site::MunicipalityName(const std::string& slug, absl::string_view language) const {
  const v1::Municipality* m = region_.FindMunicipality(slug);
  return m != nullptr ? InLanguage(m->name(), language) : slug;
}

std::string Site::CategoryName(const std::string& slug, absl::string_view language) const {
  const v1::Category* c = region_.FindCategory(slug);
  return c != nullptr ? InLanguage(c->name(), language) : slug;
}

std::string Site::OrganizationName(const std::string& slug) const {
  return organizations_ != nullptr ? organizations_->Name(slug) : slug;
}

std::string Site::UnknownSlug(const PageFilter& f, absl::string_view language) const {
  const auto message = [&](const char* key, const std::string& slug) {
    return absl::StrReplaceAll(renderer_.Word(key, language), {{"{slug}", slug}});
  };
  if (!f.municipality.empty() && region_.FindMunicipality(f.municipality) == nullptr)
    return message("error_no_municipality", f.municipality);
  if (!f.category.empty() && region_.FindCategory(f.category) == nullptr)
    return message("error_no_category", f.category);
  if (!f.organization.empty() && organizations_ != nullptr && organizations_->loaded() &&
      !organizations_->Contains(f.organization) && !view_.HasOrganization(f.organization))
    return message("error_no_organization", f.organization);
  return "";
}

Site::Window Site::PeriodWindow(const PageFilter& f, absl::CivilDay today) const {
  absl::CivilDay first = today, end = today + kUpcomingDays;  // end exclusive
  const int weekday = WeekdayIndex(today);
  switch (f.period) {
    case Period::kUpcoming:
      break;
    case Period::kToday:
      end = today + 1;
      break;
    case Period::kWeekend:
      first = weekday <= 4 ? today + (5 - weekday) : today;
      end = today + (7 - weekday);
      break;
    case Period::kWeek:
      end = today + (7 - weekday);
      break;
    case Period::kMonth:
      end = absl::CivilDay(absl::CivilMonth(today) + 1);
      break;
    case Period::kDates:
      first = f.from;
      end = f.to + 1;
      break;
  }
  return {absl::FromCivil(first, zone_), absl::FromCivil(end, zone_), first, end - 1};
}

FeedQuery Site::QueryFor(const PageFilter& f, absl::string_view language, absl::Time from,
                         absl::Time to) const {
  FeedQuery q;
  if (!f.municipality.empty()) {
    const v1::Municipality* m = region_.FindMunicipality(f.municipality);
    q.municipalities.push_back(m != nullptr ? m->slug() : f.municipality);
  }
  if (!f.category.empty()) q.categories.push_back(f.category);
  if (!f.organization.empty()) q.organizations.push_back(f.organization);
  if (!f.text.empty()) q.extra.set_text(f.text);
  q.language = language == "en" ? ical::Language::kEn : ical::Language::kFr;
  q.from = from;
  q.to = to;
  return q;
}

std::vector<Site::Item> Site::Items(const PageFilter& filter, absl::string_view language,
                                    absl::Time from, absl::Time to, Kept& keep) const {
  keep.events = view_.Events();
  std::vector<std::shared_ptr<const ical::Expansion>>& expansions = keep.expansions;
  std::vector<Item> items;
  for (const SelectedEvent& s :
       SelectEvents(keep.events, QueryFor(filter, language, from, to), options_.time_zone)) {
    for (const ical::Occurrence& o : s.expansion->occurrences) items.push_back({s.served, &o});
    expansions.push_back(s.expansion);
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.occurrence->start != b.occurrence->start)
      return a.occurrence->start < b.occurrence->start;
    return a.served->event().uid() < b.served->event().uid();
  });
  return items;
}

std::string Site::TimeText(const v1::Event& e, const ical::Occurrence& o,
                           absl::string_view language) const {
  const bool fr = language != "en";
  if (e.start().all_day()) {
    const absl::CivilDay first = absl::ToCivilDay(o.start, zone_);
    const absl::CivilDay last =
        absl::ToCivilDay(std::max(o.start, o.end - absl::Seconds(1)), zone_);
    if (last <= first) return renderer_.Word("all_day", language);
    return absl::StrCat(fr ? "Jusqu'au " : "Until ", LongDate(last, language, false));
  }
  const absl::CivilSecond start = Local(o.start), end = Local(o.end);
  std::string text = ClockTime(start, language);
  if (o.end > o.start) {
    if (absl::CivilDay(end) == absl::CivilDay(start)) {
      absl::StrAppend(&text, " – ", ClockTime(end, language));
    } else {
      absl::StrAppend(&text, " → ", LongDate(absl::CivilDay(end), language, false), ", ",
                      ClockTime(end, language));
    }
  }
  return text;
}

Data Site::CategoryLinks(const v1::Event& e, absl::string_view language) const {
  Data list = NewList();
  for (const std::string& slug : e.categories()) {
    Data c;
    c.set("name", CategoryName(slug, language));
    c.set("url", ScopePath(language, PageScope::kCategory, slug));
    list.push_back(c);
  }
  return list;
}

Data Site::ItemData(const Item& item, absl::string_view language, bool with_day) const {
  const v1::Event& e = item.served->event();
  const v1::Event* shown = item.occurrence->override_event;
  const std::string& title = shown != nullptr && !InLanguage(shown->title(), language).empty()
                                 ? InLanguage(shown->title(), language)
                                 : InLanguage(e.title(), language);
  const v1::Location& where =
      shown != nullptr && shown->has_location() ? shown->location() : e.location();
  const absl::CivilDay day = absl::ToCivilDay(item.occurrence->start, zone_);
  Data d;
  d.set("title", title);
  d.set("url", OccurrencePath(language, e.uid(), day));
  std::string time = TimeText(e, *item.occurrence, language);
  if (with_day) time = absl::StrCat(LongDate(day, language, true), ", ", time);
  d.set("time", time);
  d.set("place", Optional(where.name()));
  if (!where.municipality().empty()) {
    d.set("municipality", MunicipalityName(where.municipality(), language));
    d.set("municipality_url", ScopePath(language, PageScope::kMunicipality,
                                        region_.FindMunicipality(where.municipality()) != nullptr
                                            ? region_.FindMunicipality(where.municipality())->slug()
                                            : where.municipality()));
  } else {
    d.set("municipality", false);
  }
  d.set("organization", OrganizationName(e.organization()));
  d.set("organization_url", ScopePath(language, PageScope::kOrganization, e.organization()));
  d.set("categories", CategoryLinks(e, language));
  d.set("has_categories", e.categories_size() > 0);
  const v1::Event::Status status = item.occurrence->status != v1::Event::STATUS_UNSPECIFIED
                                       ? item.occurrence->status
                                       : e.status();
  d.set("cancelled", status == v1::Event::STATUS_CANCELLED);
  d.set("tentative", status == v1::Event::STATUS_TENTATIVE);
  return d;
}

std::string Site::Heading(const PageRoute& route) const {
  const std::string& lang = route.language;
  switch (route.scope) {
    case PageScope::kMunicipality:
      return MunicipalityName(route.filter.municipality, lang);
    case PageScope::kCategory:
      return CategoryName(route.filter.category, lang);
    case PageScope::kOrganization:
      return OrganizationName(route.filter.organization);
    case PageScope::kNone:
      break;
  }
  return absl::StrReplaceAll(renderer_.Word("list_heading", lang),
                             {{"{region}", region_.Name(lang)}});
}

Data Site::Layout(const PageRoute& route, const std::string& title,
                  const std::string& canonical_path) const {
  const std::string& lang = route.language;
  Data v;
  const std::string& site_name = region_.Name(lang);
  v.set("site_name", site_name);
  v.set("title",
        absl::StrContains(title, site_name) ? title : absl::StrCat(title, " — ", site_name));
  v.set("home_url", lang == "en" ? "/en/" : "/");
  v.set("month_nav_url", lang == "en" ? "/en/month" : "/mois");
  // The bare French root redirects a visitor whose cookie says English;
  // the switch itself must not be redirected back.
  const std::string switch_path = SwitchLanguagePath(route);
  v.set("switch_url", switch_path == "/" ? "/?lang=fr" : switch_path);
  v.set("switch_absolute", Absolute(SwitchLanguagePath(route)));
  v.set("switch_lang", Other(lang));
  v.set("switch_label", lang == "en" ? "Français" : "English");
  if (canonical_path.empty()) {
    v.set("canonical", false);
  } else {
    v.set("canonical", Absolute(canonical_path));
  }
  v.set("og_type", "website");
  v.set("feed_all_url", Absolute(lang == "en" ? "/feeds/all.ics?lang=en" : "/feeds/all.ics"));
  return v;
}

void Site::FilterForm(const PageRoute& route, const std::string& action, bool with_period,
                      Data& v) const {
  const std::string& lang = route.language;
  const PageFilter& f = route.filter;
  v.set("form_action", action);
  v.set("filter_text", f.text);
  Data municipalities = NewList();
  Data categories = NewList();
  Data organizations = NewList();
  for (const v1::Municipality& m : region_.proto().municipalities()) {
    Data o;
    o.set("slug", m.slug());
    o.set("name", InLanguage(m.name(), lang));
    o.set("selected", !f.municipality.empty() && region_.FindMunicipality(f.municipality) == &m);
    municipalities.push_back(o);
  }
  for (const v1::Category& c : region_.proto().categories()) {
    Data o;
    o.set("slug", c.slug());
    o.set("name", InLanguage(c.name(), lang));
    o.set("selected", f.category == c.slug());
    categories.push_back(o);
  }
  if (organizations_ != nullptr) {
    for (const auto& [slug, name] : organizations_->All()) {
      Data o;
      o.set("slug", slug);
      o.set("name", name);
      o.set("selected", f.organization == slug);
      organizations.push_back(o);
    }
  }
  v.set("municipality_options", municipalities);
  v.set("category_options", categories);
  v.set("organization_options", organizations);
  v.set("with_period", with_period);
  if (with_period) {
    Data periods = NewList();
    for (const auto& [period, value, key] :
         {std::tuple{Period::kUpcoming, "", "period_upcoming"},
          std::tuple{Period::kToday, "today", "period_today"},
          std::tuple{Period::kWeekend, "weekend", "period_weekend"},
          std::tuple{Period::kWeek, "week", "period_week"},
          std::tuple{Period::kMonth, "month", "period_month"},
          std::tuple{Period::kDates, "dates", "period_dates"}}) {
      Data o;
      o.set("value", value);
      o.set("name", renderer_.Word(key, lang));
      o.set("selected", f.period == period);
      periods.push_back(o);
    }
    v.set("period_options", periods);
    if (f.period == Period::kDates) {
      v.set("filter_from", absl::FormatCivilTime(f.from));
      v.set("filter_to", absl::FormatCivilTime(f.to));
    }
  }
  const bool filtered = !f.municipality.empty() || !f.category.empty() || !f.organization.empty() ||
                        !f.text.empty() || f.period != Period::kUpcoming;
  if (filtered) {
    v.set("clear_url", lang == "en" ? "/en/" : "/");
  } else {
    v.set("clear_url", false);
  }
}

Data Site::SubscribeLinks(const PageFilter& filter, absl::string_view language) const {
  std::string query = CriteriaQuery(filter);
  if (language == "en") query = query.empty() ? "lang=en" : absl::StrCat(query, "&lang=en");
  const std::string https =
      Absolute(absl::StrCat("/feeds/all.ics", query.empty() ? "" : "?", query));
  std::string webcal = https;
  if (absl::StartsWith(webcal, "https://")) {
    webcal = "webcal://" + webcal.substr(8);
  } else if (absl::StartsWith(webcal, "http://")) {
    webcal = "webcal://" + webcal.substr(7);
  }
  Data s;
  s.set("https", https);
  s.set("webcal", webcal);
  s.set("google", "https://calendar.google.com/calendar/render?cid=" + PercentEncode(webcal));
  s.set("outlook",
        absl::StrCat("https://outlook.live.com/calendar/0/addfromweb?url=", PercentEncode(https),
                     "&name=", PercentEncode(region_.Name(language))));
  s.set("atom", AtomPath(language, filter));
  s.set("embed", WidgetBuilderPath(language, filter, 0, ""));
  return s;
}

}  // namespace babillard::publish::web
