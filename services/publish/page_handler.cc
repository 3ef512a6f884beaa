// FeedHandler's residents' pages: routing, language negotiation, caching,
// and the headers every page carries.
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/publish/feed_handler.h"
#include "services/publish/web/page_renderer.h"
#include "services/publish/web/page_route.h"
#include "services/publish/web/site.h"

namespace babillard::publish {
namespace {

// No script, no inline style, no resource from elsewhere but event images.
constexpr char kPagePolicy[] =
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'";
constexpr char kLanguageCookie[] = "babillard_lang";

// The language a visitor chose before (the cookie a page sets), if any.
std::string CookieLanguage(absl::string_view cookie) {
  for (absl::string_view part : absl::StrSplit(cookie, ';')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(absl::StripAsciiWhitespace(part), absl::MaxSplits('=', 1));
    if (kv.first == kLanguageCookie && (kv.second == "fr" || kv.second == "en"))
      return std::string(kv.second);
  }
  return "";
}

// True when Accept-Language ranks English above French (q-values honoured).
bool PrefersEnglish(absl::string_view accept_language) {
  double en = 0, fr = 0;
  for (absl::string_view item : absl::StrSplit(accept_language, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(item, ';');
    const std::string tag = absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[0]));
    double q = 1;
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view p = absl::StripAsciiWhitespace(parts[i]);
      if (absl::ConsumePrefix(&p, "q=") && !absl::SimpleAtod(p, &q)) q = 0;
    }
    const std::string primary = tag.substr(0, tag.find('-'));
    if (primary == "en") en = std::max(en, q);
    if (primary == "fr") fr = std::max(fr, q);
  }
  return en > fr;
}

HttpResponse Text(int status, std::string content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", std::move(content_type)},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "strict-origin-when-cross-origin"},
               {"Content-Security-Policy", kPagePolicy},
               {"Cache-Control", "no-store"}};
  r.body = std::move(body);
  return r;
}

HttpResponse BuildNeeded() {
  HttpResponse r;
  r.status = FeedHandler::kBuildNeeded;
  return r;
}

}  // namespace

void FeedHandler::ServePages(const web::Site& site, const web::PageRenderer& renderer) {
  renderer_ = &renderer;
  for (const auto& [name, file] : renderer.statics()) {
    auto entry = NewCacheEntry(std::string(file.bytes), file.content_type, 0, 0, absl::Now());
    // The pages link to them with their hash (?v=), so a year is safe; other
    // sites paste widget.js's URL as it is, so it is asked for again hourly.
    entry->headers = {
        {"Cache-Control",
         name == "widget.js" ? "public, max-age=3600" : "public, max-age=31536000, immutable"},
        {"X-Content-Type-Options", "nosniff"}};
    statics_[absl::StrCat("/static/", name)] = std::move(entry);
  }
  site_.store(&site, std::memory_order_release);
}

HttpResponse FeedHandler::Page(const HttpRequest& request, absl::string_view path,
                               absl::string_view query, Mode mode) {
  const web::Site* site = site_.load(std::memory_order_acquire);
  if (absl::StartsWith(path, "/static/")) {
    auto it = statics_.find(path);
    if (it != statics_.end()) return Respond(request, it->second);
  }
  if (!view_.ready()) {
    HttpResponse r =
        Text(503, "text/plain; charset=utf-8", "the calendar is loading; retry shortly\n");
    r.headers.push_back({"Retry-After", "5"});
    return r;
  }
  // The home page in the visitor's language: the one they chose last, else
  // their browser's on a first visit.
  if (path == "/" && query.empty()) {
    const std::string chosen = CookieLanguage(request.cookie);
    if (chosen == "en" || (chosen.empty() && PrefersEnglish(request.accept_language))) {
      HttpResponse r = Text(302, "text/plain; charset=utf-8", "/en/\n");
      r.headers.push_back({"Location", "/en/"});
      r.headers.push_back({"Vary", "Accept-Language, Cookie"});
      return r;
    }
  }
  absl::StatusOr<web::PageRoute> route = web::ParsePageTarget(path, query);
  if (!route.ok()) {
    if (mode == Mode::kCachedOnly) return BuildNeeded();
    const std::string language = absl::StartsWith(path, "/en/") || path == "/en" ? "en" : "fr";
    const bool not_found = absl::IsNotFound(route.status());
    web::BuiltPage page = site->Error(
        not_found ? 404 : 400,
        not_found ? renderer_->Word("error_no_page", language) : route.status().message(),
        language);
    return Text(page.status, page.content_type, std::move(page.body));
  }
  return CachedPage(*site, request, *route, mode);
}

HttpResponse FeedHandler::CachedPage(const web::Site& site, const HttpRequest& request,
                                     const web::PageRoute& route, Mode mode) {
  const absl::Time now = clock_.Now();
  const int64_t version = site.Version(), day = site.Day(now);
  if (std::shared_ptr<const CachedFeed> hit = cache_.ByTarget(request.target, version, day)) {
    return Respond(request, std::move(hit));
  }
  const std::string key = absl::StrCat(route.Key(), "|", day);
  if (mode == Mode::kCachedOnly) {
    std::shared_ptr<const CachedFeed> cached = cache_.Find(key, request.target, version);
    if (cached == nullptr) return BuildNeeded();
    return Respond(request, std::move(cached));
  }
  std::shared_ptr<const CachedFeed> entry = cache_.FindOrClaim(key, request.target, version);
  if (entry != nullptr) return Respond(request, std::move(entry));
  web::BuiltPage page = site.Build(route, now);
  if (page.status != 200) {
    // Not kept: any number of unknown ids must not push real pages out.
    cache_.Finish(key, request.target, nullptr);
    return Text(page.status, page.content_type, std::move(page.body));
  }
  ++builds_;
  std::shared_ptr<CachedFeed> fresh =
      NewCacheEntry(std::move(page.body), page.content_type, version, day, now);
  fresh->headers = {{"Cache-Control", "no-cache"},
                    {"X-Content-Type-Options", "nosniff"},
                    {"Referrer-Policy", "strict-origin-when-cross-origin"}};
  if (absl::StartsWith(fresh->content_type, "text/html")) {
    if (page.content_security_policy.empty()) {
      fresh->headers.push_back({"Content-Security-Policy", kPagePolicy});
      fresh->headers.push_back({"X-Frame-Options", "DENY"});
    } else {
      fresh->headers.push_back({"Content-Security-Policy", page.content_security_policy});
    }
    // What the home page goes by on the next visit (Accept-Language is for the first).
    fresh->headers.push_back(
        {"Set-Cookie", absl::StrCat(kLanguageCookie, "=", route.language,
                                    "; Path=/; Max-Age=31536000; SameSite=Lax")});
  }
  if (route.kind == web::PageKind::kEventIcs) {
    fresh->headers.push_back({"Content-Disposition", "attachment; filename=\"event.ics\""});
  }
  entry = cache_.Finish(key, request.target, std::move(fresh));
  if (entry == nullptr) return Text(503, "text/plain; charset=utf-8", "retry shortly\n");
  return Respond(request, std::move(entry));
}

}  // namespace babillard::publish
