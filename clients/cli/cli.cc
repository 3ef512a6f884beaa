#include "clients/cli/cli.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "babillard/v1/ingest.grpc.pb.h"
#include "babillard/v1/publish.grpc.pb.h"
#include "services/common/grpc_status.h"

namespace babillard::cli {
namespace {

constexpr char kUsage[] = R"(usage: babillard [--addr=HOST:PORT] [--token=TOKEN] COMMAND ...

Events (your organization's; an admin adds --org=SLUG):
  submit --title=T [--title-en=T] --start="YYYY-MM-DD HH:MM" [--end=...] [--tz=America/Toronto]
         [--all-day] [--rrule=RULE] [--location=L] [--address=A] [--municipality=M]
         [--category=C,...] [--tag=T,...] [--url=U] [--description=D] [--description-en=D]
         [--price=P] [--status=confirmed|tentative]      prints the new event's UID
  submit --file=event.ics                                 one VEVENT (with its overrides)
  update UID [same flags as submit]                       changes only the fields given
  cancel UID [--reason=R]        stays in feeds as cancelled, SEQUENCE + 1
  delete UID
  import FILE.ics [--dry-run] [--municipality=M] [--category=C]   prints the report
  list [--org=O] [--municipality=M] [--category=C] [--from=YYYY-MM-DD] [--to=YYYY-MM-DD]
       [--tz=America/Toronto] [--output=table|json]      days start at midnight in --tz
Organizations (admin):
  org create --slug=SLUG --name=NAME [--municipality=M]   prints its token, once
  org list
  org rotate-token SLUG                                   prints the new token, once
Federated calendars:
  source add URL [--interval=SECONDS] [--municipality=M] [--category=C] [--delta]
  source list
  source remove ID
Duplicates (admin): the same event from two organizations is shown once
  split UID                      un-merges a duplicate wrongly matched
Subscriptions (babillard-publish):
  feed urls [--category=C] [--municipality=M] [--org=O] [--name=NAMED-FEED]
  feed create NAME --title=T [--title-en=T] [--category=C,...] [--municipality=M,...]
         [--org=O,...] [--tag=T,...]           a saved filter with its own URL
  feed list | feed delete NAME
  webhook create URL [--category=C] [--municipality=M] [--org=O]   prints its secret, once
  webhook list                   with each webhook's state and why it was disabled
  webhook deliveries ID          the recent attempts
  webhook delete ID
  watch [--category=C] [--municipality=M] [--org=O] [--from=CURSOR] [--count=N]
        [--output=json]          prints changes as they happen (Ctrl-C stops)
  changes [--since=CURSOR] [--category=C] [--municipality=M] [--org=O] [--page-size=N]
                                 one page of past changes, then the cursor to continue from

The token comes from --token or BABILLARD_TOKEN, the ingest address from --addr or
BABILLARD_ADDR (default 127.0.0.1:50051), the publish address from --publish-addr or
BABILLARD_PUBLISH_ADDR (default 127.0.0.1:50052); a file named by --config or
BABILLARD_CONFIG may hold token=, addr= and publish_addr= lines. Feed URLs are the ones
publish hands out (its --public-url). Every command takes --help.
)";

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;
  bool has(const std::string& name) const { return flags.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  }
};

// Flags that take no value.
bool IsSwitch(const std::string& name) {
  return name == "all-day" || name == "dry-run" || name == "delta" || name == "help";
}

std::optional<Args> Parse(const std::vector<std::string>& argv, std::ostream& err) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (!absl::StartsWith(a, "--") || a == "--") {
      args.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (!IsSwitch(name)) {
      if (i + 1 >= argv.size()) {
        err << "babillard: --" << name << " needs a value\n";
        return std::nullopt;
      }
      value = argv[++i];
    } else {
      value = "true";
    }
    std::replace(name.begin(), name.end(), '_', '-');
    args.flags[name] = value;
  }
  return args;
}

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "invalid argument";
    case grpc::StatusCode::NOT_FOUND:
      return "not found";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "already exists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "permission denied";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "not authenticated";
    case grpc::StatusCode::UNAVAILABLE:
      return "unavailable";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "timed out";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "too large";
    case grpc::StatusCode::ABORTED:
      return "changed meanwhile, retry";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "refused";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "not available yet";
    default:
      return "error";
  }
}

