#include "services/ingest/ingestor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "services/ingest/importer.h"
#include "services/ingest/merges.h"
#include "services/ingest/organizations.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/in_process_store.h"
#include "tests/testing/status_matchers.h"

namespace babillard::ingest {
namespace {

using ::babillard::testing::IsOk;
using ::babillard::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const Caller kBiblio{"biblio", v1::Organization::ROLE_PUBLISHER};
const Caller kClub{"club", v1::Organization::ROLE_PUBLISHER};
const Caller kAdmin{"admin", v1::Organization::ROLE_ADMIN};
const Caller kMairie{"mairie", v1::Organization::ROLE_PUBLISHER, "danville"};

// The ingest layer on the real StoreService over an in-process channel, with
// the fakes below it and a clock the test sets.
class IngestTest : public ::testing::Test {
 protected:
  IngestTest()
      : input_(options_.normalize),
        merger_(store_.client(), clock_),
        events_(store_.client(), input_, merger_, clock_),
        importer_(store_.client(), options_, InProcessParser(), merger_, clock_) {
    options_.normalize.known_categories = {"culture", "sport"};
  }

  v1::SubmitEventRequest Structured(const std::string& title, const std::string& start) {
    v1::SubmitEventRequest request;
    request.mutable_event()->mutable_title()->set_fr(title);
    request.mutable_event()->mutable_start()->set_local(start);
    request.mutable_event()->mutable_location()->set_municipality("danville");
    return request;
  }
  internal::StoredEvent Stored(const std::string& uid) {
    absl::StatusOr<internal::StoredEvent> e = store_.client().GetEvent(uid);
    EXPECT_THAT(e, IsOk());
    return e.ok() ? *e : internal::StoredEvent();
  }
  std::vector<std::string> Organizations(const v1::Event& e) {
    std::vector<std::string> out;
    for (const v1::Provenance& p : e.provenance()) out.push_back(p.organization());
    return out;
  }
  absl::StatusOr<v1::ImportReport> ImportFromSource(const v1::Source& source, int first, int n) {
    std::string body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n";
    for (int i = first; i < first + n; ++i) {
      absl::StrAppend(&body, "BEGIN:VEVENT\r\nUID:e", i, "@src\r\nDTSTAMP:20270101T000000Z\r\n",
                      "DTSTART;TZID=America/Toronto:20270301T", 10 + i % 8,
                      "0000\r\nSUMMARY:Atelier ", i, "\r\nEND:VEVENT\r\n");
    }
    absl::StrAppend(&body, "END:VCALENDAR\r\n");
    return importer_.ImportFromSource(source, body);
  }

  // Another writer's update of `uid` (its own SEQUENCE bump), landing just
  // before the next write; with `forever`, before every write from then on.
  void EditBeforeNextWrite(const std::string& uid, const std::string& description,
                           bool forever = false) {
    store_.events.BeforeNextPut([this, uid, description, forever] {
      absl::StatusOr<internal::StoredEvent> now = store_.events.Get(uid);
      ASSERT_THAT(now, IsOk());
      v1::Event e = now->event();
      e.mutable_description()->set_fr(description);
      e.set_sequence(e.sequence() + 1);
      ASSERT_THAT(store_.events.Put({e}, {}), IsOk());
      if (forever) EditBeforeNextWrite(uid, description + "+", true);
    });
  }
  static v1::ImportCalendarRequest Calendar(const std::string& uid, const std::string& title,
                                            const std::string& start) {
    v1::ImportCalendarRequest request;
    request.set_ics(absl::StrCat("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n",
                                 "BEGIN:VEVENT\r\nUID:", uid, "\r\nDTSTAMP:20270101T000000Z\r\n",
                                 "DTSTART;TZID=America/Toronto:", start, "\r\nSUMMARY:", title,
                                 "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"));
    request.set_default_municipality("danville");
    return request;
  }

