#pragma once

#include <kainjow/mustache.hpp>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace babillard::publish::web {

using Data = kainjow::mustache::data;
inline Data NewList() { return Data(Data::type::list); }
// A value a template tests with {{#name}}: the library takes an empty
// string as true, so an empty one is given as false.
inline Data Optional(const std::string& s) { return s.empty() ? Data(false) : Data(s); }

// The residents' pages' templates (services/publish/web/templates/*.mustache,
// built into the binary), their words in each language (messages/*.txt) and
// their static files. A page is its template rendered inside layout.mustache;
// every {{value}} is HTML-escaped by the library, and only what this code
// made itself as HTML goes in {{{triple}}} braces. Immutable after Load, so
// threads share it.
class PageRenderer {
 public:
  // Parses every template and message file; an error names the file and
  // why, so that a broken template stops publish at start, not a page later.
  static absl::StatusOr<std::unique_ptr<PageRenderer>> Load();

  // Renders `page` (a template name without .mustache) with `values`, then
  // the layout around it. `values` gets `t` (the words in `language`);
  // `layout` takes title, canonical, switch_url... (see layout.mustache).
  std::string Render(absl::string_view page, Data values, absl::string_view language) const;
  // A template rendered alone (the sitemap, the Atom feed).
  std::string RenderBare(absl::string_view name, Data values, absl::string_view language) const;

  // One word or sentence in `language`, `key` when there is none (a test
  // checks every key has both).
  const std::string& Word(absl::string_view key, absl::string_view language) const;

  bool HasTemplate(absl::string_view name) const { return templates_.contains(name); }

  // A static file (the stylesheet) and its content type; null when none.
  struct StaticFile {
    std::string_view bytes;
    std::string content_type;
  };
  const StaticFile* Static(absl::string_view name) const;
  // Every static file, by name.
  const std::map<std::string, StaticFile, std::less<>>& statics() const { return statics_; }
  // A short hash of the stylesheet and frame.js, in their URLs so that caches keep them a year.
  const std::string& asset_version() const { return asset_version_; }

 private:
  PageRenderer() = default;
  Data WordsData(absl::string_view language) const;

  std::map<std::string, std::unique_ptr<kainjow::mustache::mustache>, std::less<>> templates_;
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> words_;
  std::map<std::string, StaticFile, std::less<>> statics_;
  std::string asset_version_;
};

}  // namespace babillard::publish::web
