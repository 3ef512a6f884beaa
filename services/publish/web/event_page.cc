// One event's page, its .ics, and the text helpers only it needs.
#include <google/protobuf/util/json_util.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/ical/serializer.h"
#include "services/common/url_encoding.h"
#include "services/publish/json_feed.h"
#include "services/publish/web/date_words.h"
#include "services/publish/web/site.h"

namespace babillard::publish::web {
namespace {

constexpr int kUpcomingDays = 548;

void AppendEscaped(absl::string_view text, std::string& out) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
}

// One line of text, escaped, its http(s) URLs made links.
void AppendLine(absl::string_view line, std::string& out) {
  while (!line.empty()) {
    size_t at = std::min(line.find("http://"), line.find("https://"));
    if (at == absl::string_view::npos) break;
    size_t end = at;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '<' &&
           line[end] != '>' && line[end] != '"')
      ++end;
    // Punctuation that ends a sentence is not part of the link.
    while (end > at && absl::string_view(".,;:!?)").find(line[end - 1]) != absl::string_view::npos)
      --end;
    const absl::string_view url = line.substr(at, end - at);
    AppendEscaped(line.substr(0, at), out);
    if (url == "http://" || url == "https://") {
      AppendEscaped(url, out);
    } else {
      out += "<a href=\"";
      AppendEscaped(url, out);
      out += "\" rel=\"nofollow noopener\">";
      AppendEscaped(url, out);
      out += "</a>";
    }
    line.remove_prefix(end);
  }
  AppendEscaped(line, out);
}

// 20270115T190000Z, or 20270115 for a date (Google's template dates).
std::string CompactUtc(absl::Time t) {
  return absl::FormatTime("%Y%m%dT%H%M%SZ", t, absl::UTCTimeZone());
}

}  // namespace

std::string TextToHtml(absl::string_view text) {
  std::string out;
  for (absl::string_view paragraph : absl::StrSplit(text, absl::ByString("\n\n"))) {
    paragraph = absl::StripAsciiWhitespace(paragraph);
    if (paragraph.empty()) continue;
    out += "<p>";
    bool first = true;
    for (absl::string_view line : absl::StrSplit(paragraph, '\n')) {
      if (!first) out += "<br>\n";
      first = false;
      AppendLine(absl::StripTrailingAsciiWhitespace(line), out);
    }
    out += "</p>\n";
  }
  return out;
}

