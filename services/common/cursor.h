#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace babillard {

// A change-stream cursor is a Redis Stream id, "<epoch ms>-<sequence>". It
// must be compared as two numbers: "999-0" < "1000-0", unlike the strings.
std::pair<int64_t, int64_t> SplitCursor(const std::string& cursor);

// <0, 0, >0 as `a` comes before, with or after `b`. "" sorts first.
int CompareCursors(const std::string& a, const std::string& b);

}  // namespace babillard
