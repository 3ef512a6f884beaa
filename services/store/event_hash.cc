#include "services/store/event_hash.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "services/store/change_stream.h"

namespace babillard::store::event_hash {

std::vector<std::string> GetStored(const std::string& key) { return {"HMGET", key, "pb", "v"}; }

absl::StatusOr<std::optional<internal::StoredEvent>> StoredFrom(const redis::Reply& row) {
  const auto& f = row.elements;
  if (f.size() != 2 || f[0].is_nil()) return std::nullopt;
  internal::StoredEvent stored;
  if (absl::Status s = change_stream::ParseEvent(f[0].str, *stored.mutable_event()); !s.ok())
    return s;
  int64_t version = 0;
  (void)absl::SimpleAtoi(f[1].str, &version);
  stored.set_version(version);
  return stored;
}

std::vector<std::string> GetSummary(const std::string& key) {
  return {"HMGET", key, "org", "muni", "cats", "status", "start", "end"};
}

std::optional<Summary> SummaryFrom(const redis::Reply& row) {
  const auto& f = row.elements;
  if (f.size() != 6 || f[0].is_nil()) return std::nullopt;
  Summary s;
  s.org = f[0].str;
  s.muni = f[1].str;
  s.cats = f[2].str;
  (void)absl::SimpleAtoi(f[3].str, &s.status);
  (void)absl::SimpleAtoi(f[4].str, &s.start);
  (void)absl::SimpleAtoi(f[5].str, &s.end);
  return s;
}

bool CouldMatch(const Summary& s, const v1::Filter& f) {
  auto any_of = [](const auto& wanted, const std::string& value) {
    return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
  };
  if (!any_of(f.organizations(), s.org)) return false;
  if (!any_of(f.municipalities(), s.muni)) return false;
  if (f.categories_size() > 0) {
    bool hit = false;
    for (absl::string_view c : absl::StrSplit(s.cats, ',', absl::SkipEmpty())) {
      hit = hit || std::find(f.categories().begin(), f.categories().end(), std::string(c)) !=
                       f.categories().end();
    }
    if (!hit) return false;
  }
  if (f.statuses_size() > 0 &&
      std::find(f.statuses().begin(), f.statuses().end(), s.status) == f.statuses().end()) {
    return false;
  }
  if (f.to_seconds() > 0 && s.start >= f.to_seconds()) return false;
  if (f.by_start()) return f.from_seconds() <= 0 || s.start >= f.from_seconds();
  if (f.from_seconds() > 0 && s.end <= f.from_seconds() && s.end != s.start) return false;
  if (f.from_seconds() > 0 && s.end == s.start && s.start < f.from_seconds()) return false;
  return true;
}

}  // namespace babillard::store::event_hash