std::string JsonForScript(absl::string_view json) {
  std::string out;
  for (char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

BuiltPage Site::Event(const PageRoute& route, absl::Time now) const {
  const std::string& lang = route.language;
  const EventPtr served = view_.Find(route.uid);
  if (served == nullptr || served->event().visibility() == v1::Event::VISIBILITY_PRIVATE ||
      !served->event().recurrence_id().local().empty())
    return Error(404, renderer_.Word("error_no_event", lang), lang);
  const v1::Event& e = served->event();
  const absl::CivilDay today = absl::ToCivilDay(now, zone_);
  ical::Limits limits;
  // The dates to come; the page's own occurrence is the one asked for, else
  // the next, else (an event past) its first.
  absl::StatusOr<ical::Expansion> upcoming = ical::ExpandOccurrences(
      e, absl::FromCivil(today, zone_), absl::FromCivil(today + kUpcomingDays, zone_), limits,
      options_.time_zone);
  absl::StatusOr<ical::Expansion> own;
  if (route.occurrence_given) {
    own = ical::ExpandOccurrences(e, absl::FromCivil(route.occurrence, zone_),
                                  absl::FromCivil(route.occurrence + 1, zone_), limits,
                                  options_.time_zone);
    // The one that starts that day (not one still running from before).
    if (own.ok()) {
      std::erase_if(own->occurrences, [&](const ical::Occurrence& o) {
        return absl::ToCivilDay(o.start, zone_) != route.occurrence;
      });
    }
    if (!own.ok() || own->occurrences.empty())
      return Error(404, renderer_.Word("error_no_occurrence", lang), lang);
  } else if (upcoming.ok() && !upcoming->occurrences.empty()) {
    own = ical::Expansion{{upcoming->occurrences.front()}, false};
  } else {
    const absl::Time start = absl::FromUnixSeconds(e.start().utc_seconds());
    own = ical::ExpandOccurrences(e, start, start + absl::Hours(24), limits, options_.time_zone);
    if (!own.ok() || own->occurrences.empty())
      own = ical::Expansion{{ical::Occurrence{start, start, e.start().local()}}, false};
  }
  const ical::Occurrence& o = own->occurrences.front();
  const v1::Event& shown = o.override_event != nullptr ? *o.override_event : e;
  const auto text = [&](const v1::LocalizedText& a, const v1::LocalizedText& b) {
    const std::string& first = InLanguage(a, lang);
    return first.empty() ? InLanguage(b, lang) : first;
  };
  const std::string title = text(shown.title(), e.title());
  const std::string description = text(shown.description(), e.description());
  const v1::Location& where = shown.has_location() ? shown.location() : e.location();
  const absl::CivilDay day = absl::ToCivilDay(o.start, zone_);

  PageRoute canonical = route;
  canonical.occurrence_given = route.occurrence_given;
  Data v = Layout(canonical, title, PagePath(canonical));
  v.set("title", title);
  const std::string when = absl::StrCat(LongDate(day, lang, true), ", ", TimeText(e, o, lang));
  v.set("when", when);
  v.set("description", absl::StrCat(when, where.name().empty() ? "" : " · ", where.name()));
  const v1::Event::Status status =
      o.status != v1::Event::STATUS_UNSPECIFIED ? o.status : e.status();
  v.set("cancelled", status == v1::Event::STATUS_CANCELLED);
  v.set("tentative", status == v1::Event::STATUS_TENTATIVE);
  if (!e.rrule().empty()) {
    v.set("recurrence", RecurrenceInWords(e.rrule(), lang));
  } else if (e.rdates_size() > 0) {
    v.set("recurrence", renderer_.Word("event_several_dates", lang));
  } else {
    v.set("recurrence", false);
  }
  v.set("has_where", !where.name().empty() || !where.address().empty() ||
                         !where.municipality().empty() || where.has_coordinates());
  v.set("place", Optional(where.name()));
  v.set("address", Optional(where.address()));
  std::string municipality;
  if (!where.municipality().empty()) {
    const v1::Municipality* m = region_.FindMunicipality(where.municipality());
    municipality = MunicipalityName(where.municipality(), lang);
    v.set("municipality", municipality);
    v.set("municipality_url", ScopePath(lang, PageScope::kMunicipality,
                                        m != nullptr ? m->slug() : where.municipality()));
  } else {
    v.set("municipality", false);
  }
  std::vector<std::string> place_parts;
  for (const std::string& part : {where.name(), where.address(), municipality}) {
    if (!part.empty()) place_parts.push_back(part);
  }
  const std::string place_line = absl::StrJoin(place_parts, ", ");
  if (where.has_coordinates()) {
    const std::string lat = absl::StrCat(where.latitude()), lon = absl::StrCat(where.longitude());
    v.set("map_url", absl::StrCat("https://www.openstreetmap.org/?mlat=", lat, "&mlon=", lon,
                                  "#map=17/", lat, "/", lon));
  } else if (!where.address().empty()) {
    v.set("map_url", "https://www.openstreetmap.org/search?query=" + PercentEncode(place_line));
  } else {
    v.set("map_url", false);
  }
  v.set("organization", OrganizationName(e.organization()));
  v.set("organization_url", ScopePath(lang, PageScope::kOrganization, e.organization()));
  v.set("organizer", Optional(e.organizer().name()));
  v.set("organizer_email", Optional(e.organizer().email()));
  v.set("categories", CategoryLinks(e, lang));
  v.set("has_categories", e.categories_size() > 0);
  v.set("price", Optional(text(shown.price(), e.price())));
  v.set("accessibility", Optional(text(shown.accessibility(), e.accessibility())));
  v.set("url", Optional(shown.url().empty() ? e.url() : shown.url()));
  const std::string image = shown.image_url().empty() ? e.image_url() : shown.image_url();
  v.set("image", Optional(image));
  v.set("has_description", !description.empty());
  v.set("description_html", TextToHtml(description));

  v.set("ics_url", EventIcsPath(lang, e.uid()));
  const bool all_day = e.start().all_day();
  const std::string dates =
      all_day ? absl::StrCat(
                    absl::FormatTime("%Y%m%d", o.start, zone_), "/",
                    absl::FormatTime("%Y%m%d", std::max(o.end, o.start + absl::Hours(24)), zone_))
              : absl::StrCat(CompactUtc(o.start), "/", CompactUtc(std::max(o.end, o.start)));
  const std::string page_url = Absolute(PagePath(canonical));
  v.set("google_url",
        absl::StrCat("https://calendar.google.com/calendar/render?action=TEMPLATE&text=",
                     PercentEncode(title), "&dates=", dates, "&details=", PercentEncode(page_url),
                     "&location=", PercentEncode(place_line)));
  const auto iso = [&](absl::Time t) {
    return all_day ? absl::FormatTime("%Y-%m-%d", t, zone_)
                   : absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
  };
  v.set("outlook_url",
        absl::StrCat("https://outlook.live.com/calendar/0/deeplink/compose?path=%2Fcalendar%2F"
                     "action%2Fcompose&rru=addevent&subject=",
                     PercentEncode(title), "&startdt=", PercentEncode(iso(o.start)),
                     "&enddt=", PercentEncode(iso(std::max(o.end, o.start))),
                     "&allday=", all_day ? "true" : "false", "&body=", PercentEncode(page_url),
                     "&location=", PercentEncode(place_line)));

  Data next = NewList();
  if (upcoming.ok() && (!e.rrule().empty() || e.rdates_size() > 0)) {
    const size_t n = std::min(upcoming->occurrences.size(),
                              static_cast<size_t>(std::max(1, options_.next_dates)));
    for (size_t i = 0; i < n; ++i) {
      const ical::Occurrence& u = upcoming->occurrences[i];
      const absl::CivilDay d = absl::ToCivilDay(u.start, zone_);
      Data item;
      item.set("text", absl::StrCat(LongDate(d, lang, d.year() != today.year()), ", ",
                                    TimeText(e, u, lang)));
      item.set("url", OccurrencePath(lang, e.uid(), d));
      item.set("current", u.start == o.start);
      const v1::Event::Status s = u.status != v1::Event::STATUS_UNSPECIFIED ? u.status : e.status();
      item.set("cancelled", s == v1::Event::STATUS_CANCELLED);
      next.push_back(item);
    }
    v.set("has_next", n > 0);
  } else {
    v.set("has_next", false);
  }
  v.set("next", next);

  // schema.org Event for search engines: the page's occurrence.
  SelectedEvent selected{served.get(), std::make_shared<const ical::Expansion>(*own)};
  JsonFeedHeader header;
  header.name = title;
  header.language = lang;
  header.time_zone = options_.time_zone;
  header.region = &region_;
  v1::JsonEvent j = ToJsonEvent(selected, header);
  if (j.occurrences_size() > 0) {
    j.set_start_date(j.occurrences(0).start_date());
    j.set_end_date(j.occurrences(0).end_date());
    j.set_event_status(j.occurrences(0).event_status());
  }
  j.set_name(title);
  j.set_description(description);
  j.set_url(page_url);
  j.set_image(image);
  for (auto* field : {j.mutable_status(), j.mutable_organization(), j.mutable_time_zone(),
                      j.mutable_recurrence_rule(), j.mutable_accessibility()})
    field->clear();
  j.clear_categories();
  j.clear_occurrences();
  j.clear_all_day();
  j.clear_sequence();
  if (!j.has_organizer()) {
    j.mutable_organizer()->set_type("Organization");
    j.mutable_organizer()->set_name(OrganizationName(e.organization()));
  }
  std::string json;
  if (google::protobuf::util::MessageToJsonString(j, &json).ok() && json.size() > 1) {
    v.set("json_ld",
          JsonForScript(absl::StrCat("{\"@context\":\"https://schema.org\",", json.substr(1))));
  }
  return {200, renderer_.Render("event", std::move(v), lang)};
}

BuiltPage Site::EventIcs(const PageRoute& route) const {
  const EventPtr served = view_.Find(route.uid);
  if (served == nullptr || served->event().visibility() == v1::Event::VISIBILITY_PRIVATE)
    return Error(404, renderer_.Word("error_no_event", route.language), route.language);
  const v1::Event& e = served->event();
  const ical::Language language =
      route.language == "en" ? ical::Language::kEn : ical::Language::kFr;
  ical::CalendarHeader header;
  header.name = InLanguage(e.title(), route.language);
  const std::string_view text = served->ical(language);
  const std::vector<std::string> zones = ical::TimeZonesOf(e);
  absl::StatusOr<std::string> body =
      ical::AssembleCalendar(header, {&text, 1}, zones, e.start().utc_seconds());
  if (!body.ok())
    return Error(404, renderer_.Word("error_no_event", route.language), route.language);
  return {200, *std::move(body), "text/calendar; charset=utf-8"};
}

}  // namespace babillard::publish::web
