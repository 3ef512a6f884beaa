#include "services/publish/feed_urls.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "services/common/grpc_status.h"
#include "services/common/status_macros.h"
#include "services/common/string_view.h"
#include "services/common/text_checks.h"
#include "services/common/url_encoding.h"
#include "services/publish/change_filter.h"

namespace babillard::publish {
namespace {

constexpr absl::string_view kFeeds = "/feeds/";
// The path segments of single-criterion feeds, and the query parameters of
// the same criteria.
constexpr absl::string_view kMunicipality = "municipality";
constexpr absl::string_view kCategory = "category";
constexpr absl::string_view kOrganization = "org";

// The list of `q` a criterion's name selects into; null for another name.
std::vector<std::string>* CriterionList(FeedQuery& q, absl::string_view name) {
  if (name == kMunicipality) return &q.municipalities;
  if (name == kCategory) return &q.categories;
  if (name == kOrganization) return &q.organizations;
  return nullptr;
}

// Looks up one slug of a criterion: rewritten to the canonical slug, its
// display name in `language` appended to `names`; or why it names nothing.
std::optional<std::string> Lookup(absl::string_view criterion, std::string& slug,
                                  const FeedVocabulary& v, absl::string_view language,
                                  std::vector<std::string>& names) {
  if (criterion == kOrganization) {
    if (v.organizations == nullptr || !v.organizations->loaded()) return std::nullopt;
    if (!v.organizations->Contains(slug) && !(v.view != nullptr && v.view->HasOrganization(slug)))
      return absl::StrCat("no organization \"", slug, "\"");
    // The slug, not the name: the directory learns names seconds late, and a
    // feed's bytes (its ETag) must not change when it does.
    names.push_back(slug);
    return std::nullopt;
  }
  if (v.region == nullptr) return std::nullopt;
  const bool municipality = criterion == kMunicipality;
  const v1::LocalizedText* name = nullptr;
  if (municipality) {
    if (const v1::Municipality* m = v.region->FindMunicipality(slug)) {
      slug = m->slug();
      name = &m->name();
    }
  } else if (const v1::Category* c = v.region->FindCategory(slug)) {
    name = &c->name();
  }
  if (name == nullptr) {
    return absl::StrCat(
        "no ", municipality ? "municipality" : "category", " \"", slug, "\" in ",
        v.region->Name(language), " (",
        absl::StrJoin(municipality ? v.region->MunicipalitySlugs() : v.region->CategorySlugs(),
                      ", "),
        ")");
  }
  names.push_back(InLanguage(*name, language));
  return std::nullopt;
}

// A window a caller chose: within the years events may have, at most
// kMaxWindowDays long, and widened to whole months, so that the distinct
// windows (each a feed built and cached) are few.
constexpr int kMaxWindowDays = 1096;
// As the list filters' text (region_fields.cc).
constexpr size_t kMaxSearchBytes = 64;

absl::Status CheckWindow(FeedQuery& q) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time earliest = absl::FromCivil(absl::CivilDay(1900, 1, 1), utc);
  const absl::Time latest = absl::FromCivil(absl::CivilDay(2200, 1, 1), utc);
  if (q.from < earliest || q.from >= latest)
    return absl::InvalidArgumentError("from: a date from 1900-01-01 to 2199-12-31");
  if (q.to <= earliest || q.to > latest)
    return absl::InvalidArgumentError("to: a date from 1900-01-02 to 2200-01-01");
  if (q.to <= q.from) return absl::InvalidArgumentError("to: must be after from");
  if (q.to - q.from > absl::Hours(24 * kMaxWindowDays)) {
    return absl::InvalidArgumentError(
        absl::StrCat("to: at most ", kMaxWindowDays, " days (3 years) after from"));
  }
  const absl::CivilMonth from_month(absl::ToCivilDay(q.from, utc));
  q.from = absl::FromCivil(from_month, utc);
  const absl::CivilMonth to_month(absl::ToCivilDay(q.to - absl::Seconds(1), utc));
  q.to = absl::FromCivil(to_month + 1, utc);
  return absl::OkStatus();
}

absl::Time StartOfUtcDay(absl::Time t) {
  return absl::FromCivil(absl::CivilDay(absl::ToCivilDay(t, absl::UTCTimeZone())),
                         absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<v1::GetFeedUrlsResponse> BuildFeedUrls(const std::string& public_url,
                                                      const v1::GetFeedUrlsRequest& request,
                                                      const FeedVocabulary& vocabulary) {
  std::string path, query;
  if (!request.named_feed().empty()) {
    if (vocabulary.named_feeds == nullptr ||
        !vocabulary.named_feeds->Find(request.named_feed()).has_value()) {
      return absl::NotFoundError(absl::StrCat("no named feed \"", request.named_feed(), "\""));
    }
    path = absl::StrCat(kFeeds, request.named_feed());
  } else {
    v1::Filter f = request.filter();
    BABILLARD_RETURN_IF_ERROR(ValidateFilter(f, "filter."));
    std::vector<FieldViolation> unknown;
    std::vector<std::string> names;
    const auto check = [&](absl::string_view criterion, absl::string_view field,
                           google::protobuf::RepeatedPtrField<std::string>& slugs) {
      for (int i = 0; i < slugs.size(); ++i) {
        if (auto why = Lookup(criterion, *slugs.Mutable(i), vocabulary, "fr", names))
          unknown.push_back({absl::StrCat("filter.", field, "[", i, "]"), *why});
      }
    };
    check(kMunicipality, "municipalities", *f.mutable_municipalities());
    check(kCategory, "categories", *f.mutable_categories());
    check(kOrganization, "organizations", *f.mutable_organizations());
    if (!unknown.empty()) {
      return FieldViolationsError(unknown);
    }
    if (f.tags_size() > 0 || !f.text().empty() || f.statuses_size() > 0 || f.from_seconds() != 0 ||
        f.to_seconds() != 0) {
      return BadRequestError(
          "filter: feed URLs take municipalities, categories and organizations only; save the rest "
          "as a named feed",
          {{"filter", "only municipalities, categories and organizations"}});
    }
    path = absl::StrCat(kFeeds, "all");
    std::vector<std::string> params;
    if (f.categories_size() > 0) {
      params.push_back(absl::StrCat(kCategory, "=", absl::StrJoin(f.categories(), ",")));
    }
    if (f.municipalities_size() > 0) {
      params.push_back(absl::StrCat(kMunicipality, "=", absl::StrJoin(f.municipalities(), ",")));
    }
    if (f.organizations_size() > 0) {
      params.push_back(absl::StrCat(kOrganization, "=", absl::StrJoin(f.organizations(), ",")));
    }
    query = absl::StrJoin(params, "&");
  }
  const std::string base = public_url + path;
  const auto with = [&](const std::string& ext, const std::string& extra) {
    std::string q = query;
    if (!extra.empty()) q = q.empty() ? extra : q + "&" + extra;
    return base + ext + (q.empty() ? "" : "?" + q);
  };
  v1::GetFeedUrlsResponse out;
  out.set_ics_fr(with(".ics", ""));
  out.set_ics_en(with(".ics", "lang=en"));
  out.set_json(with(".json", ""));
  std::string webcal = out.ics_fr();
  if (absl::StartsWith(webcal, "https://")) {
    webcal = "webcal://" + webcal.substr(8);
  } else if (absl::StartsWith(webcal, "http://")) {
    webcal = "webcal://" + webcal.substr(7);
  }
  out.set_webcal(webcal);
  return out;
}

absl::StatusOr<FeedQuery> ParseFeedTarget(absl::string_view path, absl::string_view query,
                                          const FeedVocabulary& vocabulary, absl::Time now) {
  FeedQuery q;
  if (vocabulary.region != nullptr && vocabulary.region->proto().languages(0) == "en")
    q.language = ical::Language::kEn;
  const NamedFeedDirectory* named_feeds = vocabulary.named_feeds;
  absl::string_view rest = path;
  absl::ConsumePrefix(&rest, kFeeds);
  if (absl::ConsumeSuffix(&rest, ".json")) {
    q.json = true;
  } else if (!absl::ConsumeSuffix(&rest, ".ics")) {
    return absl::NotFoundError("feeds end in .ics or .json");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '/');
  std::optional<v1::NamedFeed> named;
  if (parts.size() == 1 && parts[0] == "all") {
  } else if (parts.size() == 1 && named_feeds != nullptr &&
             (named = named_feeds->Find(std::string(parts[0]))).has_value()) {
    const v1::Filter& f = named->filter();
    q.municipalities.assign(f.municipalities().begin(), f.municipalities().end());
    q.categories.assign(f.categories().begin(), f.categories().end());
    q.organizations.assign(f.organizations().begin(), f.organizations().end());
    q.extra = f;
    q.extra.clear_municipalities();
    q.extra.clear_categories();
    q.extra.clear_organizations();
  } else if (std::vector<std::string>* list =
                 parts.size() == 2 && IsSlug(Sv(parts[1])) ? CriterionList(q, parts[0]) : nullptr) {
    list->push_back(std::string(parts[1]));
  } else {
    return absl::NotFoundError(absl::StrCat("no feed at ", path));
  }
  q.from = now - absl::Hours(24 * 30);
  q.to = now + absl::Hours(24 * 548);
  bool from_given = false, to_given = false;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    const std::string key = PercentDecode(kv.first), value = PercentDecode(kv.second);
    if (key == "lang") {
      absl::StatusOr<ical::Language> lang = ical::ParseLanguage(value);
      if (!lang.ok()) return absl::InvalidArgumentError("lang: fr or en");
      q.language = *lang;
    } else if (std::vector<std::string>* list = CriterionList(q, key)) {
      for (absl::string_view v : absl::StrSplit(value, ',', absl::SkipEmpty())) {
        if (!IsSlug(Sv(v))) {
          return absl::InvalidArgumentError(
              absl::StrCat(key, ": \"", v, "\" is not a slug ([a-z0-9-])"));
        }
        list->push_back(std::string(v));
      }
    } else if (key == "q" && !named.has_value()) {
      // The residents' pages' free-text search, so that a search has its feed.
      const std::string text(absl::StripAsciiWhitespace(value));
      if (text.size() > kMaxSearchBytes || HasControl(text, false)) {
        return absl::InvalidArgumentError(
            absl::StrCat("q: at most ", kMaxSearchBytes, " bytes of text"));
      }
      q.extra.set_text(text);
    } else if (key == "from" || key == "to") {
      absl::CivilDay day;
      if (!absl::ParseCivilTime(value, &day)) {
        return absl::InvalidArgumentError(absl::StrCat(key, ": expected YYYY-MM-DD"));
      }
      (key == "from" ? q.from : q.to) = absl::FromCivil(day, absl::UTCTimeZone());
      (key == "from" ? from_given : to_given) = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown parameter \"", key, "\" (lang, category, municipality, org, q, from, to)"));
    }
  }
  const absl::string_view language = q.language == ical::Language::kEn ? "en" : "fr";
  std::vector<std::string> names;
  // A named feed's slugs were checked when it was saved.
  for (auto [criterion, list] :
       {std::pair{kCategory, &q.categories}, std::pair{kMunicipality, &q.municipalities},
        std::pair{kOrganization, &q.organizations}}) {
    if (named.has_value()) break;
    for (std::string& slug : *list) {
      if (auto why = Lookup(criterion, slug, vocabulary, language, names))
        return absl::NotFoundError(*why);
    }
  }
  if (named.has_value()) {
    q.title = InLanguage(named->title(), language);
  } else if (vocabulary.region != nullptr) {
    const std::string& region = vocabulary.region->Name(language);
    q.title = names.empty() ? region : absl::StrCat(absl::StrJoin(names, ", "), " — ", region);
  }
  // One end given: the default window's length from it.
  if (from_given && !to_given) q.to = q.from + absl::Hours(24 * 548);
  if (to_given && !from_given) q.from = std::min(q.from, q.to - absl::Hours(24 * 578));
  if (!from_given) q.from = StartOfUtcDay(q.from);
  if (!to_given) q.to = StartOfUtcDay(q.to);
  if (from_given || to_given) BABILLARD_RETURN_IF_ERROR(CheckWindow(q));
  return q;
}

}  // namespace babillard::publish
