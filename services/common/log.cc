#include "services/common/log.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/string_view.h"

namespace babillard::log {
namespace {

absl::Mutex& ServiceMutex() {
  static absl::Mutex* mu = new absl::Mutex;
  return *mu;
}
std::string& ServiceName() {
  static std::string* name = new std::string("babillard");
  return *name;
}

void AppendValue(std::string_view value, std::string& out) {
  const bool plain = !value.empty() && value.find_first_of(" \"=\\\n\t") == std::string_view::npos;
  if (plain) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c == '\n' || c == '\t' ? ' ' : c);
  }
  out.push_back('"');
}

void Write(std::string_view level, std::string_view message, std::initializer_list<Field> fields) {
  std::string service;
  {
    absl::MutexLock lock(&ServiceMutex());
    service = ServiceName();
  }
  const std::string ts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  std::string line = Line(ts, service, level, message, fields);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);  // one write: lines of threads do not mix
}

}  // namespace

void SetService(std::string name) {
  absl::MutexLock lock(&ServiceMutex());
  ServiceName() = std::move(name);
}

std::string Line(std::string_view timestamp, std::string_view service, std::string_view level,
                 std::string_view message, std::initializer_list<Field> fields) {
  std::string line =
      absl::StrCat("ts=", Av(timestamp), " service=", Av(service), " level=", Av(level), " msg=");
  AppendValue(message, line);
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&line, " ", Av(key), "=");
    AppendValue(value, line);
  }
  return line;
}

void Info(std::string_view message, std::initializer_list<Field> fields) {
  Write("info", message, fields);
}
void Warn(std::string_view message, std::initializer_list<Field> fields) {
  Write("warn", message, fields);
}
void Error(std::string_view message, std::initializer_list<Field> fields) {
  Write("error", message, fields);
}

}  // namespace babillard::log