  testing::InProcessStore store_;
  testing::FakeClock clock_;
  IngestOptions options_;
  EventInput input_;
  DuplicateMerger merger_;
  Ingestor events_;
  Importer importer_;
};

TEST_F(IngestTest, ASubmitIsStoredUnderItsOrganizationWithItsStampsAndTimeResolved) {
  absl::StatusOr<EventResult> r =
      events_.Submit(kBiblio, Structured("Heure du conte", "2027-03-10T10:00:00"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->version, 1);
  EXPECT_THAT(r->event.uid(), HasSubstr("biblio/"));
  const v1::Event stored = Stored(r->event.uid()).event();
  EXPECT_EQ(stored.organization(), "biblio");
  EXPECT_THAT(Organizations(stored), ElementsAre("biblio"));
  EXPECT_EQ(stored.dtstamp(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_EQ(stored.created(), absl::ToUnixSeconds(clock_.Now()));
  // 10:00 in Toronto in March (EST, before the 14th) is 15:00 UTC.
  EXPECT_EQ(stored.start().utc_seconds(),
            absl::ToUnixSeconds(
                absl::FromCivil(absl::CivilSecond(2027, 3, 10, 15, 0, 0), absl::UTCTimeZone())));
  EXPECT_EQ(stored.start().time_zone(), "America/Toronto");
}

TEST_F(IngestTest, AnUpdateBumpsTheSequenceKeepsCreatedAndRefusesAStaleVersion) {
  absl::StatusOr<EventResult> created =
      events_.Submit(kBiblio, Structured("Conte", "2027-03-10T10:00:00"));
  ASSERT_THAT(created, IsOk());
  const int64_t at_creation = absl::ToUnixSeconds(clock_.Now());
  clock_.Advance(absl::Hours(1));
  v1::UpdateEventRequest update;
  *update.mutable_event() = created->event;
  update.mutable_event()->mutable_title()->set_fr("Conte de printemps");
  update.set_expected_version(created->version);
  absl::StatusOr<EventResult> updated = events_.Update(kBiblio, update);
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->version, 2);
  EXPECT_GT(updated->event.sequence(), created->event.sequence());
  EXPECT_EQ(updated->event.created(), at_creation);
  EXPECT_EQ(updated->event.last_modified(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_THAT(events_.Update(kBiblio, update), StatusIs(absl::StatusCode::kAborted))
      << "version 1 is stale now";
  EXPECT_THAT(events_.Update(kClub, update), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(IngestTest, BadFieldsAreNamedAndNothingIsWritten) {
  v1::SubmitEventRequest request = Structured("", "2027-03-10T10:00:00");
  request.mutable_event()->mutable_start()->set_time_zone("Mars/Olympus");
  absl::Status s = events_.Submit(kBiblio, request).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(s)) fields.push_back(v.field);
  EXPECT_THAT(fields, ElementsAre("event.title", "event.start.time_zone"));
  EXPECT_TRUE(store_.events.changes().empty());
}

TEST_F(IngestTest, TheSameEventFromASecondOrganizationIsMergedIntoTheFirst) {
  absl::StatusOr<EventResult> first =
      events_.Submit(kBiblio, Structured("Fête de la pêche", "2027-06-05T09:00:00"));
  ASSERT_THAT(first, IsOk());
  absl::StatusOr<EventResult> second =
      events_.Submit(kClub, Structured("FÊTE DE LA PÊCHE", "2027-06-05T09:00:00"));
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->event.duplicate_of(), first->event.uid());
  ASSERT_EQ(second->warnings.size(), 1u);
  EXPECT_THAT(second->warnings[0], HasSubstr("same event as " + first->event.uid()));
  EXPECT_THAT(Organizations(Stored(first->event.uid()).event()), ElementsAre("biblio", "club"));
}

TEST_F(IngestTest, CancellingTheCanonicalEventPromotesTheCopyStillOn) {
  absl::StatusOr<EventResult> first =
      events_.Submit(kBiblio, Structured("Concert", "2027-06-05T20:00:00"));
  absl::StatusOr<EventResult> copy =
      events_.Submit(kClub, Structured("Concert", "2027-06-05T20:00:00"));
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(copy, IsOk());
  ASSERT_EQ(copy->event.duplicate_of(), first->event.uid());

  absl::StatusOr<EventResult> cancelled = events_.Cancel(kBiblio, first->event.uid(), "");
  ASSERT_THAT(cancelled, IsOk());
  EXPECT_TRUE(cancelled->warnings.empty());
  const v1::Event promoted = Stored(copy->event.uid()).event();
  EXPECT_TRUE(promoted.duplicate_of().empty()) << "the club's copy is canonical now";
  EXPECT_THAT(Organizations(promoted), ElementsAre("club"));
  const v1::Event gone = Stored(first->event.uid()).event();
  EXPECT_EQ(gone.status(), v1::Event::STATUS_CANCELLED);
  EXPECT_THAT(Organizations(gone), ElementsAre("biblio"));
}

TEST_F(IngestTest, DeletingACopyTakesItsOrganizationOffTheCanonicalEvent) {
  absl::StatusOr<EventResult> first =
      events_.Submit(kBiblio, Structured("Marché", "2027-07-03T08:00:00"));
  absl::StatusOr<EventResult> copy =
      events_.Submit(kClub, Structured("Marché", "2027-07-03T08:00:00"));
  ASSERT_THAT(copy, IsOk());
  ASSERT_THAT(events_.Delete(kClub, copy->event.uid()), IsOk());
  EXPECT_THAT(Organizations(Stored(first->event.uid()).event()), ElementsAre("biblio"));
  EXPECT_THAT(store_.client().GetEvent(copy->event.uid()), StatusIs(absl::StatusCode::kNotFound));
}

// #10 item 2: the organization whose copy was merged takes it back itself.
TEST_F(IngestTest, TheOrganizationWhoseCopyWasMergedSplitsItForGoodAndNoOtherCan) {
  absl::StatusOr<EventResult> first =
      events_.Submit(kBiblio, Structured("Conférence", "2027-04-01T19:00:00"));
  absl::StatusOr<EventResult> copy =
      events_.Submit(kClub, Structured("Conférence", "2027-04-01T19:00:00"));
  ASSERT_THAT(copy, IsOk());
  EXPECT_THAT(merger_.Split(kBiblio, copy->event.uid(), v1::Provenance()),
              StatusIs(absl::StatusCode::kPermissionDenied, "only club"));
  absl::StatusOr<EventResult> split = merger_.Split(kClub, copy->event.uid(), v1::Provenance());
  ASSERT_THAT(split, IsOk());
  EXPECT_TRUE(split->event.duplicate_of().empty());
  EXPECT_THAT(split->event.distinct_from(), ElementsAre(first->event.uid()));
  EXPECT_THAT(Organizations(Stored(first->event.uid()).event()), ElementsAre("biblio"));
}

// #10 item 2: a private or cancelled twin made first hid the real event.
TEST_F(IngestTest, APrivateOrCancelledTwinIsNeverMergedInto) {
  for (const std::string title : {"Spectacle", "Concert"}) {
    v1::SubmitEventRequest twin = Structured(title, "2027-05-01T20:00:00");
    if (title == "Spectacle") {
      twin.mutable_event()->set_visibility(v1::Event::VISIBILITY_PRIVATE);
    } else {
      twin.mutable_event()->set_status(v1::Event::STATUS_CANCELLED);
    }
    ASSERT_THAT(events_.Submit(kClub, twin), IsOk());
    absl::StatusOr<EventResult> real =
        events_.Submit(kBiblio, Structured(title, "2027-05-01T20:00:00"));
    ASSERT_THAT(real, IsOk());
    EXPECT_TRUE(real->event.duplicate_of().empty()) << title << ": " << real->event.duplicate_of();
    EXPECT_THAT(Organizations(Stored(real->event.uid()).event()), ElementsAre("biblio")) << title;
  }
}

TEST_F(IngestTest, AStoreOutageIsUnavailableAndWritesNothing) {
  store_.events.FailNextCall(absl::UnavailableError("redis: connection refused"));
  EXPECT_THAT(events_.Submit(kBiblio, Structured("Conte", "2027-03-10T10:00:00")),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(store_.events.changes().empty());
}

TEST_F(IngestTest, ASnapshotSourceCancelsWhatItNoLongerListsAndHoldsACollapse) {
  v1::Source source;
  source.set_id("src-1");
  source.set_organization("biblio");
  source.set_mode(v1::Source::MODE_FULL_SNAPSHOT);
  absl::StatusOr<v1::ImportReport> report = ImportFromSource(source, 0, 6);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->accepted(), 6);

  report = ImportFromSource(source, 0, 6);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->unchanged(), 6) << "an unchanged calendar writes nothing";

  report = ImportFromSource(source, 0, 5);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->cancelled(), 1);
  EXPECT_EQ(Stored("biblio/e5@src").event().status(), v1::Event::STATUS_CANCELLED);

  // Losing more than half at once looks like a broken export: held.
  report = ImportFromSource(source, 0, 1);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->cancelled(), 0);
  EXPECT_THAT(report->held(), HasSubstr("lost 4 of its 6 events"));
  EXPECT_EQ(Stored("biblio/e4@src").event().status(), v1::Event::STATUS_UNSPECIFIED);
}

TEST_F(IngestTest, AMovedInstanceKeepsItsSeriesStoredUidAndOneDateCanBeCancelled) {
  v1::Source source;
  source.set_organization("club");
  absl::StatusOr<v1::ImportReport> report = importer_.ImportFromSource(
      source,
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
      "BEGIN:VEVENT\r\nUID:atelier@club\r\nDTSTAMP:20270101T000000Z\r\n"
      "DTSTART;TZID=America/Toronto:20270106T190000\r\nDTEND;TZID=America/"
      "Toronto:20270106T200000\r\n"
      "RRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Atelier\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:atelier@club\r\nDTSTAMP:20270101T000000Z\r\n"
      "RECURRENCE-ID:20270114T000000Z\r\n"  // 19:00 in Toronto, written in UTC
      "DTSTART;TZID=America/Toronto:20270114T180000\r\nSUMMARY:Atelier (déplacé)\r\n"
      "END:VEVENT\r\nEND:VCALENDAR\r\n");
  ASSERT_THAT(report, IsOk());
  v1::Event series = Stored("club/atelier@club").event();
  ASSERT_EQ(series.overrides_size(), 1);
  EXPECT_EQ(series.overrides(0).uid(), "club/atelier@club");
  // The instance is named in its master's zone.
  EXPECT_EQ(series.overrides(0).recurrence_id().time_zone(), "America/Toronto");
  EXPECT_EQ(series.overrides(0).recurrence_id().local(), "2027-01-13T19:00:00");

  const Caller club{"club", v1::Organization::ROLE_PUBLISHER};
  absl::StatusOr<EventResult> cancelled =
      events_.Cancel(club, "club/atelier@club", "Salle fermée", "2027-01-20T19:00:00");
  ASSERT_THAT(cancelled, IsOk());
  series = Stored("club/atelier@club").event();
  EXPECT_NE(series.status(), v1::Event::STATUS_CANCELLED);  // the series goes on
  ASSERT_EQ(series.overrides_size(), 2);
  const v1::Event& off = series.overrides(1);
  EXPECT_EQ(off.uid(), "club/atelier@club");
  EXPECT_EQ(off.status(), v1::Event::STATUS_CANCELLED);
  EXPECT_EQ(off.start().local(), "2027-01-20T19:00:00");
  EXPECT_EQ(off.end().local(), "2027-01-20T20:00:00");
  EXPECT_EQ(off.sequence(), series.sequence());
  EXPECT_THAT(off.description().fr(), HasSubstr("Salle fermée"));
  // Cancelling the moved instance cancels its override; a date the series does
  // not have, or an event that does not repeat, is refused naming the field.
  ASSERT_THAT(events_.Cancel(club, "club/atelier@club", "", "2027-01-13T19:00:00"), IsOk());
  EXPECT_EQ(Stored("club/atelier@club").event().overrides(0).status(), v1::Event::STATUS_CANCELLED);
  EXPECT_THAT(events_.Cancel(club, "club/atelier@club", "", "2027-01-21T19:00:00"),
              StatusIs(absl::StatusCode::kInvalidArgument, "not one of the series' dates"));
  absl::StatusOr<EventResult> single =
      events_.Submit(kBiblio, Structured("Conte", "2027-03-10T10:00:00"));
  ASSERT_THAT(single, IsOk());
  EXPECT_THAT(events_.Cancel(kBiblio, single->event.uid(), "", "2027-03-10T10:00:00"),
              StatusIs(absl::StatusCode::kInvalidArgument, "does not repeat"));
}

TEST_F(IngestTest, OrganizationsGetATokenShownOnceAndOnlyAnAdminCreatesThem) {
  const ical::NormalizeOptions no_region;
  ingest::Organizations organizations(store_.client(), no_region, clock_);
  v1::Organization org;
  org.set_slug("biblio-danville");
  org.set_name("Bibliothèque de Danville");
  EXPECT_THAT(organizations.Create(kBiblio, org), StatusIs(absl::StatusCode::kPermissionDenied));
  absl::StatusOr<v1::CreateOrganizationResponse> created = organizations.Create(kAdmin, org);
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(created->token(), HasSubstr("bab_"));
  EXPECT_FALSE(store_.registry.TokenOf("biblio-danville").empty());
  EXPECT_NE(store_.registry.TokenOf("biblio-danville"), created->token()) << "only its hash";
  EXPECT_THAT(organizations.Create(kAdmin, org), StatusIs(absl::StatusCode::kAlreadyExists));
  org.set_slug("Not A Slug");
  absl::Status bad = organizations.Create(kAdmin, org).status();
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ViolationsOf(bad).at(0).field, "organization.slug");
}

// #13 item 2: an organization's municipality is the default of its events,
// and flags apply the same way to fields and to VEVENT text.
TEST_F(IngestTest, AnEventNamingNoMunicipalityIsInItsOrganizationsOrTheOneTheCallGives) {
  v1::SubmitEventRequest fields = Structured("Séance du conseil", "2027-02-01T19:00:00");
  fields.mutable_event()->clear_location();
  absl::StatusOr<EventResult> home = events_.Submit(kMairie, fields);
  ASSERT_THAT(home, IsOk());
  EXPECT_EQ(Stored(home->event.uid()).event().location().municipality(), "danville");

  v1::SubmitEventRequest text;
  text.set_ical(
      "BEGIN:VEVENT\r\nUID:t1@mairie\r\nDTSTAMP:20270101T000000Z\r\n"
      "DTSTART;TZID=America/Toronto:20270202T190000\r\nSUMMARY:Collecte\r\nEND:VEVENT\r\n");
  text.set_default_municipality("magog");
  text.add_default_categories("sport");
  absl::StatusOr<EventResult> given = events_.Submit(kMairie, text);
  ASSERT_THAT(given, IsOk());
  const v1::Event stored = Stored(given->event.uid()).event();
  EXPECT_EQ(stored.location().municipality(), "magog");
  EXPECT_THAT(stored.categories(), ElementsAre("sport"));
  text.add_default_categories("cuisine");
  EXPECT_THAT(events_.Submit(kMairie, text),
              StatusIs(absl::StatusCode::kInvalidArgument, "default_categories"));
}

TEST_F(IngestTest, DefaultsAreBoundedLikeAnEventsFieldsAndTheErrorDoesNotEchoThem) {
  v1::SubmitEventRequest text;
  text.set_ical(
      "BEGIN:VEVENT\r\nUID:t2@mairie\r\nDTSTAMP:20270101T000000Z\r\n"
      "DTSTART;TZID=America/Toronto:20270202T190000\r\nSUMMARY:Collecte\r\nEND:VEVENT\r\n");
  for (int i = 0; i < 10000; ++i) text.add_default_categories("sport");
  absl::StatusOr<EventResult> many = events_.Submit(kMairie, text);
  EXPECT_THAT(many, StatusIs(absl::StatusCode::kInvalidArgument, "default_categories"));
  EXPECT_THAT(std::string(many.status().message()), HasSubstr("at most 32 categories, not 10000"));
  text.clear_default_categories();
  text.add_default_categories(std::string(1 << 20, 'x'));
  absl::StatusOr<EventResult> long_category = events_.Submit(kMairie, text);
  EXPECT_THAT(long_category, StatusIs(absl::StatusCode::kInvalidArgument, "default_categories[0]"));
  EXPECT_LT(long_category.status().message().size(), 200u);
  text.clear_default_categories();
  text.set_default_municipality(std::string(1 << 20, 'x'));
  absl::StatusOr<EventResult> long_municipality = events_.Submit(kMairie, text);
  EXPECT_THAT(long_municipality,
              StatusIs(absl::StatusCode::kInvalidArgument, "default_municipality"));
  EXPECT_LT(long_municipality.status().message().size(), 200u);
}

TEST_F(IngestTest, AReimportWithoutDefaultsKeepsTheMunicipalityAndCategoriesItHad) {
  v1::ImportCalendarRequest first = Calendar("r1@mairie", "Marché", "20270605T080000");
  first.set_default_municipality("magog");
  first.add_default_categories("culture");
  ASSERT_THAT(importer_.Import(kMairie, first), IsOk());
  v1::ImportCalendarRequest again = first;
  again.clear_default_municipality();
  again.clear_default_categories();
  absl::StatusOr<v1::ImportReport> report = importer_.Import(kMairie, again);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->unchanged(), 1) << "nothing the calendar says changed";
  EXPECT_EQ(report->updated(), 0);
  const v1::Event stored = Stored(report->uids(0)).event();
  EXPECT_EQ(stored.location().municipality(), "magog");
  EXPECT_THAT(stored.categories(), ElementsAre("culture"));

