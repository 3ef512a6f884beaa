#pragma once

#include <string>
#include <string_view>

namespace babillard::ical {

// True when `text` looks like HTML (a known tag or an entity), as Outlook and
// web CMSs put in DESCRIPTION.
bool LooksLikeHtml(std::string_view text);

// Plain text from HTML: block tags become line breaks, list items "- ",
// links keep their target ("text (url)"), entities are decoded, script and
// style content is dropped, runs of blank lines collapse. Outlook shows tags
// verbatim, so feeds carry only this form.
std::string HtmlToText(std::string_view html);

}  // namespace babillard::ical
