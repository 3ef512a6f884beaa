#pragma once

#include <cstdio>
#include <cstdlib>

// Broken invariants (our bugs) crash loudly; input and I/O failures are a Status.
#define BABILLARD_CHECK(cond)                                                                 \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "%s:%d: BABILLARD_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)
