#include "services/common/ical/preflight.h"

#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/common/ical/encoding.h"
#include "services/common/status_macros.h"
#include "services/common/string_view.h"

namespace babillard::ical {
namespace {

bool IsControl(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7F; }

bool IsNameChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-'; }

// Properties RFC 5545 allows at most once in a VEVENT whose repetition changes
// what the event means: the file is rejected rather than guess which one wins.
bool IsSingularEventProperty(std::string_view name) {
  return name == "DTSTART" || name == "DTEND" || name == "DURATION" || name == "UID" ||
         name == "RECURRENCE-ID";
}

struct OpenComponent {
  std::string name;
  int line;
  int properties = 0;
  // For VEVENTs: first line of each singular property seen.
  absl::flat_hash_map<std::string, int> singular_lines;
};

class Scanner {
 public:
  Scanner(const Limits& limits, std::string_view input, PreparedCalendar& out)
      : limits_(limits), input_(input), out_(out) {}

  // From here on the output differs from the input: copy what was clean so far.
  void StartCopying(size_t clean_bytes) {
    if (copying_) return;
    out_.text.reserve(input_.size() + input_.size() / 32);
    out_.text.assign(input_.data(), clean_bytes);
    copying_ = true;
  }

  bool copying() const { return copying_; }

  absl::Status Run() {
    std::string_view text = input_;
    size_t pos = 0;
    int line_no = 0;
    while (pos < text.size()) {
      const size_t line_offset = pos;
      size_t nl = text.find('\n', pos);
      std::string_view line =
          text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      ++line_no;
      // Where copying must start if this line changes: the pending logical line, if any.
      const size_t restart = logical_start_ != 0 ? logical_offset_ : line_offset;
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
      } else if (nl != std::string_view::npos) {
        StartCopying(restart);  // LF alone: written back as CRLF
      }
      if (line.size() > limits_.max_physical_line_bytes) {
        return absl::ResourceExhaustedError(absl::StrCat("line ", line_no, ": ", line.size(),
                                                         " bytes exceeds the limit of ",
                                                         limits_.max_physical_line_bytes));
      }
      for (size_t i = 0; i < line.size(); ++i) {
        if (IsControl(static_cast<unsigned char>(line[i]))) {
          return absl::InvalidArgumentError(
              absl::StrCat("line ", line_no, ": control character 0x",
                           absl::Hex(static_cast<unsigned char>(line[i]), absl::kZeroPad2),
                           " at column ", i + 1));
        }
      }
      if (absl::StripAsciiWhitespace(Av(line)).empty()) {
        StartCopying(restart);
        if (!warned_blank_)
          out_.warnings.push_back(absl::StrCat("line ", line_no, ": blank lines ignored"));
        warned_blank_ = true;
        continue;
      }
      const bool continuation = line[0] == ' ' || line[0] == '\t';
      if (continuation && logical_start_ != 0) {
        logical_size_ += line.size() - 1;
        if (logical_size_ > limits_.max_logical_line_bytes) {
          return absl::ResourceExhaustedError(
              absl::StrCat("line ", logical_start_, ": unfolded line exceeds the limit of ",
                           limits_.max_logical_line_bytes, " bytes"));
        }
        logical_.append(line.substr(1));
        physical_.push_back(line);
        continue;
      }
      if (auto status = FlushLogical(); !status.ok()) return status;
      // Some exporters indent the first line; nothing can be folded into it.
      if (continuation) {
        StartCopying(line_offset);
        line = Sv(absl::StripLeadingAsciiWhitespace(Av(line)));
      }
      logical_start_ = line_no;
      logical_offset_ = line_offset;
      logical_.assign(line.data(), line.size());
      logical_size_ = line.size();
      physical_.assign(1, line);
    }
    if (auto status = FlushLogical(); !status.ok()) return status;
    if (!stack_.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", stack_.back().line, ": BEGIN:", stack_.back().name, " has no END"));
    }
    if (!seen_calendar_) return absl::InvalidArgumentError("body: no BEGIN:VCALENDAR");
    return absl::OkStatus();
  }

