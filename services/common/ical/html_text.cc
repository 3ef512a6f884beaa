#include "services/common/ical/html_text.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "services/common/string_view.h"

namespace babillard::ical {
namespace {

constexpr std::string_view kBlockTags[] = {"p",  "div", "br", "li",    "ul",
                                           "ol", "h1",  "h2", "h3",    "h4",
                                           "h5", "h6",  "tr", "table", "blockquote"};

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes the entity starting at `text[i] == '&'`; returns bytes consumed (0: not an entity).
size_t DecodeEntity(std::string_view text, size_t i, std::string& out) {
  size_t semi = text.find(';', i);
  if (semi == std::string_view::npos || semi - i > 10) return 0;
  std::string_view name = text.substr(i + 1, semi - i - 1);
  uint32_t cp = 0;
  if (name.starts_with("#x") || name.starts_with("#X")) {
    if (!absl::SimpleHexAtoi(absl::string_view(name.data() + 2, name.size() - 2), &cp)) return 0;
  } else if (name.starts_with("#")) {
    if (!absl::SimpleAtoi(absl::string_view(name.data() + 1, name.size() - 1), &cp)) return 0;
  } else {
    static constexpr struct {
      std::string_view name;
      uint32_t cp;
    } kNamed[] = {{"amp", '&'},      {"lt", '<'},       {"gt", '>'},        {"quot", '"'},
                  {"apos", '\''},    {"nbsp", 0xA0},    {"eacute", 0xE9},   {"egrave", 0xE8},
                  {"ecirc", 0xEA},   {"agrave", 0xE0},  {"acirc", 0xE2},    {"ccedil", 0xE7},
                  {"ocirc", 0xF4},   {"ucirc", 0xFB},   {"ugrave", 0xF9},   {"icirc", 0xEE},
                  {"iuml", 0xEF},    {"euml", 0xEB},    {"Eacute", 0xC9},   {"Egrave", 0xC8},
                  {"Agrave", 0xC0},  {"Ccedil", 0xC7},  {"laquo", 0xAB},    {"raquo", 0xBB},
                  {"rsquo", 0x2019}, {"lsquo", 0x2018}, {"ldquo", 0x201C},  {"rdquo", 0x201D},
                  {"ndash", 0x2013}, {"mdash", 0x2014}, {"hellip", 0x2026}, {"euro", 0x20AC},
                  {"copy", 0xA9}};
    for (const auto& entity : kNamed) {
      if (entity.name == name) cp = entity.cp;
    }
    if (cp == 0) return 0;
  }
  AppendUtf8(cp == 0xA0 ? ' ' : cp, out);
  return semi - i + 1;
}

std::string TagName(std::string_view tag) {
  size_t i = 0;
  if (i < tag.size() && tag[i] == '/') ++i;
  size_t start = i;
  while (i < tag.size() && absl::ascii_isalnum(static_cast<unsigned char>(tag[i]))) ++i;
  return absl::AsciiStrToLower(absl::string_view(tag.data() + start, i - start));
}

std::string HrefOf(std::string_view tag) {
  std::string lower = absl::AsciiStrToLower(absl::string_view(tag.data(), tag.size()));
  size_t at = lower.find("href=");
  if (at == std::string::npos) return "";
  size_t start = at + 5;
  if (start >= tag.size()) return "";
  char quote = tag[start];
  if (quote == '"' || quote == '\'') {
    size_t end = tag.find(quote, start + 1);
    if (end == std::string_view::npos) return "";
    return std::string(tag.substr(start + 1, end - start - 1));
  }
  size_t end = tag.find_first_of(" >", start);
  return std::string(tag.substr(start, end == std::string_view::npos ? end : end - start));
}

}  // namespace

bool LooksLikeHtml(std::string_view text) {
  // Only '<' and '&' can start a marker: look there instead of lower-casing
  // the whole description (this runs for every imported event).
  static constexpr std::string_view kMarkers[] = {
      "<p",    "<br",   "<div", "<a ", "<b>", "<i>", "<strong", "<em>",  "<ul",      "<li",
      "<span", "<html", "<h1",  "<h2", "<h3", "</",  "&nbsp;",  "&amp;", "&eacute;", "&#"};
  for (size_t i = text.find_first_of("<&"); i != std::string_view::npos;
       i = text.find_first_of("<&", i + 1)) {
    for (std::string_view marker : kMarkers) {
      if (absl::StartsWithIgnoreCase(Av(text.substr(i, marker.size())), Av(marker))) return true;
    }
  }
  return false;
}

std::string HtmlToText(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  std::string pending_href;
  bool skipping = false;  // inside <script> or <style>
  for (size_t i = 0; i < html.size();) {
    char c = html[i];
    if (c == '<') {
      size_t close = html.find('>', i);
      if (close == std::string_view::npos) break;
      std::string_view tag = html.substr(i + 1, close - i - 1);
      std::string name = TagName(tag);
      const bool closing = !tag.empty() && tag[0] == '/';
      i = close + 1;
      if (name == "script" || name == "style") {
        skipping = !closing;
        continue;
      }
      if (skipping) continue;
      if (name == "a" && !closing) pending_href = HrefOf(tag);
      if (name == "a" && closing && !pending_href.empty()) {
        if (!absl::StrContains(out, pending_href))
          out.append(" (").append(pending_href).append(")");
        pending_href.clear();
      }
      for (std::string_view block : kBlockTags) {
        if (name == block) {
          if (!out.empty() && out.back() != '\n') out.push_back('\n');
          if (name == "li" && !closing) out.append("- ");
          break;
        }
      }
      continue;
    }
    if (skipping) {
      ++i;
      continue;
    }
    if (c == '&') {
      if (size_t used = DecodeEntity(html, i, out); used > 0) {
        i += used;
        continue;
      }
    }
    // Source line breaks are layout in HTML, not text.
    out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
    ++i;
  }
  // Trim each line and collapse runs of blank lines.
  std::string result;
  int blank_run = 0;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    std::string trimmed(absl::StripAsciiWhitespace(line));
    while (absl::StrContains(trimmed, "  ")) trimmed = absl::StrReplaceAll(trimmed, {{"  ", " "}});
    if (trimmed.empty()) {
      if (++blank_run > 1 || result.empty()) continue;
    } else {
      blank_run = 0;
    }
    if (!result.empty()) result.push_back('\n');
    result.append(trimmed);
  }
  while (!result.empty() && result.back() == '\n') result.pop_back();
  return result;
}

}  // namespace babillard::ical