int Report(const grpc::Status& status, std::ostream& err, const std::string& addr,
           const std::string& service = "babillard-ingest", const std::string& flag = "--addr") {
  if (status.ok()) return 0;
  std::string message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      absl::StrContains(message, "connect")) {
    message =
        absl::StrCat("cannot reach ", service, " at ", addr, " (is it running? see ", flag, ")");
  }
  err << "babillard: " << CodeName(status.error_code()) << ": " << message << "\n";
  for (const FieldViolation& v : ViolationsOf(FromGrpcStatus(status))) {
    err << "  " << v.field << ": " << v.description << "\n";
  }
  return 1;
}

// "2026-07-01 19:00", "2026-07-01T19:00[:00]" or a date.
std::optional<std::pair<std::string, bool>> ParseWhen(const std::string& text, bool all_day) {
  std::string t = text;
  std::replace(t.begin(), t.end(), ' ', 'T');
  absl::CivilSecond second;
  absl::CivilMinute minute;
  absl::CivilDay day;
  if (all_day || t.size() == 10) {
    if (!absl::ParseCivilTime(t.substr(0, 10), &day)) return std::nullopt;
    return std::make_pair(absl::FormatCivilTime(day), true);
  }
  if (absl::ParseCivilTime(t, &second)) return std::make_pair(absl::FormatCivilTime(second), false);
  if (absl::ParseCivilTime(t, &minute))
    return std::make_pair(absl::FormatCivilTime(absl::CivilSecond(minute)), false);
  return std::nullopt;
}

class Cli {
 public:
  Cli(Args args, const std::function<std::string(const std::string&)>& getenv, std::ostream& out,
      std::ostream& err)
      : args_(std::move(args)), out_(out), err_(err) {
    std::map<std::string, std::string> config;
    std::string path = args_.get("config", getenv("BABILLARD_CONFIG"));
    if (!path.empty()) {
      std::ifstream in(path);
      std::string line;
      while (std::getline(in, line)) {
        size_t eq = line.find('=');
        if (eq != std::string::npos && !absl::StartsWith(line, "#")) {
          config[std::string(absl::StripAsciiWhitespace(line.substr(0, eq)))] =
              std::string(absl::StripAsciiWhitespace(line.substr(eq + 1)));
        }
      }
    }
    auto pick = [&](const std::string& flag, const std::string& env, const std::string& key,
                    const std::string& def) {
      if (args_.has(flag)) return args_.get(flag);
      if (std::string v = getenv(env); !v.empty()) return v;
      if (config.count(key)) return config[key];
      return def;
    };
    token_ = pick("token", "BABILLARD_TOKEN", "token", "");
    addr_ = pick("addr", "BABILLARD_ADDR", "addr", "127.0.0.1:50051");
    publish_addr_ =
        pick("publish-addr", "BABILLARD_PUBLISH_ADDR", "publish_addr", "127.0.0.1:50052");
    stub_ = v1::Ingest::NewStub(grpc::CreateChannel(addr_, grpc::InsecureChannelCredentials()));
    publish_ = v1::Publish::NewStub(
        grpc::CreateChannel(publish_addr_, grpc::InsecureChannelCredentials()));
  }

  int Run() {
    if (args_.positional.empty()) {
      (args_.has("help") ? out_ : err_) << kUsage;
      return args_.has("help") ? 0 : 2;
    }
    const std::string command = args_.positional[0];
    const std::string sub = args_.positional.size() > 1 ? args_.positional[1] : "";
    if (args_.has("help")) {
      out_ << kUsage;
      return 0;
    }
    if (command == "submit") return Submit();
    if (command == "update") return Update();
    if (command == "cancel") return Cancel();
    if (command == "delete") return Delete();
    if (command == "import") return Import();
    if (command == "list") return List();
    if (command == "org" && sub == "create") return OrgCreate();
    if (command == "org" && sub == "list") return OrgList();
    if (command == "org" && sub == "rotate-token") return OrgRotate();
    if (command == "source" && sub == "add") return SourceAdd();
    if (command == "source" && sub == "list") return SourceList();
    if (command == "source" && sub == "remove") return SourceRemove();
    if (command == "source" && sub == "poll") return SourcePoll();
    if (command == "feed" && sub == "urls") return FeedUrls();
    if (command == "split") return Split();
    if (command == "feed" && sub == "create") return FeedCreate();
    if (command == "feed" && sub == "list") return FeedList();
    if (command == "feed" && sub == "delete") return FeedDelete();
    if (command == "webhook" && sub == "create") return WebhookCreate();
    if (command == "webhook" && sub == "list") return WebhookList();
    if (command == "webhook" && sub == "deliveries") return WebhookDeliveries();
    if (command == "webhook" && sub == "delete") return WebhookDelete();
    if (command == "watch") return Watch();
    if (command == "changes") return Changes();
    err_ << "babillard: unknown command \"" << absl::StrJoin(args_.positional, " ")
         << "\"; see babillard --help\n";
    return 2;
  }