 private:
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("line ", logical_start_, ": ", Av(what)));
  }

  absl::Status FlushLogical() {
    if (logical_start_ == 0) return absl::OkStatus();
    bool repaired = false;
    BABILLARD_RETURN_IF_ERROR(CheckLogical(repaired));
    if (repaired) {
      StartCopying(logical_offset_);
      out_.text.append(logical_);
      out_.text.append("\r\n");
    } else if (copying_) {
      for (std::string_view p : physical_) {
        out_.text.append(p.data(), p.size());
        out_.text.append("\r\n");
      }
    }
    logical_start_ = 0;
    return absl::OkStatus();
  }

  // Parses NAME *(";" param) ":" value just enough to check its shape, and
  // repairs the two mistakes real exporters make: an empty parameter (";;")
  // and a quoted TZID that swallowed the ":" before the value.
  absl::Status CheckLogical(bool& repaired) {
    const std::string& s = logical_;
    size_t i = 0;
    while (i < s.size() && IsNameChar(s[i])) ++i;
    if (i == 0) return Error("expected a property name");
    std::string name = absl::AsciiStrToUpper(absl::string_view(s).substr(0, i));
    std::string rebuilt = s.substr(0, i);
    int params = 0;
    while (i < s.size() && s[i] == ';') {
      ++i;
      if (i < s.size() && (s[i] == ';' || s[i] == ':')) {
        out_.warnings.push_back(absl::StrCat("line ", logical_start_, ": empty parameter ignored"));
        repaired = true;
        continue;
      }
      size_t name_start = i;
      while (i < s.size() && IsNameChar(s[i])) ++i;
      if (i == name_start || i >= s.size() || s[i] != '=') {
        return Error(absl::StrCat(name, ": malformed parameter"));
      }
      if (++params > limits_.max_parameters_per_property) {
        return absl::ResourceExhaustedError(
            absl::StrCat("line ", logical_start_, ": ", name, " has more than ",
                         limits_.max_parameters_per_property, " parameters"));
      }
      ++i;
      size_t param_start = name_start;
      // One or more comma-separated values, each quoted or not.
      while (true) {
        if (i < s.size() && s[i] == '"') {
          size_t close = s.find('"', i + 1);
          if (close == std::string::npos)
            return Error(absl::StrCat(name, ": unterminated quoted parameter value"));
          i = close + 1;
          if (i == s.size()) {
            // `TZID="Zone:20200609T090000"`: the ':' that starts the value ended up inside the
            // quotes.
            size_t colon = s.rfind(':', close);
            size_t open = s.rfind('"', close - 1);
            if (colon == std::string::npos || colon < open) {
              return Error(absl::StrCat(name, ": no ':' before the value"));
            }
            rebuilt.append(";").append(s.substr(param_start, colon - param_start)).append("\"");
            rebuilt.append(":").append(s.substr(colon + 1, close - colon - 1));
            out_.warnings.push_back(absl::StrCat("line ", logical_start_, ": ", name,
                                                 ": repaired a badly quoted parameter"));
            repaired = true;
            logical_ = std::move(rebuilt);
            return CheckStructure(name, "");
          }
        } else {
          while (i < s.size() && s[i] != ';' && s[i] != ':' && s[i] != ',') {
            if (s[i] == '"') return Error(absl::StrCat(name, ": stray '\"' in a parameter value"));
            ++i;
          }
        }
        if (i < s.size() && s[i] == ',') {
          ++i;
          continue;
        }
        break;
      }
      rebuilt.append(";").append(s.substr(param_start, i - param_start));
    }
    if (i >= s.size() || s[i] != ':') return Error(absl::StrCat(name, ": no ':' before the value"));
    if (repaired) {
      rebuilt.append(s.substr(i));
      logical_ = std::move(rebuilt);  // `s` now refers to the rebuilt line
      return CheckStructure(name, std::string_view());
    }
    return CheckStructure(name, std::string_view(s).substr(i + 1));
  }

  absl::Status CheckStructure(const std::string& name, std::string_view value) {
    if (value.empty()) value = std::string_view(logical_).substr(logical_.find(':') + 1);
    if (name == "BEGIN") {
      std::string component = absl::AsciiStrToUpper(
          absl::StripAsciiWhitespace(absl::string_view(value.data(), value.size())));
      if (component.empty()) return Error("BEGIN without a component name");
      if (stack_.empty()) {
        if (component != "VCALENDAR") return Error("the calendar must start with BEGIN:VCALENDAR");
        if (seen_calendar_) return Error("a second VCALENDAR; import one calendar at a time");
        seen_calendar_ = true;
      }
      if (static_cast<int>(stack_.size()) >= limits_.max_nesting_depth) {
        return absl::ResourceExhaustedError(absl::StrCat("line ", logical_start_,
                                                         ": components nested deeper than ",
                                                         limits_.max_nesting_depth));
      }
      if (++components_ > limits_.max_components) {
        return absl::ResourceExhaustedError(absl::StrCat("line ", logical_start_, ": more than ",
                                                         limits_.max_components, " components"));
      }
      if (component == "VEVENT" && stack_.size() == 1) {
        if (static_cast<int>(out_.vevent_lines.size()) >= limits_.max_events) {
          return absl::ResourceExhaustedError(
              absl::StrCat("line ", logical_start_, ": more than ", limits_.max_events, " events"));
        }
        out_.vevent_lines.push_back(logical_start_);
      }
      stack_.push_back(OpenComponent{std::move(component), logical_start_, 0, {}});
      return absl::OkStatus();
    }
    if (name == "END") {
      std::string component = absl::AsciiStrToUpper(
          absl::StripAsciiWhitespace(absl::string_view(value.data(), value.size())));
      if (stack_.empty()) return Error(absl::StrCat("END:", component, " without BEGIN"));
      if (stack_.back().name != component) {
        return Error(absl::StrCat("END:", component, " does not match BEGIN:", stack_.back().name,
                                  " at line ", stack_.back().line));
      }
      stack_.pop_back();
      return absl::OkStatus();
    }
    if (stack_.empty()) return Error(absl::StrCat(name, " outside BEGIN:VCALENDAR"));
    OpenComponent& top = stack_.back();
    if (++top.properties > limits_.max_properties_per_component) {
      return absl::ResourceExhaustedError(
          absl::StrCat("line ", logical_start_, ": ", top.name, " has more than ",
                       limits_.max_properties_per_component, " properties"));
    }
    if (top.name == "VEVENT" && IsSingularEventProperty(name)) {
      auto [it, inserted] = top.singular_lines.emplace(name, logical_start_);
      if (!inserted) {
        return Error(
            absl::StrCat("VEVENT has a second ", name, " (first at line ", it->second, ")"));
      }
    }
    return absl::OkStatus();
  }

  const Limits& limits_;
  std::string_view input_;
  PreparedCalendar& out_;
  bool copying_ = false;
  size_t logical_offset_ = 0;
  std::vector<OpenComponent> stack_;
  bool seen_calendar_ = false;
  bool warned_blank_ = false;
  int components_ = 0;
  int logical_start_ = 0;  // 0: no logical line pending
  std::string logical_;
  size_t logical_size_ = 0;
  std::vector<std::string_view> physical_;
};

}  // namespace