  v1::ImportCalendarRequest fresh = Calendar("r2@mairie", "Atelier", "20270606T080000");
  fresh.clear_default_municipality();
  absl::StatusOr<v1::ImportReport> added = importer_.Import(kMairie, fresh);
  ASSERT_THAT(added, IsOk());
  EXPECT_EQ(Stored(added->uids(0)).event().location().municipality(), "danville")
      << "a new event naming none is in its organization's municipality";
}

// #10 item 7: a submit retried after a lost answer must not create a second event.
TEST_F(IngestTest, ASubmitRetriedWithItsIdempotencyKeyGivesBackTheFirstEvent) {
  v1::SubmitEventRequest request = Structured("Vente de livres", "2027-04-10T09:00:00");
  request.set_idempotency_key("cli-7f3a");
  absl::StatusOr<EventResult> first = events_.Submit(kBiblio, request);
  ASSERT_THAT(first, IsOk());
  clock_.Advance(absl::Seconds(5));
  absl::StatusOr<EventResult> again = events_.Submit(kBiblio, request);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->event.uid(), first->event.uid());
  EXPECT_EQ(again->version, first->version);
  EXPECT_THAT(again->warnings, ElementsAre(HasSubstr("already submitted")));
  EXPECT_EQ(store_.events.changes().size(), 1u) << "one event, written once";

