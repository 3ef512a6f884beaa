#pragma once

#include <libical/ical.h>

#include <cstdlib>
#include <memory>
#include <string>

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

// A recurrence rule parsed from text. icalrecurrencetype_from_string() strdup()s
// RSCALE into the struct it returns by value, and nothing in libical frees it.
class RecurrenceRule {
 public:
  explicit RecurrenceRule(const std::string& text)
      : value_(icalrecurrencetype_from_string(text.c_str())) {}
  ~RecurrenceRule() { std::free(value_.rscale); }  // libical allocated it with strdup()
  RecurrenceRule(const RecurrenceRule&) = delete;
  RecurrenceRule& operator=(const RecurrenceRule&) = delete;
  icalrecurrencetype& value() { return value_; }

 private:
  icalrecurrencetype value_;
};

}  // namespace babillard::ical
