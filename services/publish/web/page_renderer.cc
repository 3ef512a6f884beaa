#include "services/publish/web/page_renderer.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/auth/token.h"

namespace babillard::publish::web {

// Defined by the generated web_assets.cc (cmake/embed_files.cmake).
std::string_view EmbeddedFile(std::string_view path);

namespace {

constexpr const char* kTemplates[] = {"layout",          "list",    "month",         "event",
                                      "error",           "sitemap", "atom",          "filters_form",
                                      "subscribe_links", "widget",  "widget_builder"};
// Templates that pages include with {{> name}}.
constexpr const char* kPartials[] = {"filters_form", "subscribe_links"};
constexpr const char* kLanguages[] = {"fr", "en"};

}  // namespace

absl::StatusOr<std::unique_ptr<PageRenderer>> PageRenderer::Load() {
  std::unique_ptr<PageRenderer> r(new PageRenderer());
  for (const char* name : kTemplates) {
    const std::string path = absl::StrCat("templates/", name, ".mustache");
    std::string_view text = EmbeddedFile(path);
    if (text.empty()) return absl::InternalError(absl::StrCat(path, ": not built in"));
    auto t = std::make_unique<kainjow::mustache::mustache>(std::string(text));
    if (!t->is_valid()) return absl::InternalError(absl::StrCat(path, ": ", t->error_message()));
    r->templates_[name] = std::move(t);
  }
  for (const char* language : kLanguages) {
    const std::string path = absl::StrCat("messages/", language, ".txt");
    std::string_view text = EmbeddedFile(path);
    if (text.empty()) return absl::InternalError(absl::StrCat(path, ": not built in"));
    int line_number = 0;
    for (absl::string_view line :
         absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
      ++line_number;
      line = absl::StripAsciiWhitespace(line);
      if (line.empty() || line[0] == '#') continue;
      const size_t eq = line.find('=');
      if (eq == absl::string_view::npos)
        return absl::InternalError(absl::StrCat(path, ":", line_number, ": expected key = text"));
      r->words_[language][std::string(absl::StripAsciiWhitespace(line.substr(0, eq)))] =
          std::string(absl::StripAsciiWhitespace(line.substr(eq + 1)));
    }
  }
  for (const auto& [name, type] : {std::pair{"babillard.css", "text/css; charset=utf-8"},
                                   std::pair{"frame.js", "text/javascript; charset=utf-8"},
                                   std::pair{"widget.js", "text/javascript; charset=utf-8"}}) {
    std::string_view bytes = EmbeddedFile(absl::StrCat("static/", name));
    if (bytes.empty()) return absl::InternalError(absl::StrCat("static/", name, ": not built in"));
    r->statics_[name] = StaticFile{bytes, type};
  }
  r->asset_version_ = auth::Sha256Hex(std::string(r->statics_["babillard.css"].bytes) +
                                      std::string(r->statics_["frame.js"].bytes))
                          .substr(0, 12);
  return r;
}

Data PageRenderer::WordsData(absl::string_view language) const {
  Data t;
  auto it = words_.find(language);
  if (it == words_.end()) return t;
  for (const auto& [key, text] : it->second) t.set(key, text);
  return t;
}

const std::string& PageRenderer::Word(absl::string_view key, absl::string_view language) const {
  static const std::string kNone;
  auto it = words_.find(language);
  if (it == words_.end()) return kNone;
  auto word = it->second.find(key);
  return word == it->second.end() ? kNone : word->second;
}

std::string PageRenderer::RenderBare(absl::string_view name, Data values,
                                     absl::string_view language) const {
  auto it = templates_.find(name);
  if (it == templates_.end()) return "";
  values.set("t", WordsData(language));
  values.set("lang", std::string(language));
  return it->second->render(values);
}

std::string PageRenderer::Render(absl::string_view page, Data values,
                                 absl::string_view language) const {
  values.set("t", WordsData(language));
  values.set("lang", std::string(language));
  values.set("asset_version", asset_version_);
  for (const char* partial : kPartials) {
    const std::string text(EmbeddedFile(absl::StrCat("templates/", partial, ".mustache")));
    values.set(partial, kainjow::mustache::partial([text] { return text; }));
  }
  auto it = templates_.find(page);
  if (it == templates_.end()) return "";
  values.set("content", it->second->render(values));
  return templates_.at("layout")->render(values);
}

const PageRenderer::StaticFile* PageRenderer::Static(absl::string_view name) const {
  auto it = statics_.find(name);
  return it == statics_.end() ? nullptr : &it->second;
}

}  // namespace babillard::publish::web