 private:
  void Prepare(grpc::ClientContext& context, int seconds = 30) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
    if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
  }
  int Fail(const grpc::Status& status) { return Report(status, err_, addr_); }
  int Usage(const std::string& message) {
    err_ << "babillard: " << message << "; see babillard --help\n";
    return 2;
  }
  int FailPublish(const grpc::Status& status) {
    return Report(status, err_, publish_addr_, "babillard-publish", "--publish-addr");
  }
  std::string Arg(size_t i) const { return i < args_.positional.size() ? args_.positional[i] : ""; }

  // Applies the event flags given; false (with a message) on a bad value.
  bool ApplyFlags(v1::Event& e) {
    if (args_.has("title")) e.mutable_title()->set_fr(args_.get("title"));
    if (args_.has("title-en")) e.mutable_title()->set_en(args_.get("title-en"));
    if (args_.has("description")) e.mutable_description()->set_fr(args_.get("description"));
    if (args_.has("description-en")) e.mutable_description()->set_en(args_.get("description-en"));
    const bool all_day = args_.has("all-day") || (e.start().all_day() && !args_.has("start"));
    const std::string tz =
        args_.get("tz", e.start().time_zone().empty() ? "America/Toronto" : e.start().time_zone());
    for (const char* flag : {"start", "end"}) {
      if (!args_.has(flag)) continue;
      v1::EventTime* time = std::string(flag) == "start" ? e.mutable_start() : e.mutable_end();
      auto when = ParseWhen(args_.get(flag), all_day);
      if (!when.has_value()) {
        err_ << "babillard: --" << flag << ": \"" << args_.get(flag)
             << "\" is not YYYY-MM-DD HH:MM\n";
        return false;
      }
      time->set_local(when->first);
      time->set_all_day(when->second);
      time->set_time_zone(when->second ? "" : tz);
    }
    if (args_.has("tz")) {
      if (!e.start().all_day()) e.mutable_start()->set_time_zone(tz);
      if (e.has_end() && !e.end().all_day()) e.mutable_end()->set_time_zone(tz);
    }
    if (args_.has("rrule")) e.set_rrule(args_.get("rrule"));
    if (args_.has("location")) e.mutable_location()->set_name(args_.get("location"));
    if (args_.has("address")) e.mutable_location()->set_address(args_.get("address"));
    if (args_.has("municipality"))
      e.mutable_location()->set_municipality(args_.get("municipality"));
    if (args_.has("category")) {
      e.clear_categories();
      for (absl::string_view c : absl::StrSplit(args_.get("category"), ',', absl::SkipEmpty()))
        e.add_categories(std::string(c));
    }
    if (args_.has("tag")) {
      e.clear_tags();
      for (absl::string_view t : absl::StrSplit(args_.get("tag"), ',', absl::SkipEmpty()))
        e.add_tags(std::string(t));
    }
    if (args_.has("url")) e.set_url(args_.get("url"));
    if (args_.has("price")) e.mutable_price()->set_fr(args_.get("price"));
    if (args_.has("status")) {
      const std::string s = absl::AsciiStrToLower(args_.get("status"));
      if (s == "confirmed")
        e.set_status(v1::Event::STATUS_CONFIRMED);
      else if (s == "tentative")
        e.set_status(v1::Event::STATUS_TENTATIVE);
      else {
        err_ << "babillard: --status: \"" << s
             << "\" is not confirmed or tentative (use cancel to cancel)\n";
        return false;
      }
    }
    return true;
  }

  std::optional<std::string> ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      err_ << "babillard: cannot read " << path << "\n";
      return std::nullopt;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }

  int Submit() {
    v1::SubmitEventRequest request;
    request.set_organization(args_.get("org"));
    if (args_.has("file")) {
      std::optional<std::string> text = ReadFile(args_.get("file"));
      if (!text) return 1;
      request.set_ical(*text);
    } else {
      if (!args_.has("title") && !args_.has("title-en"))
        return Usage("submit needs --title (or --file)");
      if (!args_.has("start")) return Usage("submit needs --start");
      if (!ApplyFlags(*request.mutable_event())) return 2;
    }
    grpc::ClientContext context;
    Prepare(context);
    v1::SubmitEventResponse response;
    if (grpc::Status s = stub_->SubmitEvent(&context, request, &response); !s.ok()) return Fail(s);
    for (const std::string& w : response.warnings()) err_ << "warning: " << w << "\n";
    out_ << response.event().uid() << "\n";
    return 0;
  }

  int Update() {
    if (Arg(1).empty()) return Usage("update needs a UID");
    v1::UpdateEventRequest request;
    if (args_.has("file")) {
      std::optional<std::string> text = ReadFile(args_.get("file"));
      if (!text) return 1;
      request.set_ical(*text);
    } else {
      grpc::ClientContext get_context;
      Prepare(get_context);
      v1::GetEventRequest get;
      get.set_uid(Arg(1));
      v1::GetEventResponse got;
      if (grpc::Status s = stub_->GetEvent(&get_context, get, &got); !s.ok()) return Fail(s);
      const v1::Event& current = got.event();
      request.set_expected_version(got.version());
      *request.mutable_event() = current;
      request.mutable_event()->clear_overrides();
      if (!ApplyFlags(*request.mutable_event())) return 2;
      for (const v1::Event& o : current.overrides()) *request.mutable_event()->add_overrides() = o;
    }
    grpc::ClientContext context;
    Prepare(context);
    v1::UpdateEventResponse response;
    if (grpc::Status s = stub_->UpdateEvent(&context, request, &response); !s.ok()) return Fail(s);
    out_ << response.event().uid() << " updated (sequence " << response.event().sequence() << ")\n";
    return 0;
  }

  int Cancel() {
    if (Arg(1).empty()) return Usage("cancel needs a UID");
    v1::CancelEventRequest request;
    request.set_uid(Arg(1));
    request.set_reason(args_.get("reason"));
    grpc::ClientContext context;
    Prepare(context);
    v1::CancelEventResponse response;
    if (grpc::Status s = stub_->CancelEvent(&context, request, &response); !s.ok()) return Fail(s);
    out_ << response.event().uid() << " cancelled (sequence " << response.event().sequence()
         << ")\n";
    return 0;
  }

  int Delete() {
    if (Arg(1).empty()) return Usage("delete needs a UID");
    v1::DeleteEventRequest request;
    request.set_uid(Arg(1));
    grpc::ClientContext context;
    Prepare(context);
    v1::DeleteEventResponse response;
    if (grpc::Status s = stub_->DeleteEvent(&context, request, &response); !s.ok()) return Fail(s);
    out_ << Arg(1) << " deleted\n";
    return 0;
  }

  int Import() {
    if (Arg(1).empty()) return Usage("import needs a FILE.ics");
    std::optional<std::string> bytes = ReadFile(Arg(1));
    if (!bytes) return 1;
    v1::ImportCalendarRequest request;
    request.set_ics(*bytes);
    request.set_organization(args_.get("org"));
    request.set_default_municipality(args_.get("municipality"));
    for (absl::string_view c : absl::StrSplit(args_.get("category"), ',', absl::SkipEmpty())) {
      request.add_default_categories(std::string(c));
    }
    request.set_dry_run(args_.has("dry-run"));
    grpc::ClientContext context;
    Prepare(context, 300);
    v1::ImportReport report;
    if (grpc::Status s = stub_->ImportCalendar(&context, request, &report); !s.ok()) return Fail(s);
    out_ << (request.dry_run() ? "dry run: " : "") << "accepted " << report.accepted()
         << ", updated " << report.updated() << ", unchanged " << report.unchanged()
         << ", cancelled " << report.cancelled() << ", rejected " << report.rejected_size() << "\n";
    for (const v1::Rejection& r : report.rejected()) {
      out_ << "  rejected: line " << r.line() << (r.uid().empty() ? "" : " UID " + r.uid()) << ": "
           << r.field() << ": " << r.reason() << "\n";
    }
    for (const std::string& w : report.warnings()) out_ << "  warning: " << w << "\n";
    return 0;
  }

  int List() {
    v1::ListEventsRequest request;
    v1::Filter* f = request.mutable_filter();
    if (args_.has("org")) f->add_organizations(args_.get("org"));
    for (absl::string_view m : absl::StrSplit(args_.get("municipality"), ',', absl::SkipEmpty()))
      f->add_municipalities(std::string(m));
    for (absl::string_view c : absl::StrSplit(args_.get("category"), ',', absl::SkipEmpty()))
      f->add_categories(std::string(c));
    absl::CivilDay day;
    const absl::Time now = absl::Now();
    f->set_from_seconds(absl::ToUnixSeconds(now));  // upcoming by default
    // Days are the region's days (midnight in --tz), as a resident reads them.
    absl::TimeZone zone;
    if (!absl::LoadTimeZone(args_.get("tz", "America/Toronto"), &zone))
      return Usage("--tz: unknown time zone");
    if (args_.has("from")) {
      if (!absl::ParseCivilTime(args_.get("from"), &day)) return Usage("--from is YYYY-MM-DD");
      f->set_from_seconds(absl::ToUnixSeconds(absl::FromCivil(day, zone)));
    }
    if (args_.has("to")) {
      if (!absl::ParseCivilTime(args_.get("to"), &day)) return Usage("--to is YYYY-MM-DD");
      f->set_to_seconds(absl::ToUnixSeconds(absl::FromCivil(day, zone)));
    }
    request.set_page_size(200);
    const bool json = args_.get("output", "table") == "json";
    if (json) out_ << "[";
    bool first = true;
    do {
      grpc::ClientContext context;
      Prepare(context);
      v1::ListEventsResponse page;
      if (grpc::Status s = stub_->ListEvents(&context, request, &page); !s.ok()) return Fail(s);
      for (const v1::Event& e : page.events()) {
        if (json) {
          std::string text;
          (void)google::protobuf::util::MessageToJsonString(e, &text);
          out_ << (first ? "" : ",") << "\n" << text;
        } else {
          if (first)
            out_ << std::left << std::setw(20) << "START" << std::setw(18) << "MUNICIPALITY"
                 << std::setw(11) << "STATUS"
                 << "TITLE / UID\n";
          const std::string title = e.title().fr().empty() ? e.title().en() : e.title().fr();
          const std::string status = e.status() == v1::Event::STATUS_CANCELLED   ? "cancelled"
                                     : e.status() == v1::Event::STATUS_TENTATIVE ? "tentative"
                                                                                 : "confirmed";
          out_ << std::left << std::setw(20) << e.start().local().substr(0, 16) << std::setw(18)
               << e.location().municipality() << std::setw(11) << status << title << "\n"
               << std::setw(49) << "" << e.uid() << "\n";
          if (!e.duplicate_of().empty())
            out_ << std::setw(49) << ""
                 << "same event as " << e.duplicate_of() << "\n";
          if (e.provenance_size() > 1) {
            std::vector<std::string> orgs;
            for (const v1::Provenance& p : e.provenance()) orgs.push_back(p.organization());
            out_ << std::setw(49) << ""
                 << "published by " << absl::StrJoin(orgs, ", ") << "\n";
          }
        }
        first = false;
      }
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    if (json)
      out_ << (first ? "]\n" : "\n]\n");
    else if (first)
      out_ << "no upcoming events\n";
    return 0;
  }

  int OrgCreate() {
    if (!args_.has("slug") || !args_.has("name"))
      return Usage("org create needs --slug and --name");
    v1::CreateOrganizationRequest request;
    request.mutable_organization()->set_slug(args_.get("slug"));
    request.mutable_organization()->set_name(args_.get("name"));
    request.mutable_organization()->set_municipality(args_.get("municipality"));
    grpc::ClientContext context;
    Prepare(context);
    v1::CreateOrganizationResponse response;
    if (grpc::Status s = stub_->CreateOrganization(&context, request, &response); !s.ok())
      return Fail(s);
    out_ << "organization " << response.organization().slug() << " created\n"
         << "token: " << response.token() << "\n"
         << "This token is shown once. Give it to " << response.organization().name()
         << "; they use it as BABILLARD_TOKEN.\n";
    return 0;
  }

  int OrgList() {
    grpc::ClientContext context;
    Prepare(context);
    v1::ListOrganizationsResponse response;
    if (grpc::Status s =
            stub_->ListOrganizations(&context, v1::ListOrganizationsRequest(), &response);
        !s.ok()) {
      return Fail(s);
    }
    for (const v1::Organization& o : response.organizations()) {
      out_ << std::left << std::setw(32) << o.slug() << std::setw(20) << o.municipality()
           << o.name() << "\n";
    }
    return 0;
  }

  int OrgRotate() {
    if (Arg(2).empty()) return Usage("org rotate-token needs a SLUG");
    v1::RotateTokenRequest request;
    request.set_slug(Arg(2));
    grpc::ClientContext context;
    Prepare(context);
    v1::RotateTokenResponse response;
    if (grpc::Status s = stub_->RotateToken(&context, request, &response); !s.ok()) return Fail(s);
    out_ << "token: " << response.token()
         << "\nThe previous token no longer works. This one is shown once.\n";
    return 0;
  }

  int SourceAdd() {
    if (Arg(2).empty()) return Usage("source add needs a URL");
    v1::AddSourceRequest request;
    v1::Source* s = request.mutable_source();
    s->set_url(Arg(2));
    s->set_organization(args_.get("org"));
    s->set_default_municipality(args_.get("municipality"));
    for (absl::string_view c : absl::StrSplit(args_.get("category"), ',', absl::SkipEmpty()))
      s->add_default_categories(std::string(c));
    int interval = 0;
    if (args_.has("interval") && !absl::SimpleAtoi(args_.get("interval"), &interval))
      return Usage("--interval is seconds");
    s->set_poll_interval_seconds(interval);
    s->set_mode(args_.has("delta") ? v1::Source::MODE_DELTA : v1::Source::MODE_FULL_SNAPSHOT);
    grpc::ClientContext context;
    Prepare(context);
    v1::Source response;
    if (grpc::Status st = stub_->AddSource(&context, request, &response); !st.ok()) return Fail(st);
    out_ << response.id() << "\n";
    return 0;
  }

  int SourceList() {
    grpc::ClientContext context;
    Prepare(context);
    v1::ListSourcesResponse response;
    if (grpc::Status s = stub_->ListSources(&context, v1::ListSourcesRequest(), &response); !s.ok())
      return Fail(s);
    for (const v1::Source& s : response.sources()) {
      const char* health = s.health() == v1::Source::HEALTH_OK         ? "ok"
                           : s.health() == v1::Source::HEALTH_FLAGGED  ? "FLAGGED"
                           : s.health() == v1::Source::HEALTH_DISABLED ? "disabled"
                                                                       : "not polled yet";
      out_ << std::left << std::setw(10) << s.id() << std::setw(24) << s.organization()
           << std::setw(16) << health << s.url()
           << (s.health_reason().empty() ? "" : "  (" + s.health_reason() + ")") << "\n";
    }
    return 0;
  }

  int SourcePoll() {
    if (Arg(2).empty()) return Usage("source poll needs an ID");
    v1::PollSourceRequest request;
    request.set_id(Arg(2));
    grpc::ClientContext context;
    Prepare(context, 300);
    v1::ImportReport report;
    if (grpc::Status s = stub_->PollSource(&context, request, &report); !s.ok()) return Fail(s);
    out_ << "accepted " << report.accepted() << ", updated " << report.updated() << ", unchanged "
         << report.unchanged() << ", cancelled " << report.cancelled() << ", rejected "
         << report.rejected_size() << "\n";
    for (const std::string& w : report.warnings()) out_ << "  " << w << "\n";
    return 0;
  }

  int SourceRemove() {
    if (Arg(2).empty()) return Usage("source remove needs an ID");
    v1::RemoveSourceRequest request;
    request.set_id(Arg(2));
    grpc::ClientContext context;
    Prepare(context);
    v1::RemoveSourceResponse response;
    if (grpc::Status s = stub_->RemoveSource(&context, request, &response); !s.ok()) return Fail(s);
    out_ << Arg(2) << " removed (its events stay)\n";
    return 0;
  }

  int Split() {
    if (Arg(1).empty()) return Usage("split needs the UID of a merged duplicate");
    v1::SplitDuplicateRequest request;
    request.set_uid(Arg(1));
    if (args_.has("org")) {
      request.mutable_provenance()->set_organization(args_.get("org"));
      request.mutable_provenance()->set_source_uid(args_.get("source-uid"));
    }
    grpc::ClientContext context;
    Prepare(context);
    v1::SplitDuplicateResponse response;
    if (grpc::Status s = stub_->SplitDuplicate(&context, request, &response); !s.ok())
      return Fail(s);
    out_ << response.event().uid() << " is its own event again\n";
    return 0;
  }

  // The subscription URLs, as publish builds them (from its --public-url).
  int FeedUrls() {
    v1::GetFeedUrlsRequest request;
    request.set_named_feed(args_.get("name"));
    if (request.named_feed().empty()) *request.mutable_filter() = FilterFromFlags();
    grpc::ClientContext context;
    Prepare(context);
    v1::GetFeedUrlsResponse urls;
    if (grpc::Status s = publish_->GetFeedUrls(&context, request, &urls); !s.ok())
      return FailPublish(s);
    out_ << "French:   " << urls.ics_fr() << "\n"
         << "English:  " << urls.ics_en() << "\n"
         << "JSON:     " << urls.json() << "\n"
         << "One-click (Apple, Outlook): " << urls.webcal() << "\n";
    return 0;
  }

  // --category, --municipality, --org and --tag as a Filter.
  v1::Filter FilterFromFlags() const {
    v1::Filter f;
    const auto split = [&](const char* flag, auto* list) {
      for (absl::string_view v : absl::StrSplit(args_.get(flag), ',', absl::SkipEmpty()))
        list->Add(std::string(v));
    };
    split("category", f.mutable_categories());
    split("municipality", f.mutable_municipalities());
    split("org", f.mutable_organizations());
    split("tag", f.mutable_tags());
    return f;
  }

  int FeedCreate() {
    if (Arg(2).empty() || !args_.has("title"))
      return Usage("feed create NAME --title=TITLE [filters]");
    v1::CreateNamedFeedRequest request;
    v1::NamedFeed* feed = request.mutable_feed();
    feed->set_name(Arg(2));
    feed->mutable_title()->set_fr(args_.get("title"));
    feed->mutable_title()->set_en(args_.get("title-en"));
    *feed->mutable_filter() = FilterFromFlags();
    if (args_.has("owner")) feed->set_organization(args_.get("owner"));
    grpc::ClientContext context;
    Prepare(context);
    v1::NamedFeed created;
    if (grpc::Status s = publish_->CreateNamedFeed(&context, request, &created); !s.ok())
      return FailPublish(s);
    out_ << "named feed \"" << created.name() << "\" created\n";
    args_.flags = {{"name", created.name()}};
    return FeedUrls();
  }

  int FeedList() {
    grpc::ClientContext context;
    Prepare(context);
    v1::ListNamedFeedsResponse response;
    if (grpc::Status s = publish_->ListNamedFeeds(&context, v1::ListNamedFeedsRequest(), &response);
        !s.ok()) {
      return FailPublish(s);
    }
    out_ << std::left << std::setw(24) << "NAME" << std::setw(16) << "OWNER"
         << "TITLE / URL\n";
    for (const v1::NamedFeed& f : response.feeds()) {
      out_ << std::setw(24) << f.name() << std::setw(16) << f.organization() << f.title().fr()
           << "\n";
      v1::GetFeedUrlsRequest request;
      request.set_named_feed(f.name());
      grpc::ClientContext url_context;
      Prepare(url_context);
      v1::GetFeedUrlsResponse urls;
      if (publish_->GetFeedUrls(&url_context, request, &urls).ok())
        out_ << std::setw(40) << "" << urls.ics_fr() << "\n";
    }
    return 0;
  }

  int FeedDelete() {
    if (Arg(2).empty()) return Usage("feed delete NAME");
    v1::DeleteNamedFeedRequest request;
    request.set_name(Arg(2));
    grpc::ClientContext context;
    Prepare(context);
    v1::DeleteNamedFeedResponse response;
    if (grpc::Status s = publish_->DeleteNamedFeed(&context, request, &response); !s.ok())
      return FailPublish(s);
    out_ << "named feed \"" << Arg(2) << "\" deleted\n";
    return 0;
  }

  int WebhookCreate() {
    if (Arg(2).empty()) return Usage("webhook create URL [filters]");
    v1::CreateWebhookRequest request;
    request.mutable_webhook()->set_url(Arg(2));
    *request.mutable_webhook()->mutable_filter() = FilterFromFlags();
    if (args_.has("owner")) request.mutable_webhook()->set_organization(args_.get("owner"));
    grpc::ClientContext context;
    Prepare(context);
    v1::Webhook created;
    if (grpc::Status s = publish_->CreateWebhook(&context, request, &created); !s.ok())
      return FailPublish(s);
    out_ << "webhook " << created.id() << " created for " << created.url() << "\n"
         << "signing secret (shown once; verify webhook-signature with it): " << created.secret()
         << "\n";
    return 0;
  }

  int WebhookList() {
    v1::ListWebhooksRequest request;
    grpc::ClientContext context;
    Prepare(context);
    v1::ListWebhooksResponse response;
    if (grpc::Status s = publish_->ListWebhooks(&context, request, &response); !s.ok())
      return FailPublish(s);
    if (args_.get("output") == "json") return PrintJson(response);
    out_ << std::left << std::setw(10) << "ID" << std::setw(16) << "OWNER" << std::setw(10)
         << "STATE" << std::setw(10) << "FAILURES"
         << "URL\n";
    for (const v1::Webhook& w : response.webhooks()) {
      out_ << std::setw(10) << w.id() << std::setw(16) << w.organization() << std::setw(10)
           << (w.enabled() ? "active" : "DISABLED") << std::setw(10) << w.consecutive_failures()
           << w.url() << "\n";
      if (!w.enabled())
        out_ << std::setw(10) << ""
             << "disabled: " << w.disabled_reason() << "\n";
    }
    return 0;
  }

  int WebhookDeliveries() {
    if (Arg(2).empty()) return Usage("webhook deliveries ID");
    v1::ListDeliveriesRequest request;
    request.set_webhook_id(Arg(2));
    grpc::ClientContext context;
    Prepare(context);
    v1::ListDeliveriesResponse response;
    if (grpc::Status s = publish_->ListDeliveries(&context, request, &response); !s.ok())
      return FailPublish(s);
    if (args_.get("output") == "json") return PrintJson(response);
    out_ << std::left << std::setw(22) << "WHEN (UTC)" << std::setw(20) << "MESSAGE" << std::setw(9)
         << "ATTEMPT" << std::setw(8) << "STATUS"
         << "TIME / ERROR\n";
    for (const v1::Delivery& d : response.deliveries()) {
      out_ << std::setw(22)
           << absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(d.attempted_at_ms()),
                               absl::UTCTimeZone())
           << std::setw(20) << d.message_id() << std::setw(9) << d.attempt() << std::setw(8)
           << (d.http_status() == 0 ? std::string("-") : std::to_string(d.http_status()))
           << (d.error().empty() ? absl::StrCat(d.duration_ms(), " ms") : d.error()) << "\n";
    }
    return 0;
  }

  int WebhookDelete() {
    if (Arg(2).empty()) return Usage("webhook delete ID");
    v1::DeleteWebhookRequest request;
    request.set_id(Arg(2));
    grpc::ClientContext context;
    Prepare(context);
    v1::DeleteWebhookResponse response;
    if (grpc::Status s = publish_->DeleteWebhook(&context, request, &response); !s.ok())
      return FailPublish(s);
    out_ << "webhook " << Arg(2) << " deleted\n";
    return 0;
  }

  template <typename Message>
  int PrintJson(const Message& message) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(message, &json, options);
    out_ << json << "\n";
    return 0;
  }

  void PrintChange(const v1::Change& c) {
    if (args_.get("output") == "json") {
      PrintJson(c);
    } else {
      const std::string name = v1::Change::Kind_Name(c.kind());
      absl::string_view kind(name);
      absl::ConsumePrefix(&kind, "KIND_");
      if (c.kind() == v1::Change::KIND_SOURCE_FLAGGED) {
        out_ << c.cursor() << "  source_flagged  " << c.source().id() << "  " << c.source().url()
             << "  " << c.source().health_reason() << "\n";
      } else {
        out_ << c.cursor() << "  " << absl::AsciiStrToLower(kind) << "  " << c.event().uid() << "  "
             << c.event().start().local() << "  " << c.event().title().fr() << "\n";
      }
    }
    out_.flush();
  }

  int Watch() {
    v1::SubscribeRequest request;
    *request.mutable_filter() = FilterFromFlags();
    request.set_from_cursor(args_.get("from"));
    int64_t count = 0;
    if (args_.has("count") && !absl::SimpleAtoi(args_.get("count"), &count))
      return Usage("--count: a number");
    grpc::ClientContext context;
    if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
    std::unique_ptr<grpc::ClientReader<v1::Change>> reader = publish_->Subscribe(&context, request);
    v1::Change change;
    int64_t seen = 0;
    while (reader->Read(&change)) {
      PrintChange(change);
      if (count > 0 && ++seen >= count) {
        context.TryCancel();
        return 0;
      }
    }
    grpc::Status status = reader->Finish();
    if (status.ok()) return 0;
    return FailPublish(status);
  }

  int Changes() {
    v1::ListChangesRequest request;
    *request.mutable_filter() = FilterFromFlags();
    request.set_since(args_.get("since"));
    int page_size = 0;
    if (args_.has("page-size") && !absl::SimpleAtoi(args_.get("page-size"), &page_size)) {
      return Usage("--page-size: a number");
    }
    request.set_page_size(page_size);
    grpc::ClientContext context;
    Prepare(context);
    v1::ListChangesResponse response;
    if (grpc::Status s = publish_->ListChanges(&context, request, &response); !s.ok())
      return FailPublish(s);
    if (args_.get("output") == "json") return PrintJson(response);
    for (const v1::Change& c : response.changes()) PrintChange(c);
    out_ << "next: --since=" << response.next_cursor() << (response.more() ? " (more)" : "")
         << "\n";
    return 0;
  }

  Args args_;
  std::ostream& out_;
  std::ostream& err_;
  std::string token_, addr_, publish_addr_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
  std::unique_ptr<v1::Publish::Stub> publish_;
};

}  // namespace

int RunCli(const std::vector<std::string>& argv,
           const std::function<std::string(const std::string&)>& getenv, std::ostream& out,
           std::ostream& err) {
  std::optional<Args> args = Parse(argv, err);
  if (!args) return 2;
  return Cli(*std::move(args), getenv, out, err).Run();
}

}  // namespace babillard::cli
