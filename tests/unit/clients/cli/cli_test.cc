#include "clients/cli/cli.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "babillard/v1/ingest.grpc.pb.h"
#include "clients/cli/commands.h"
#include "clients/cli/help.h"
#include "services/common/grpc_status.h"
#include "tests/testing/fake_clock.h"

namespace babillard::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// An Ingest service that records what it was sent and answers as told.
class FakeIngest final : public v1::Ingest::Service {
 public:
  grpc::Status SubmitEvent(grpc::ServerContext* context, const v1::SubmitEventRequest* request,
                           v1::SubmitEventResponse* response) override {
    absl::MutexLock lock(&mu);
    submitted.push_back(*request);
    auto auth = context->client_metadata().find("authorization");
    if (auth != context->client_metadata().end())
      authorization = std::string(auth->second.data(), auth->second.size());
    if (!refusal.ok()) return ToGrpcStatus(refusal);
    if (unavailable_first > 0) {
      --unavailable_first;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the event store is unavailable");
    }
    response->mutable_event()->set_uid("biblio/new@biblio");
    response->add_warnings("a note for the caller");
    return grpc::Status::OK;
  }
  grpc::Status ListEvents(grpc::ServerContext*, const v1::ListEventsRequest* request,
                          v1::ListEventsResponse* response) override {
    absl::MutexLock lock(&mu);
    listed.push_back(*request);
    // Two pages of one event each, then nothing.
    if (events == 0) return grpc::Status::OK;
    const int page = request->page_token().empty() ? 0 : 1;
    v1::Event& e = *response->add_events();
    e.set_uid(absl::StrCat("biblio/e", page, "@biblio"));
    e.mutable_title()->set_fr(absl::StrCat("Événement ", page));
    e.mutable_start()->set_local("2027-01-15T10:00:00");
    if (page == 0) response->set_next_page_token("page-1");
    return grpc::Status::OK;
  }
  grpc::Status ListOrganizations(grpc::ServerContext*, const v1::ListOrganizationsRequest*,
                                 v1::ListOrganizationsResponse* response) override {
    absl::MutexLock lock(&mu);
    if (own_organization.empty()) return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "");
    v1::Organization& o = *response->add_organizations();
    o.set_slug(own_organization);
    o.set_role(v1::Organization::ROLE_PUBLISHER);
    return grpc::Status::OK;
  }
  grpc::Status GetEvent(grpc::ServerContext*, const v1::GetEventRequest* request,
                        v1::GetEventResponse* response) override {
    if (request->uid() != "biblio/conte@biblio")
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "event " + request->uid() + " not found");
    v1::Event& e = *response->mutable_event();
    e.set_uid(request->uid());
    e.mutable_title()->set_fr("Heure du conte");
    e.mutable_title()->set_en("Story time");
    e.mutable_start()->set_local("2027-01-15T10:00:00");
    e.mutable_start()->set_time_zone("America/Toronto");
    e.set_rrule("FREQ=WEEKLY;BYDAY=FR");
    e.mutable_location()->set_name("Bibliothèque");
    e.mutable_location()->set_municipality("danville");
    e.set_organization("biblio");
    e.set_sequence(2);
    response->set_version(3);
    return grpc::Status::OK;
  }
  grpc::Status ImportCalendar(grpc::ServerContext*, const v1::ImportCalendarRequest* request,
                              v1::ImportReport* report) override {
    {
      absl::MutexLock lock(&mu);
      imported.push_back(request->ics());
    }
    report->set_accepted(3);
    v1::Rejection& r = *report->add_rejected();
    r.set_line(12);
    r.set_uid("x@y");
    r.set_field("dtstart");
    r.set_reason("missing (DTSTART is required)");
    return grpc::Status::OK;
  }

  absl::Mutex mu;
  std::vector<v1::SubmitEventRequest> submitted;
  std::vector<std::string> imported;
  std::vector<v1::ListEventsRequest> listed;
  std::string authorization;
  absl::Status refusal;
  int unavailable_first = 0;
  std::string own_organization;  // ListOrganizations answers this publisher, if set  // submits
                                 // answered UNAVAILABLE before one succeeds
  int events = 2;
};

