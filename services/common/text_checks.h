#pragma once

#include <string_view>

namespace babillard {

// A URL-safe short name: [a-z0-9-]{1,64} (organizations, municipalities,
// categories, named feeds).
bool IsSlug(std::string_view s);

// True if `text` holds a C0 control character or DEL; `multiline` allows
// LF, CR and TAB (descriptions).
bool HasControl(std::string_view text, bool multiline);

}  // namespace babillard
