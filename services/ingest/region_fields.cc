#include "services/ingest/region_fields.h"

#include "absl/strings/str_cat.h"

namespace babillard::ingest {

void UseRegion(const Region& region, ical::NormalizeOptions& options) {
  options.default_time_zone = region.time_zone();
  options.default_language = region.proto().languages(0);
  options.known_categories.clear();
  for (const v1::Category& c : region.proto().categories())
    options.known_categories.insert(c.slug());
  options.municipalities.clear();
  for (const v1::Municipality& m : region.proto().municipalities()) {
    options.municipalities[m.slug()] = m.slug();
    for (const std::string& alias : m.aliases()) options.municipalities[alias] = m.slug();
  }
}

namespace {

// As on an event: a name is at most 64 bytes, and a call names at most 32
// categories (the region has fewer), so that neither the work nor the error
// message grows with what a caller sends.
constexpr size_t kMaxNameBytes = 64;
constexpr int kMaxCategories = 32;

}  // namespace

void ResolveMunicipalityField(std::string& municipality, const std::string& field,
                              const ical::NormalizeOptions& region,
                              std::vector<FieldViolation>& violations) {
  if (municipality.size() > kMaxNameBytes) {
    violations.push_back({field, absl::StrCat("longer than ", kMaxNameBytes, " bytes")});
    return;
  }
  if (auto reason = ical::ResolveMunicipality(municipality, region))
    violations.push_back({field, *reason});
}

void ResolveCategoryFields(google::protobuf::RepeatedPtrField<std::string>& categories,
                           const std::string& field, const ical::NormalizeOptions& region,
                           std::vector<FieldViolation>& violations) {
  if (categories.size() > kMaxCategories) {
    violations.push_back(
        {field, absl::StrCat("at most ", kMaxCategories, " categories, not ", categories.size())});
    return;
  }
  for (int i = 0; i < categories.size(); ++i) {
    if (categories[i].size() > kMaxNameBytes) {
      violations.push_back({absl::StrCat(field, "[", i, "]"),
                            absl::StrCat("longer than ", kMaxNameBytes, " bytes")});
      continue;
    }
    if (auto reason = ical::ResolveCategory(*categories.Mutable(i), region))
      violations.push_back({absl::StrCat(field, "[", i, "]"), *reason});
  }
}

absl::Status ResolveCallDefaults(std::string& municipality,
                                 google::protobuf::RepeatedPtrField<std::string>& categories,
                                 const ical::NormalizeOptions& region) {
  std::vector<FieldViolation> violations;
  ResolveMunicipalityField(municipality, "default_municipality", region, violations);
  ResolveCategoryFields(categories, "default_categories", region, violations);
  return violations.empty() ? absl::OkStatus() : FieldViolationsError(violations);
}

}  // namespace babillard::ingest
