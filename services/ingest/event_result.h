#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "babillard/v1/event.pb.h"

namespace babillard::ingest {

// What a single-event write answers: the event as stored, its version, notes.
struct EventResult {
  v1::Event event;
  // The version the store gave it.
  int64_t version = 0;
  std::vector<std::string> warnings;
};

}  // namespace babillard::ingest