  v1::SubmitEventRequest other = Structured("Autre chose", "2027-04-10T09:00:00");
  other.set_idempotency_key("cli-7f3a");
  EXPECT_THAT(events_.Submit(kBiblio, other),
              StatusIs(absl::StatusCode::kAlreadyExists, "idempotency_key"));
  absl::StatusOr<EventResult> club = events_.Submit(kClub, request);
  ASSERT_THAT(club, IsOk()) << "a key is its organization's own";
  EXPECT_NE(club->event.uid(), first->event.uid());

  request.set_idempotency_key(std::string(129, 'k'));
  EXPECT_THAT(events_.Submit(kBiblio, request),
              StatusIs(absl::StatusCode::kInvalidArgument, "idempotency_key"));
}

TEST_F(IngestTest, ASubmitWithItsOwnUidIsIdempotentAndAChangeOfItNeedsAnUpdate) {
  v1::SubmitEventRequest request = Structured("Bingo", "2027-04-11T19:00:00");
  request.mutable_event()->set_uid("bingo-2027@script");
  absl::StatusOr<EventResult> first = events_.Submit(kBiblio, request);
  ASSERT_THAT(first, IsOk());
  absl::StatusOr<EventResult> again = events_.Submit(kBiblio, request);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->event.uid(), first->event.uid());
  EXPECT_EQ(store_.events.changes().size(), 1u);
  request.mutable_event()->mutable_title()->set_fr("Grand bingo");
  EXPECT_THAT(events_.Submit(kBiblio, request),
              StatusIs(absl::StatusCode::kAlreadyExists, "use update"));
}