absl::StatusOr<PreparedCalendar> PrepareCalendar(std::string_view bytes, const Limits& limits) {
  if (bytes.size() > limits.max_body_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "body: ", bytes.size(), " bytes exceeds the limit of ", limits.max_body_bytes));
  }
  if (absl::StripAsciiWhitespace(absl::string_view(bytes.data(), bytes.size())).empty()) {
    return absl::InvalidArgumentError("body: empty calendar");
  }
  PreparedCalendar out;
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  const bool bom = bytes.substr(0, kBom.size()) == kBom;
  if (bom) bytes.remove_prefix(kBom.size());
  std::string transcoded;
  if (std::optional<size_t> bad = FirstInvalidUtf8(bytes); bad.has_value()) {
    BABILLARD_ASSIGN_OR_RETURN(std::string decoded, Windows1252ToUtf8(bytes));
    transcoded = std::move(decoded);
    if (transcoded.size() > limits.max_body_bytes) {
      return absl::ResourceExhaustedError("body: exceeds the size limit once decoded");
    }
    out.warnings.push_back(
        absl::StrCat("body: not UTF-8 (first invalid byte 0x",
                     absl::Hex(static_cast<unsigned char>(bytes[*bad]), absl::kZeroPad2),
                     " at offset ", *bad, "); decoded as Windows-1252"));
    bytes = transcoded;
  }
  Scanner scanner(limits, bytes, out);
  if (bom || !transcoded.empty()) scanner.StartCopying(0);
  BABILLARD_RETURN_IF_ERROR(scanner.Run());
  out.unchanged = !scanner.copying();
  return out;
}

}  // namespace babillard::ical
