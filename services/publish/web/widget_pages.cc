// The widget other sites put on their pages: its page for an iframe, and the
// page that builds its snippets for a filter.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/publish/web/date_words.h"
#include "services/publish/web/site.h"

namespace babillard::publish::web {
BuiltPage Site::Widget(const PageRoute& route, absl::Time now) const {
  const std::string& lang = route.language;
  if (std::string unknown = UnknownSlug(route.filter, lang); !unknown.empty())
    return Error(404, unknown, lang);
  const absl::CivilDay today = absl::ToCivilDay(now, zone_);
  PageFilter upcoming = route.filter;
  upcoming.period = Period::kUpcoming;
  const Window w = PeriodWindow(upcoming, today);
  Kept keep;
  const std::vector<Item> items = Items(upcoming, lang, w.from, w.to, keep);
  const size_t limit = static_cast<size_t>(route.limit > 0 ? route.limit : kWidgetDefaultLimit);
  Data v;
  PageRoute list = route;
  list.kind = PageKind::kList;
  v.set("heading", Heading(list));
  v.set("list_url", Absolute(PagePath(list)));
  v.set("count_text", Count(items.size(), lang));
  v.set("theme", Optional(route.theme));
  // Framed on another site: links leave the frame for this one, absolute.
  v.set("days", Days(items, 0, std::min(limit, items.size()), w.first, today, lang, true));
  BuiltPage page{200, renderer_.RenderBare("widget", std::move(v), lang)};
  // Its own script (the frame's height), and framed where the region allows.
  page.content_security_policy = absl::StrCat(
      "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; base-uri 'none'; "
      "form-action 'none'; frame-ancestors ",
      options_.widget_frame_ancestors);
  return page;
}

BuiltPage Site::WidgetBuilder(const PageRoute& route, absl::Time now) const {
  const std::string& lang = route.language;
  if (std::string unknown = UnknownSlug(route.filter, lang); !unknown.empty())
    return Error(404, unknown, lang);
  const std::string heading = renderer_.Word("widget_builder_heading", lang);
  Data v = Layout(route, heading, PagePath(route));
  v.set("heading", heading);
  v.set("robots_noindex", true);
  FilterForm(route, lang == "en" ? "/en/integrate" : "/integrer", false, v);
  const int limit = route.limit > 0 ? route.limit : kWidgetDefaultLimit;
  v.set("widget_fields", true);
  v.set("limit", absl::StrCat(limit));
  Data themes = NewList();
  for (const auto& [value, key] : {std::pair{"", "theme_auto"}, std::pair{"light", "theme_light"},
                                   std::pair{"dark", "theme_dark"}}) {
    Data o;
    o.set("value", value);
    o.set("name", renderer_.Word(key, lang));
    o.set("selected", route.theme == value);
    themes.push_back(o);
  }
  v.set("theme_options", themes);
  const std::string widget = Absolute(WidgetPath(lang, route.filter, limit, route.theme));
  v.set("widget_url", WidgetPath(lang, route.filter, limit, route.theme));
  const std::string& title = renderer_.Word("widget_frame_title", lang);
  const std::string script = Absolute("/static/widget.js");
  // Shown escaped in a <textarea>: the visitor copies the markup as text.
  v.set("iframe_snippet",
        absl::StrCat("<iframe src=\"", widget, "\" title=\"", title,
                     "\" style=\"border:0;width:100%;height:400px\" loading=\"lazy\"></iframe>\n",
                     "<script src=\"", script, "\" async></script>"));
  std::string json = Absolute("/feeds/all.json");
  std::string criteria = CriteriaQuery(route.filter);
  if (lang == "en") criteria = criteria.empty() ? "lang=en" : absl::StrCat(criteria, "&lang=en");
  if (!criteria.empty()) absl::StrAppend(&json, "?", criteria);
  PageRoute list = route;
  list.kind = PageKind::kList;
  v.set("element_snippet",
        absl::StrCat("<babillard-events src=\"", json, "\" limit=\"", limit, "\" lang=\"", lang,
                     "\">\n  <a href=\"", Absolute(PagePath(list)), "\">",
                     renderer_.Word("widget_fallback", lang), "</a>\n</babillard-events>\n",
                     "<script src=\"", script, "\" async></script>"));
  BuiltPage page{200, renderer_.Render("widget_builder", std::move(v), lang)};
  // The preview frames this site's own widget.
  page.content_security_policy =
      "default-src 'none'; style-src 'self'; img-src 'self' https: data:; frame-src 'self'; "
      "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
  return page;
}

}  // namespace babillard::publish::web
