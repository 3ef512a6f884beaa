#include "services/common/ical/slug.h"

#include <utility>

#include "absl/strings/ascii.h"

namespace babillard::ical {

std::string Slugify(std::string_view text) {
  // Folds the Latin-1 supplement letters French uses; anything else non-ASCII becomes '-'.
  static constexpr std::pair<std::string_view, char> kFolds[] = {
      {"à", 'a'}, {"â", 'a'}, {"ä", 'a'}, {"á", 'a'}, {"ç", 'c'}, {"é", 'e'}, {"è", 'e'},
      {"ê", 'e'}, {"ë", 'e'}, {"î", 'i'}, {"ï", 'i'}, {"í", 'i'}, {"ô", 'o'}, {"ö", 'o'},
      {"ó", 'o'}, {"ù", 'u'}, {"û", 'u'}, {"ü", 'u'}, {"ú", 'u'}, {"ÿ", 'y'}, {"À", 'a'},
      {"Â", 'a'}, {"Ç", 'c'}, {"É", 'e'}, {"È", 'e'}, {"Ê", 'e'}, {"Î", 'i'}, {"Ô", 'o'},
      {"Û", 'u'}, {"œ", 'o'}, {"Œ", 'o'}};
  std::string out;
  bool dash = false;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    char folded = 0;
    size_t used = 1;
    if (c < 0x80) {
      if (absl::ascii_isalnum(c)) folded = static_cast<char>(absl::ascii_tolower(c));
    } else {
      for (const auto& [from, to] : kFolds) {
        if (text.substr(i, from.size()) == from) {
          folded = to;
          used = from.size();
          break;
        }
      }
      if (folded == 0) {
        while (i + used < text.size() &&
               (static_cast<unsigned char>(text[i + used]) & 0xC0) == 0x80)
          ++used;
      }
    }
    i += used;
    if (folded != 0) {
      if (dash && !out.empty()) out.push_back('-');
      out.push_back(folded);
      dash = false;
    } else {
      dash = true;
    }
  }
  return out.substr(0, 64);
}

}  // namespace babillard::ical
