#include "services/store/change_stream.h"

#include <gtest/gtest.h>

#include "services/store/lua_scripts.h"

namespace babillard::store {
namespace {

TEST(LuaScript, EveryNameIsBoundBeforeRedisSeesTheScript) {
  for (const char* source : {lua::kPutEvents, lua::kDeleteEvent, lua::kIndexDuplicateKeys}) {
    const std::string text = lua::Script(source);
    EXPECT_EQ(text.find('$'), std::string::npos) << text.substr(text.find('$'), 20);
  }
  const std::string put = lua::Script(lua::kPutEvents);
  EXPECT_NE(put.find("'k', kind, 'u', e.uid,"), std::string::npos)
      << "the entry fields of change_stream.h";
  EXPECT_NE(put.find("== '3'"), std::string::npos) << "STATUS_CANCELLED is 3";
}

TEST(ChangeStream, AnEntryReadsBackAsTheChangeItRecords) {
  v1::Source source;
  source.set_id("src-7");
  source.set_etag("\"secret-ish\"");
  // A private calendar link: its path is the secret (#10 item 3).
  source.set_url("https://calendar.google.com/calendar/ical/x/private-0123abcd/basic.ics");
  source.set_health_reason("GET " + source.url() + ": HTTP 404");
  std::vector<std::string> xadd = change_stream::SourceAnnouncement("bab:changes", 100, source);
  // The entry as XRANGE gives it back: [id, [field, value, ...]] from "*" on.
  redis::Reply entry;
  entry.type = redis::Reply::Type::kArray;
  entry.elements.resize(2);
  entry.elements[0].type = redis::Reply::Type::kString;
  entry.elements[0].str = "1700000000123-4";
  entry.elements[1].type = redis::Reply::Type::kArray;
  for (size_t i = 6; i < xadd.size(); ++i) {
    redis::Reply field;
    field.type = redis::Reply::Type::kString;
    field.str = xadd[i];
    entry.elements[1].elements.push_back(field);
  }
  absl::StatusOr<v1::Change> change = change_stream::FromEntry(entry);
  ASSERT_TRUE(change.ok()) << change.status();
  EXPECT_EQ(change->kind(), v1::Change::KIND_SOURCE_FLAGGED);
  EXPECT_EQ(change->cursor(), "1700000000123-4");
  EXPECT_EQ(change->committed_at_ms(), 1700000000123);
  EXPECT_EQ(change->source().id(), "src-7");
  EXPECT_TRUE(change->source().etag().empty()) << "announcements carry no conditional-GET state";
  EXPECT_TRUE(change->source().url().empty()) << "nor the URL";
  EXPECT_EQ(change->source().health_reason(), "GET (the source's URL): HTTP 404");
  EXPECT_FALSE(change_stream::FromEntry(redis::Reply()).ok());
}

TEST(ChangeStream, AnEventStoredWithTheOldRenderingsReadsBackWithoutThem) {
  v1::Event e;
  e.set_uid("biblio/a");
  std::string bytes = e.SerializeAsString();
  // Field 28 (the French rendering, now reserved), length-delimited: tag 28 << 3 | 2.
  bytes += std::string("\xE2\x01\x0C", 3) + "BEGIN:VEVENT";
  v1::Event parsed;
  ASSERT_TRUE(change_stream::ParseEvent(bytes, parsed).ok());
  EXPECT_EQ(parsed.uid(), "biblio/a");
  EXPECT_EQ(parsed.SerializeAsString(), e.SerializeAsString()) << "nothing carried on";
  EXPECT_FALSE(change_stream::ParseEvent("\xff\xff", parsed).ok());
}

}  // namespace
}  // namespace babillard::store
