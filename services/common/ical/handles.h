#pragma once

#include <memory>

#include <libical/ical.h>

// One owner type per libical handle. A raw pointer is always borrowed.
namespace babillard::ical {

struct ComponentDeleter {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
struct BufferDeleter {
  void operator()(char* p) const { icalmemory_free_buffer(p); }
};
struct RecurIteratorDeleter {
  void operator()(icalrecur_iterator* i) const { icalrecur_iterator_free(i); }
};

using ComponentPtr = std::unique_ptr<icalcomponent, ComponentDeleter>;
using BufferPtr = std::unique_ptr<char, BufferDeleter>;
using RecurIteratorPtr = std::unique_ptr<icalrecur_iterator, RecurIteratorDeleter>;

}  // namespace babillard::ical
