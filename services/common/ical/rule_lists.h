#pragma once

#include <libical/ical.h>

#include <vector>

namespace babillard::ical {

// libical's BYxxx arrays (icalrecurrencetype.by_day...) end at the first
// ICAL_RECURRENCE_ARRAY_MAX, or at their capacity.
inline int RuleListLength(const short* list, int capacity) {
  int n = 0;
  while (n < capacity && list[n] != ICAL_RECURRENCE_ARRAY_MAX) ++n;
  return n;
}

inline std::vector<int> RuleListValues(const short* list, int capacity) {
  return std::vector<int>(list, list + RuleListLength(list, capacity));
}

}  // namespace babillard::ical
