#include "services/ingest/duplicates.h"

#include <algorithm>

#include "services/common/ical/calendar_parser.h"
#include "services/common/ical/duplicate_keys.h"

namespace babillard::ingest {
namespace {

bool SameNonEmpty(const std::string& a, const std::string& b) { return !a.empty() && a == b; }

bool Listed(const v1::Event& e, const std::string& uid) {
  return std::find(e.distinct_from().begin(), e.distinct_from().end(), uid) !=
         e.distinct_from().end();
}

// A private or cancelled copy is never a duplicate: anyone could pre-create
// one to hide another organization's event or show it as cancelled.
bool Mergeable(const v1::Event& e) {
  return e.visibility() != v1::Event::VISIBILITY_PRIVATE &&
         e.status() != v1::Event::STATUS_CANCELLED;
}

}  // namespace

bool AreDuplicates(const v1::Event& a, const v1::Event& b) {
  if (a.organization() == b.organization() || a.uid() == b.uid()) return false;
  if (!Mergeable(a) || !Mergeable(b)) return false;
  if (!a.duplicate_of().empty() || !b.duplicate_of().empty()) return false;
  if (Listed(a, b.uid()) || Listed(b, a.uid())) return false;
  if (ical::DuplicateBucket(a) != ical::DuplicateBucket(b)) return false;
  const bool same_title =
      SameNonEmpty(ical::Slugify(a.title().fr()), ical::Slugify(b.title().fr())) ||
      SameNonEmpty(ical::Slugify(a.title().en()), ical::Slugify(b.title().en())) ||
      SameNonEmpty(ical::Slugify(a.title().fr()), ical::Slugify(b.title().en())) ||
      SameNonEmpty(ical::Slugify(a.title().en()), ical::Slugify(b.title().fr()));
  if (!same_title) return false;
  return SameNonEmpty(a.location().municipality(), b.location().municipality()) ||
         SameNonEmpty(ical::Slugify(a.location().name()), ical::Slugify(b.location().name()));
}

}  // namespace babillard::ingest
