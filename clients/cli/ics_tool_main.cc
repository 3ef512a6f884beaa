#include <libical/ical.h>

#include <iostream>
#include <string>
#include <vector>

#include "clients/cli/ics_tool.h"

int main(int argc, char** argv) {
  icalerror_set_errors_are_fatal(0);
  std::vector<std::string> args(argv + 1, argv + argc);
  return babillard::cli::RunIcsTool(args, std::cout, std::cerr);
}