// #10 item 5: a batch is written with the versions it read; a write acknowledged
// in between is kept, and the batch is worked out again over it.
TEST_F(IngestTest, AnImportMergingIntoAnotherOrganizationsEventKeepsAWriteMadeMeanwhile) {
  absl::StatusOr<EventResult> first =
      events_.Submit(kBiblio, Structured("Concert", "2027-06-05T20:00:00"));
  ASSERT_THAT(first, IsOk());
  EditBeforeNextWrite(first->event.uid(), "Programme complet");
  ASSERT_THAT(importer_.Import(kClub, Calendar("c1@club", "Concert", "20270605T200000")), IsOk());
  const internal::StoredEvent canonical = Stored(first->event.uid());
  EXPECT_EQ(canonical.event().description().fr(), "Programme complet")
      << "biblio's update, acknowledged between the import's read and its write, was lost";
  EXPECT_THAT(Organizations(canonical.event()), ElementsAre("biblio", "club"));
  EXPECT_EQ(canonical.version(), 3);
}

TEST_F(IngestTest, AReimportAfterAConcurrentUpdateMovesSequencePastIt) {
  absl::StatusOr<v1::ImportReport> imported =
      importer_.Import(kBiblio, Calendar("a1@biblio", "Atelier", "20270310T100000"));
  ASSERT_THAT(imported, IsOk());
  const std::string uid = imported->uids(0);
  EditBeforeNextWrite(uid, "Modifié ailleurs");
  absl::StatusOr<v1::ImportReport> again =
      importer_.Import(kBiblio, Calendar("a1@biblio", "Atelier de printemps", "20270310T100000"));
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->updated(), 1);
  const internal::StoredEvent stored = Stored(uid);
  EXPECT_EQ(stored.event().title().fr(), "Atelier de printemps");
  EXPECT_EQ(stored.event().sequence(), 2) << "the update in between had SEQUENCE 1";
  EXPECT_EQ(stored.version(), 3);
}

