#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace babillard::cli {

// `babillard-ics`: the iCalendar core from the command line, for
// organizations checking their export before registering it, and for tests.
//   check FILE                      report events, rejections and warnings
//   feed FILE [--lang=fr|en] [--name=TITLE]   normalized feed on stdout
//   expand FILE --from=YYYY-MM-DD --to=YYYY-MM-DD   occurrences, one per line (UTC)
// Returns the process exit code: 0 ok, 1 the file is rejected, 2 usage.
int RunIcsTool(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace babillard::cli
