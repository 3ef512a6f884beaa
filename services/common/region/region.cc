#include "services/common/region/region.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/files.h"
#include "services/common/status_macros.h"
#include "services/common/text_checks.h"

#ifndef BABILLARD_DEFAULT_REGION
#define BABILLARD_DEFAULT_REGION "deploy/regions/mrc-des-sources.textproto"
#endif

namespace babillard {
namespace {

// Keeps the first syntax error of a text-format parse, with its position.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat("line ", line + 1, ":", column + 1, ": ", message);
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

// What is wrong with a region, as "field: reason"; empty when nothing is.
std::string Problem(const v1::Region& r) {
  if (r.name().fr().empty()) return "name.fr: required";
  absl::TimeZone zone;
  if (r.time_zone().empty() || !absl::LoadTimeZone(r.time_zone(), &zone)) {
    return absl::StrCat("time_zone: \"", r.time_zone(),
                        "\" is not an IANA zone this machine knows");
  }
  if (r.languages().empty()) return "languages: at least one of \"fr\", \"en\"";
  for (int i = 0; i < r.languages_size(); ++i) {
    const std::string& l = r.languages(i);
    if (l != "fr" && l != "en") return absl::StrCat("languages[", i, "]: \"", l, "\" (fr or en)");
    for (int j = 0; j < i; ++j) {
      if (r.languages(j) == l) return absl::StrCat("languages[", i, "]: \"", l, "\" twice");
    }
  }
  if (!r.public_url().empty() && !absl::StartsWith(r.public_url(), "https://") &&
      !absl::StartsWith(r.public_url(), "http://")) {
    return "public_url: an http:// or https:// URL, or empty";
  }
  if (absl::EndsWith(r.public_url(), "/")) return "public_url: without the trailing /";
  for (int i = 0; i < r.municipalities_size(); ++i) {
    const v1::Municipality& m = r.municipalities(i);
    const std::string at = absl::StrCat("municipalities[", i, "]");
    if (!IsSlug(m.slug()))
      return absl::StrCat(at, ".slug: \"", m.slug(), "\" is not [a-z0-9-]{1,64}");
    if (m.name().fr().empty()) return absl::StrCat(at, ".name.fr: required");
    if (m.latitude() < -90 || m.latitude() > 90 || m.longitude() < -180 || m.longitude() > 180) {
      return absl::StrCat(at, ": latitude -90..90, longitude -180..180");
    }
    for (int j = 0; j < m.aliases_size(); ++j) {
      if (!IsSlug(m.aliases(j))) {
        return absl::StrCat(at, ".aliases[", j, "]: \"", m.aliases(j), "\" is not a slug");
      }
    }
  }
  for (int i = 0; i < r.categories_size(); ++i) {
    const v1::Category& c = r.categories(i);
    const std::string at = absl::StrCat("categories[", i, "]");
    if (!IsSlug(c.slug()))
      return absl::StrCat(at, ".slug: \"", c.slug(), "\" is not [a-z0-9-]{1,64}");
    if (c.name().fr().empty()) return absl::StrCat(at, ".name.fr: required");
  }
  return "";
}

}  // namespace

Region::Region(v1::Region proto) : proto_(std::move(proto)) {
  for (int i = 0; i < proto_.municipalities_size(); ++i) {
    municipality_by_slug_.emplace(proto_.municipalities(i).slug(), i);
    for (const std::string& alias : proto_.municipalities(i).aliases()) {
      municipality_by_slug_.emplace(alias, i);
    }
  }
  for (int i = 0; i < proto_.categories_size(); ++i) {
    category_by_slug_.emplace(proto_.categories(i).slug(), i);
  }
}

absl::StatusOr<Region> Region::Parse(absl::string_view text, absl::string_view origin) {
  v1::Region proto;
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &proto)) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": ", errors.first()));
  }
  if (std::string problem = Problem(proto); !problem.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": ", problem));
  }
  Region region(std::move(proto));
  // Duplicates show once the index is built: a slug (or alias) is one thing.
  size_t names = 0;
  for (const v1::Municipality& m : region.proto_.municipalities()) names += 1 + m.aliases_size();
  if (region.municipality_by_slug_.size() != names) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": municipalities: a slug or alias appears twice"));
  }
  if (region.category_by_slug_.size() != static_cast<size_t>(region.proto_.categories_size())) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": categories: a slug appears twice"));
  }
  return region;
}

absl::StatusOr<Region> Region::Load(const std::string& path) {
  BABILLARD_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 1 << 20));
  return Parse(text, path);
}

const v1::Municipality* Region::FindMunicipality(absl::string_view slug) const {
  auto it = municipality_by_slug_.find(slug);
  return it == municipality_by_slug_.end() ? nullptr : &proto_.municipalities(it->second);
}

const v1::Category* Region::FindCategory(absl::string_view slug) const {
  auto it = category_by_slug_.find(slug);
  return it == category_by_slug_.end() ? nullptr : &proto_.categories(it->second);
}

std::vector<std::string> Region::MunicipalitySlugs() const {
  std::vector<std::string> out;
  for (const v1::Municipality& m : proto_.municipalities()) out.push_back(m.slug());
  return out;
}

std::vector<std::string> Region::CategorySlugs() const {
  std::vector<std::string> out;
  for (const v1::Category& c : proto_.categories()) out.push_back(c.slug());
  return out;
}

const std::string& Region::Name(absl::string_view language) const {
  return InLanguage(proto_.name(), language);
}

const std::string& InLanguage(const v1::LocalizedText& text, absl::string_view language) {
  return language == "en" && !text.en().empty() ? text.en() : text.fr();
}

std::string DefaultRegionPath() { return BABILLARD_DEFAULT_REGION; }

}  // namespace babillard
