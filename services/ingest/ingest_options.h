#pragma once

#include <cstddef>

#include "services/common/ical/calendar_parser.h"

namespace babillard::ingest {

struct IngestOptions {
  // Parsing limits, region zone and categories, UID derivation.
  ical::NormalizeOptions normalize;
  // Largest .ics accepted by ImportCalendar, in bytes.
  size_t max_import_bytes = 16u << 20;
  // Tests only: sources on loopback may be registered (the fetcher has its own flag).
  bool allow_loopback_sources = false;
};

}  // namespace babillard::ingest
