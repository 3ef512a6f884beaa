#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "babillard/v1/region.pb.h"

namespace babillard {

// The region a babillard serves (babillard.v1.Region), checked once at start
// and looked up by slug afterwards. Immutable, so threads share it freely.
class Region {
 public:
  // Reads and checks a text-format Region file. The error names the file,
  // and the line or the field and why: a process does not start on a region
  // it would serve wrongly.
  static absl::StatusOr<Region> Load(const std::string& path);
  // The same from text; `origin` names it in errors.
  static absl::StatusOr<Region> Parse(absl::string_view text, absl::string_view origin);

  const v1::Region& proto() const { return proto_; }
  const std::string& time_zone() const { return proto_.time_zone(); }

  // The municipality a slug or one of its aliases names; null when none.
  const v1::Municipality* FindMunicipality(absl::string_view slug) const;
  const v1::Category* FindCategory(absl::string_view slug) const;
  // The slugs, in the file's order, for messages that list the valid ones.
  std::vector<std::string> MunicipalitySlugs() const;
  std::vector<std::string> CategorySlugs() const;

  // The region's name in `language` ("fr" or "en"), French when it has no
  // English one.
  const std::string& Name(absl::string_view language) const;

 private:
  explicit Region(v1::Region proto);

  v1::Region proto_;
  absl::flat_hash_map<std::string, int> municipality_by_slug_;  // slugs and aliases
  absl::flat_hash_map<std::string, int> category_by_slug_;
};

// Text in `language`, falling back to French.
const std::string& InLanguage(const v1::LocalizedText& text, absl::string_view language);

// The region file the services read unless told otherwise (--region): the
// one shipped in deploy/regions/ of the tree the binaries were built from.
std::string DefaultRegionPath();

}  // namespace babillard