// The real CLI against FakeIngest on an in-process channel: no process, no socket.
class CliTest : public ::testing::Test {
 protected:
  CliTest() {
    grpc::ServerBuilder builder;
    builder.RegisterService(&ingest_);
    server_ = builder.BuildAndStart();
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
  }
  ~CliTest() override { server_->Shutdown(); }

  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    const Environment env{
        .getenv =
            [this](const std::string& name) { return name == "BABILLARD_TOKEN" ? token_ : ""; },
        .connect =
            [this](const std::string&, const Transport& transport) {
              transports_.push_back(transport);
              return channel_;
            },
        .out = out_,
        .err = err_,
        .clock = clock_,
        .in = &in_,
    };
    return RunCli(args, env);
  }

  FakeIngest ingest_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::ostringstream out_, err_;
  std::istringstream in_;
  std::string token_ = "tok";
  std::vector<Transport> transports_;  // what each connect was asked for
  testing::FakeClock clock_;
};

TEST_F(CliTest, TlsUnlessTheAddressIsLoopbackOrPlaintextIsAsked) {
  auto tls_of = [&](std::vector<std::string> args) {
    transports_.clear();
    args.push_back("list");
    EXPECT_EQ(Run(args), kExitOk) << err_.str();
    return transports_.empty() ? std::string("none") : transports_[0].tls ? "tls" : "plaintext";
  };
  EXPECT_EQ(tls_of({}), "plaintext");  // 127.0.0.1:50051
  EXPECT_EQ(tls_of({"--addr=agenda.example.org:443"}), "tls");
  EXPECT_EQ(tls_of({"--addr=127.example.org:443"}), "tls");
  EXPECT_EQ(tls_of({"--addr=agenda.example.org:443", "--plaintext"}), "plaintext");
  EXPECT_EQ(tls_of({"--tls"}), "tls");

  const std::string ca = std::string(::testing::TempDir()) + "/cli-not-a-ca.pem";
  std::ofstream(ca) << "hello\n";
  transports_.clear();
  EXPECT_EQ(Run({"--ca=" + ca, "list"}), kExitUsage);
  EXPECT_NE(err_.str().find("--ca="), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("no PEM certificate"), std::string::npos) << err_.str();
  EXPECT_TRUE(transports_.empty());  // nothing was sent anywhere
  EXPECT_EQ(Run({"--ca=/nonexistent/ca.pem", "list"}), kExitUsage);
  EXPECT_NE(err_.str().find("--ca"), std::string::npos) << err_.str();
  EXPECT_EQ(Run({"--tls", "--plaintext", "list"}), kExitUsage);
  EXPECT_NE(err_.str().find("contradict"), std::string::npos) << err_.str();
}

TEST_F(CliTest, HelpListsEveryCommandOfTheTableAndEachCommandsFlags) {
  EXPECT_EQ(Run({"--help"}), kExitOk);
  const std::string usage = out_.str();
  for (const Command& c : Commands()) EXPECT_THAT(usage, HasSubstr(std::string(c.path)));
  EXPECT_THAT(usage, HasSubstr("Exit codes: 0"));
  for (const Command& c : Commands()) {
    std::vector<std::string> args;
    for (absl::string_view word : absl::StrSplit(std::string(c.path), ' ')) args.emplace_back(word);
    args.push_back("--help");
    ASSERT_EQ(Run(args), kExitOk) << c.path;
    for (const Flag& f : c.flags)
      EXPECT_THAT(out_.str(), HasSubstr(absl::StrCat("--", std::string(f.name)))) << c.path;
    EXPECT_THAT(out_.str(), HasSubstr(absl::StrCat("babillard ", std::string(c.example))));
    EXPECT_THAT(err_.str(), IsEmpty());
  }
  // The other spellings of help.
  EXPECT_EQ(Run({"help", "import"}), kExitOk);
  EXPECT_THAT(out_.str(), StartsWith("usage: babillard import FILE.ics"));
  EXPECT_EQ(Run({"import", "-h"}), kExitOk);
  EXPECT_THAT(out_.str(), StartsWith("usage: babillard import FILE.ics"));
  // No command at all is a usage error, the usage on stderr.
  EXPECT_EQ(Run({}), kExitUsage);
  EXPECT_THAT(err_.str(), StartsWith("usage: babillard"));
}

