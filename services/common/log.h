#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

// The one log line format of every service: key=value pairs on stderr, one
// line per event, the first four always there:
//   ts=2026-12-02T16:04:05.123Z service=babillard-store level=info msg="serving"
//   addr=127.0.0.1:50053
// Values with spaces, quotes or '=' are quoted with \" and \\ escaped, so a
// line parses back with a shell-like split. Never log a token or a secret.
namespace babillard::log {

using Field = std::pair<std::string_view, std::string>;

// The service every line names; set once in main().
void SetService(std::string name);

void Info(std::string_view message, std::initializer_list<Field> fields = {});
void Warn(std::string_view message, std::initializer_list<Field> fields = {});
void Error(std::string_view message, std::initializer_list<Field> fields = {});

// The line itself, for tests and for the three functions above.
std::string Line(std::string_view timestamp, std::string_view service, std::string_view level,
                 std::string_view message, std::initializer_list<Field> fields);

}  // namespace babillard::log