TEST_F(IngestTest, AnUpdateWithoutAnExpectedVersionIsAppliedOverAWriteMadeMeanwhile) {
  absl::StatusOr<EventResult> created =
      events_.Submit(kBiblio, Structured("Conte", "2027-03-10T10:00:00"));
  ASSERT_THAT(created, IsOk());
  EditBeforeNextWrite(created->event.uid(), "ailleurs");
  v1::UpdateEventRequest update;
  *update.mutable_event() = created->event;
  update.mutable_event()->mutable_title()->set_fr("Conte d'hiver");
  absl::StatusOr<EventResult> updated = events_.Update(kBiblio, update);
  ASSERT_THAT(updated, IsOk()) << "not refused for a version the caller never named";
  EXPECT_EQ(updated->version, 3);
  EXPECT_EQ(Stored(created->event.uid()).event().sequence(), 2);
}

TEST_F(IngestTest, ABatchWhoseEventsNeverStopChangingGivesUpWithAbortedAndWritesNothing) {
  absl::StatusOr<EventResult> first =
      events_.Submit(kBiblio, Structured("Concert", "2027-06-05T20:00:00"));
  ASSERT_THAT(first, IsOk());
  EditBeforeNextWrite(first->event.uid(), "encore", /*forever=*/true);
  EXPECT_THAT(importer_.Import(kClub, Calendar("c1@club", "Concert", "20270605T200000")),
              StatusIs(absl::StatusCode::kAborted, "kept changing"));
  EXPECT_THAT(store_.client().GetEvent("club/c1@club"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Organizations(Stored(first->event.uid()).event()), ElementsAre("biblio"));
  store_.events.BeforeNextPut(nullptr);
}

}  // namespace
}  // namespace babillard::ingest