TEST_F(CliTest, EveryExampleInTheHelpParsesAsItsCommand) {
  for (const Command& c : Commands()) {
    std::vector<std::string> words;
    std::string example(c.example);
    // The examples quote like a shell; split like one for what they use.
    std::string word;
    bool quoted = false;
    for (char ch : example) {
      if (ch == '"') {
        quoted = !quoted;
      } else if (ch == ' ' && !quoted) {
        if (!word.empty()) words.push_back(word);
        word.clear();
      } else {
        word += ch;
      }
    }
    if (!word.empty()) words.push_back(word);
    const Command* found = FindCommand(words);
    ASSERT_NE(found, nullptr) << c.example;
    EXPECT_EQ(found->path, c.path);
    std::vector<std::string> flags;
    for (const std::string& w : words) {
      if (w.starts_with("--")) flags.push_back(w.substr(2, w.find('=') - 2));
    }
    EXPECT_EQ(UnknownFlag(c, flags), std::nullopt) << c.example;
  }
}

TEST_F(CliTest, AMistypedFlagOrCommandIsAUsageErrorThatSaysWhatWasMeant) {
  EXPECT_EQ(Run({"import", "x.ics", "--muncipality=danville"}), kExitUsage);
  EXPECT_EQ(err_.str(),
            "babillard: unknown flag --muncipality for import (did you mean --municipality?); "
            "see babillard import --help\n");
  EXPECT_THAT(out_.str(), IsEmpty());
  EXPECT_EQ(Run({"sbumit", "--title=x"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("unknown command \"sbumit\" (did you mean \"submit\"?)"));
  EXPECT_EQ(Run({"org", "craete"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("(did you mean \"org create\"?)"));
  EXPECT_EQ(Run({"webhook"}), kExitUsage);
  EXPECT_THAT(err_.str(),
              HasSubstr("webhook needs a subcommand: create, list, deliveries, delete"));
  // A flag of another command is not one of this command's.
  EXPECT_EQ(Run({"cancel", "u", "--title=x"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("unknown flag --title for cancel"));
  EXPECT_EQ(Run({"update"}), kExitUsage);
  EXPECT_EQ(err_.str(),
            "babillard: missing UID (babillard update UID); see babillard update --help\n");
  EXPECT_EQ(Run({"delete", "a", "b"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("unexpected operand \"b\" (babillard delete UID)"));
  absl::MutexLock lock(&ingest_.mu);
  EXPECT_THAT(ingest_.submitted, IsEmpty());  // nothing reached the server
}

TEST_F(CliTest, SubmitSendsTheFlagsAsFieldsAndPrintsOnlyTheUidOnStdout) {
  ASSERT_EQ(Run({"submit", "--title=Heure du conte", "--start", "2027-01-15 10:00",
                 "--tz=America/Montreal", "--category=culture,,famille", "--all_day"}),
            kExitOk)
      << err_.str();
  EXPECT_EQ(out_.str(), "biblio/new@biblio\n");
  EXPECT_EQ(err_.str(), "warning: a note for the caller\n");
  absl::MutexLock lock(&ingest_.mu);
  ASSERT_EQ(ingest_.submitted.size(), 1u);
  const v1::Event& e = ingest_.submitted[0].event();
  EXPECT_EQ(e.title().fr(), "Heure du conte");
  EXPECT_EQ(e.start().local(), "2027-01-15");  // --all_day reads as --all-day
  EXPECT_TRUE(e.start().all_day());
  EXPECT_THAT(std::vector<std::string>(e.categories().begin(), e.categories().end()),
              ::testing::ElementsAre("culture", "famille"));
  EXPECT_EQ(ingest_.authorization, "Bearer tok");
}

// #10 item 7: UNAVAILABLE after the write committed made a retried submit a second event.
TEST_F(CliTest, ASubmitWithNoAnswerIsSentAgainWithTheSameIdempotencyKey) {
  ingest_.unavailable_first = 2;
  ASSERT_EQ(Run({"submit", "--title=Conte", "--start=2027-01-15 10:00"}), kExitOk) << err_.str();
  EXPECT_EQ(out_.str(), "biblio/new@biblio\n");
  EXPECT_THAT(err_.str(), HasSubstr("trying again in 500ms"));
  EXPECT_THAT(err_.str(), HasSubstr("trying again in 1s"));
  absl::MutexLock lock(&ingest_.mu);
  ASSERT_EQ(ingest_.submitted.size(), 3u);
  const std::string& key = ingest_.submitted[0].idempotency_key();
  EXPECT_THAT(key, StartsWith("cli-"));
  EXPECT_EQ(key.size(), 4u + 32u);
  for (const v1::SubmitEventRequest& r : ingest_.submitted) EXPECT_EQ(r.idempotency_key(), key);
}

TEST_F(CliTest, EachSubmitHasItsOwnKeyAndUidIsTheEventsOwn) {
  ASSERT_EQ(Run({"submit", "--title=A", "--start=2027-01-15 10:00", "--uid=a-2027@script"}),
            kExitOk)
      << err_.str();
  ASSERT_EQ(Run({"submit", "--title=A", "--start=2027-01-15 10:00"}), kExitOk) << err_.str();
  EXPECT_EQ(Run({"submit", "--file=x.ics", "--uid=a"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--uid does not apply to --file"));
  absl::MutexLock lock(&ingest_.mu);
  ASSERT_EQ(ingest_.submitted.size(), 2u);
  EXPECT_EQ(ingest_.submitted[0].event().uid(), "a-2027@script");
  EXPECT_NE(ingest_.submitted[0].idempotency_key(), ingest_.submitted[1].idempotency_key());
}

// #13 item 2: submit --file ignored --municipality.
TEST_F(CliTest, SubmitFileTakesMunicipalityAndCategoryAsDefaultsAndRefusesTheOtherFlags) {
  in_.str("BEGIN:VEVENT\r\nUID:a@b\r\nDTSTART:20270115T100000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\n");
  ASSERT_EQ(Run({"submit", "--file=-", "--municipality=magog", "--category=culture,sport"}),
            kExitOk)
      << err_.str();
  EXPECT_EQ(Run({"submit", "--file=-", "--title=Autre"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--title does not apply to --file"));
  absl::MutexLock lock(&ingest_.mu);
  ASSERT_EQ(ingest_.submitted.size(), 1u);
  EXPECT_EQ(ingest_.submitted[0].default_municipality(), "magog");
  EXPECT_THAT(ingest_.submitted[0].default_categories(),
              ::testing::ElementsAre("culture", "sport"));
  EXPECT_THAT(ingest_.submitted[0].ical(), HasSubstr("SUMMARY:x"));
}

// #13 items 6 and 7: --version; show UID; --to includes its day.
TEST_F(CliTest, VersionShowAndAListWhoseLastDayIsIncluded) {
  ASSERT_EQ(Run({"--version"}), kExitOk);
  EXPECT_THAT(out_.str(), StartsWith("babillard 0.1.0 ("));
  ASSERT_EQ(Run({"show", "biblio/conte@biblio"}), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("title         Heure du conte / Story time\n"));
  EXPECT_THAT(out_.str(), HasSubstr("start         2027-01-15 10:00 America/Toronto\n"));
  EXPECT_THAT(out_.str(), HasSubstr("repeats       FREQ=WEEKLY;BYDAY=FR\n"));
  EXPECT_THAT(out_.str(), HasSubstr("place         Bibliothèque\n"));
  EXPECT_THAT(out_.str(), HasSubstr("version       3 (sequence 2)\n"));
  ASSERT_EQ(Run({"show", "biblio/conte@biblio", "--output=json"}), kExitOk);
  EXPECT_THAT(out_.str(), HasSubstr("\"version\":\"3\""));
  EXPECT_EQ(Run({"show", "biblio/nope"}), kExitRefused);
  EXPECT_THAT(err_.str(), HasSubstr("not found"));

  ASSERT_EQ(Run({"list", "--from=2027-01-01", "--to=2027-01-31"}), kExitOk) << err_.str();
  absl::MutexLock lock(&ingest_.mu);
  ASSERT_FALSE(ingest_.listed.empty());
  // Midnight starting February 1st in Toronto (EST, UTC-5): the 31st is in.
  EXPECT_EQ(ingest_.listed.back().filter().to_seconds(), 1801458000);
}

// #13 item 6: --output on every read command, ics for events; a choice
// spelled wrong is an error, not the table.
TEST_F(CliTest, OutputIsOneOfItsChoicesAndEventsComeOutAsICalendar) {
  ASSERT_EQ(Run({"show", "biblio/conte@biblio", "--output=ics"}), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), StartsWith("BEGIN:VCALENDAR\r\n"));
  EXPECT_THAT(out_.str(), HasSubstr("RRULE:FREQ=WEEKLY;BYDAY=FR\r\n"));
  EXPECT_THAT(out_.str(), HasSubstr("Story time"));
  ASSERT_EQ(Run({"list", "--all", "--output=ics"}), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), StartsWith("BEGIN:VCALENDAR\r\n"));
  EXPECT_THAT(out_.str(), HasSubstr("END:VCALENDAR\r\n"));
  EXPECT_EQ(Run({"list", "--output=yaml"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--output=yaml is not one of table|json|ics for list"));
  EXPECT_EQ(Run({"show", "biblio/conte@biblio", "--output=JSON"}), kExitUsage);
  {
    absl::MutexLock lock(&ingest_.mu);
    ingest_.own_organization = "biblio";
  }
  ASSERT_EQ(Run({"org", "list", "--output=json"}), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("\"organizations\""));
  EXPECT_THAT(out_.str(), HasSubstr("\"slug\":\"biblio\""));
}

// #13 item 7: a publisher's list is its own organization's events by default.
TEST_F(CliTest, APublishersListIsItsOwnUnlessItAsksForAll) {
  {
    absl::MutexLock lock(&ingest_.mu);
    ingest_.own_organization = "biblio";
    ingest_.events = 0;
  }
  ASSERT_EQ(Run({"list"}), kExitOk) << err_.str();
  EXPECT_THAT(err_.str(), HasSubstr("biblio's events; --all for the whole region"));
  ASSERT_EQ(Run({"list", "--all"}), kExitOk) << err_.str();
  absl::MutexLock lock(&ingest_.mu);
  ASSERT_EQ(ingest_.listed.size(), 2u);
  EXPECT_THAT(ingest_.listed[0].filter().organizations(), ::testing::ElementsAre("biblio"));
  EXPECT_TRUE(ingest_.listed[1].filter().organizations().empty());
}

// #13 item 4: "import -" reads the calendar from standard input.
TEST_F(CliTest, ImportDashReadsStandardInput) {
  in_.str("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
  Run({"import", "-"});
  absl::MutexLock lock(&ingest_.mu);
  ASSERT_EQ(ingest_.imported.size(), 1u) << err_.str();
  EXPECT_EQ(ingest_.imported[0], "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
}

// #13 item 4: gRPC aborted the CLI (exit 134) on a token it cannot send.
TEST_F(CliTest, ATokenPastedWithItsLineEndWorksAndOneWithAnAccentIsExplained) {
  token_ = "bab_abc\n";
  ASSERT_EQ(Run({"submit", "--title=x", "--start=2027-01-15 10:00"}), kExitOk) << err_.str();
  {
    absl::MutexLock lock(&ingest_.mu);
    EXPECT_EQ(ingest_.authorization, "Bearer bab_abc");
    ingest_.submitted.clear();
  }
  for (const std::string bad : {"bab_é", "bab_a b", "bab_\tx"}) {
    token_ = bad;
    err_.str("");
    EXPECT_EQ(Run({"submit", "--title=x", "--start=2027-01-15 10:00"}), kExitUsage) << bad;
    EXPECT_NE(err_.str().find("the token from BABILLARD_TOKEN has"), std::string::npos)
        << err_.str();
    EXPECT_NE(err_.str().find("copy it again"), std::string::npos) << err_.str();
  }
  absl::MutexLock lock(&ingest_.mu);
  EXPECT_TRUE(ingest_.submitted.empty()) << "nothing was sent";
}

// #13 item 3: "--start=2027-01-15 --end=2027-01-17 --all-day" was the 15th and 16th.
TEST_F(CliTest, AnAllDayEndIsTheLastDayAndGoesOutAsTheDayAfter) {
  ASSERT_EQ(
      Run({"submit", "--title=Carnaval", "--start=2027-01-15", "--end=2027-01-17", "--all-day"}),
      kExitOk)
      << err_.str();
  absl::MutexLock lock(&ingest_.mu);
  ASSERT_EQ(ingest_.submitted.size(), 1u);
  const v1::Event& e = ingest_.submitted[0].event();
  EXPECT_EQ(e.start().local(), "2027-01-15");
  EXPECT_EQ(e.end().local(), "2027-01-18");
  EXPECT_TRUE(e.end().all_day());
}

TEST_F(CliTest, ARefusalIsOneLineThenOneLinePerFieldAndExitOne) {
  {
    absl::MutexLock lock(&ingest_.mu);
    ingest_.refusal = BadRequestError("event.end: ends before it starts",
                                      {{"event.end", "ends before it starts"}});
  }
  EXPECT_EQ(Run({"submit", "--title=x", "--start=2027-01-15 10:00", "--end=2027-01-15 09:00"}),
            kExitRefused);
  EXPECT_EQ(err_.str(),
            "babillard: invalid argument: event.end: ends before it starts\n"
            "  event.end: ends before it starts\n");
  EXPECT_THAT(out_.str(), IsEmpty());
  EXPECT_EQ(Run({"submit", "--title=x", "--start=demain"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--start: \"demain\" is not YYYY-MM-DD HH:MM"));
  EXPECT_EQ(Run({"submit", "--file=/nonexistent/event.ics"}), kExitRefused);
  EXPECT_EQ(err_.str(), "babillard: /nonexistent/event.ics: no such file\n");
}

TEST_F(CliTest, ListReadsEveryPageFromNowInTheRegionsDays) {
  ASSERT_EQ(Run({"list"}), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("Événement 0"));
  EXPECT_THAT(out_.str(), HasSubstr("Événement 1"));
  {
    absl::MutexLock lock(&ingest_.mu);
    ASSERT_EQ(ingest_.listed.size(), 2u);
    EXPECT_EQ(ingest_.listed[0].filter().from_seconds(), absl::ToUnixSeconds(clock_.Now()));
    EXPECT_EQ(ingest_.listed[1].page_token(), "page-1");
    ingest_.listed.clear();
  }
  ASSERT_EQ(Run({"list", "--from=2027-03-01", "--output=json"}), kExitOk);
  EXPECT_THAT(out_.str(), StartsWith("[\n{"));
  {
    absl::MutexLock lock(&ingest_.mu);
    EXPECT_EQ(ingest_.listed[0].filter().from_seconds(), 1803877200);  // 2027-03-01 00:00 EST
    ingest_.events = 0;
  }
  ASSERT_EQ(Run({"list"}), kExitOk);
  EXPECT_EQ(out_.str(), "no upcoming events\n");
}

TEST_F(CliTest, ImportPrintsTheReportWithEachRejectionsLineAndField) {
  const std::string path = ::testing::TempDir() + "/cal.ics";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", f);
  std::fclose(f);
  // #13 item 1: an import that rejected events is not a silent success.
  ASSERT_EQ(Run({"import", path}), kExitPartial);
  EXPECT_EQ(out_.str(),
            "accepted 3, updated 0, unchanged 0, cancelled 0, rejected 1\n"
            "  rejected: line 12 UID x@y: dtstart: missing (DTSTART is required)\n");
  EXPECT_THAT(err_.str(), HasSubstr("1 events rejected (listed above); the others were imported"));
  EXPECT_EQ(Run({"import", path, "--partial"}), kExitOk) << "scripts accept a partial import";
  EXPECT_EQ(Run({"import", ::testing::TempDir()}), kExitRefused);
  EXPECT_THAT(err_.str(), HasSubstr("is a directory, not a file"));
}

}  // namespace
}  // namespace babillard::cli
