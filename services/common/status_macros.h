#pragma once

// Debian 12's abseil has no status macros; these are the two the code uses.

#define BABILLARD_STATUS_CONCAT_INNER(a, b) a##b
#define BABILLARD_STATUS_CONCAT(a, b) BABILLARD_STATUS_CONCAT_INNER(a, b)

#define BABILLARD_RETURN_IF_ERROR(expr)                                     \
  do {                                                                      \
    if (::absl::Status _babillard_status = (expr); !_babillard_status.ok()) \
      return _babillard_status;                                             \
  } while (0)

#define BABILLARD_ASSIGN_OR_RETURN(lhs, expr) \
  BABILLARD_ASSIGN_OR_RETURN_IMPL(BABILLARD_STATUS_CONCAT(_babillard_or_, __LINE__), lhs, expr)

#define BABILLARD_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()
