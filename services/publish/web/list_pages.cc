// The list pages (home, municipality, category, organization) and the month table.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/publish/web/date_words.h"
#include "services/publish/web/site.h"

namespace babillard::publish::web {
Data Site::Days(const std::vector<Item>& items, size_t begin, size_t end, absl::CivilDay first,
                absl::CivilDay today, absl::string_view language, bool absolute) const {
  Data days = NewList();
  Data day_items = NewList();
  absl::CivilDay current;
  bool open = false;
  const auto close = [&] {
    if (!open) return;
    Data d;
    d.set("id", absl::FormatCivilTime(current));
    d.set("heading", DayHeading(current, today, language));
    d.set("items", day_items);
    days.push_back(d);
    day_items = NewList();
  };
  for (size_t i = begin; i < end; ++i) {
    // An occurrence that began before the window (a festival under way)
    // is listed under the window's first day.
    const absl::CivilDay day = std::max(absl::ToCivilDay(items[i].occurrence->start, zone_), first);
    if (!open || day != current) {
      close();
      current = day;
      open = true;
    }
    Data item = ItemData(items[i], language, false);
    if (absolute) {
      item.set("url",
               Absolute(OccurrencePath(language, items[i].served->event().uid(),
                                       absl::ToCivilDay(items[i].occurrence->start, zone_))));
    }
    day_items.push_back(item);
  }
  close();
  return days;
}

std::string Site::Count(size_t n, absl::string_view language) const {
  return absl::StrReplaceAll(renderer_.Word(n == 1 ? "count_one" : "count_many", language),
                             {{"{n}", absl::StrCat(n)}});
}

BuiltPage Site::List(const PageRoute& route, absl::Time now) const {
  const std::string& lang = route.language;
  if (std::string unknown = UnknownSlug(route.filter, lang); !unknown.empty())
    return Error(404, unknown, lang);
  const absl::CivilDay today = absl::ToCivilDay(now, zone_);
  const Window w = PeriodWindow(route.filter, today);
  Kept keep;
  const std::vector<Item> items = Items(route.filter, lang, w.from, w.to, keep);
  const size_t size = static_cast<size_t>(std::max(1, options_.page_size));
  const int pages = static_cast<int>((items.size() + size - 1) / size);
  if (route.page > std::max(1, pages))
    return Error(404, renderer_.Word("error_no_page", lang), lang);

  const std::string heading = Heading(route);
  Data v = Layout(route, heading, PagePath(route));
  v.set("heading", heading);
  v.set("description", absl::StrReplaceAll(renderer_.Word("list_description", lang),
                                           {{"{region}", region_.Name(lang)}}));
  v.set("atom_url", AtomPath(lang, route.filter));
  FilterForm(route, lang == "en" ? "/en/" : "/", true, v);
  v.set("subscribe", SubscribeLinks(route.filter, lang));
  v.set("month_url", MonthPath(lang, route.filter, absl::CivilMonth(w.first)));
  v.set("count_text", Count(items.size(), lang));

  const size_t begin = (route.page - 1) * size, end = std::min(items.size(), begin + size);
  Data days = Days(items, begin, end, w.first, today, lang, false);
  v.set("days", days);
  if (pages > 1) {
    Data pager;
    const auto page_url = [&](int page) {
      PageRoute other = route;
      other.page = page;
      return PagePath(other);
    };
    if (route.page > 1) {
      pager.set("previous_url", page_url(route.page - 1));
    } else {
      pager.set("previous_url", false);
    }
    if (route.page < pages) {
      pager.set("next_url", page_url(route.page + 1));
    } else {
      pager.set("next_url", false);
    }
    pager.set("page_text", absl::StrReplaceAll(renderer_.Word("page_of", lang),
                                               {{"{page}", absl::StrCat(route.page)},
                                                {"{pages}", absl::StrCat(pages)}}));
    v.set("pager", pager);
  } else {
    v.set("pager", false);
  }
  return {200, renderer_.Render("list", std::move(v), lang)};
}

BuiltPage Site::Month(const PageRoute& route, absl::Time now) const {
  const std::string& lang = route.language;
  if (std::string unknown = UnknownSlug(route.filter, lang); !unknown.empty())
    return Error(404, unknown, lang);
  const absl::CivilDay today = absl::ToCivilDay(now, zone_);
  const absl::CivilMonth month = route.month_given ? route.month : absl::CivilMonth(today);
  const absl::CivilDay first(month), after(month + 1);
  Kept keep;
  const std::vector<Item> items =
      Items(route.filter, lang, absl::FromCivil(first, zone_), absl::FromCivil(after, zone_), keep);
  std::map<absl::CivilDay, std::vector<const Item*>> by_day;
  for (const Item& item : items) {
    by_day[std::max(absl::ToCivilDay(item.occurrence->start, zone_), first)].push_back(&item);
  }

  PageRoute canonical = route;
  canonical.month_given = true;
  canonical.month = month;
  const std::string month_name = MonthName(month, lang);
  const std::string heading = absl::StrCat(Heading(route), " — ", month_name);
  Data v = Layout(canonical, heading, MonthPath(lang, route.filter, month));
  v.set("heading", heading);
  FilterForm(route, lang == "en" ? "/en/month" : "/mois", false, v);
  v.set("month_value", absl::FormatCivilTime(month));
  v.set("subscribe", SubscribeLinks(route.filter, lang));
  v.set("month_name", month_name);
  v.set("count_text", Count(items.size(), lang));
  v.set("previous_url", MonthPath(lang, route.filter, month - 1));
  v.set("previous_name", MonthName(month - 1, lang));
  v.set("next_url", MonthPath(lang, route.filter, month + 1));
  v.set("next_name", MonthName(month + 1, lang));
  Data weekdays = NewList();
  for (int d = 0; d < 7; ++d) {
    Data w;
    w.set("short", WeekdayShort(d, lang));
    w.set("long", WeekdayLong(d, lang));
    weekdays.push_back(w);
  }
  v.set("weekdays", weekdays);
  Data weeks = NewList();
  const size_t cell = static_cast<size_t>(std::max(1, options_.month_cell_items));
  for (absl::CivilDay monday = first - WeekdayIndex(first); monday < after; monday += 7) {
    Data days = NewList();
    for (absl::CivilDay day = monday; day < monday + 7; ++day) {
      Data d;
      const bool in_month = absl::CivilMonth(day) == month;
      d.set("in_month", in_month);
      d.set("outside", !in_month);
      d.set("today", day == today);
      d.set("number", absl::StrCat(day.day()));
      const auto found = by_day.find(day);
      const size_t n = found == by_day.end() ? 0 : found->second.size();
      d.set("has_items", n > 0);
      Data list = NewList();
      for (size_t i = 0; i < std::min(n, cell); ++i) {
        Data item = ItemData(*found->second[i], lang, false);
        if (found->second[i]->served->event().start().all_day()) item.set("time", false);
        list.push_back(item);
      }
      d.set("items", list);
      if (n > cell) {
        PageFilter that_day = route.filter;
        that_day.period = Period::kDates;
        that_day.from = that_day.to = day;
        d.set("more", absl::StrReplaceAll(renderer_.Word("month_more", lang),
                                          {{"{n}", absl::StrCat(n - cell)}}));
        d.set("more_url", ListPath(lang, that_day));
      } else {
        d.set("more", false);
      }
      days.push_back(d);
    }
    Data week;
    week.set("days", days);
    weeks.push_back(week);
  }
  v.set("weeks", weeks);
  return {200, renderer_.Render("month", std::move(v), lang)};
}

}  // namespace babillard::publish::web
