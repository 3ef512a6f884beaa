#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <iomanip>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "clients/cli/handlers.h"
#include "clients/cli/session.h"

namespace babillard::cli {
namespace {

// `bytes` random bytes in hex (std::random_device reads the kernel's).
std::string RandomHex(int bytes) {
  std::random_device device;
  std::string out;
  for (int i = 0; i < bytes; ++i)
    absl::StrAppend(&out, absl::Hex(device() & 0xff, absl::kZeroPad2));
  return out;
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

// Applies the event flags given; false (with a message) on a bad value.
bool ApplyFlags(Session& cli, v1::Event& e) {
  if (cli.args().has("title")) e.mutable_title()->set_fr(cli.args().get("title"));
  if (cli.args().has("title-en")) e.mutable_title()->set_en(cli.args().get("title-en"));
  if (cli.args().has("description")) e.mutable_description()->set_fr(cli.args().get("description"));
  if (cli.args().has("description-en"))
    e.mutable_description()->set_en(cli.args().get("description-en"));
  const bool all_day =
      cli.args().has("all-day") || (e.start().all_day() && !cli.args().has("start"));
  const std::string tz = cli.args().get(
      "tz", e.start().time_zone().empty() ? "America/Toronto" : e.start().time_zone());
  for (const char* flag : {"start", "end"}) {
    if (!cli.args().has(flag)) continue;
    v1::EventTime* time = std::string(flag) == "start" ? e.mutable_start() : e.mutable_end();
    auto when = ParseWhen(cli.args().get(flag), all_day);
    if (!when.has_value()) {
      cli.err() << "babillard: --" << flag << ": \"" << cli.args().get(flag)
                << "\" is not YYYY-MM-DD HH:MM\n";
      return false;
    }
    time->set_local(when->first);
    time->set_all_day(when->second);
    time->set_time_zone(when->second ? "" : tz);
    if (std::string(flag) == "end" && when->second) {
      // People name an all-day event's last day; iCalendar's DTEND is the day after.
      absl::CivilDay last;
      (void)absl::ParseCivilTime(when->first, &last);
      time->set_local(absl::FormatCivilTime(last + 1));
    }
  }
  if (cli.args().has("tz")) {
    if (!e.start().all_day()) e.mutable_start()->set_time_zone(tz);
    if (e.has_end() && !e.end().all_day()) e.mutable_end()->set_time_zone(tz);
  }
  if (cli.args().has("rrule")) e.set_rrule(cli.args().get("rrule"));
  if (cli.args().has("location")) e.mutable_location()->set_name(cli.args().get("location"));
  if (cli.args().has("address")) e.mutable_location()->set_address(cli.args().get("address"));
  if (cli.args().has("municipality"))
    e.mutable_location()->set_municipality(cli.args().get("municipality"));
  if (cli.args().has("category")) {
    const std::vector<std::string> categories = cli.args().list("category");
    *e.mutable_categories() = {categories.begin(), categories.end()};
  }
  if (cli.args().has("tag")) {
    const std::vector<std::string> tags = cli.args().list("tag");
    *e.mutable_tags() = {tags.begin(), tags.end()};
  }
  if (cli.args().has("url")) e.set_url(cli.args().get("url"));
  if (cli.args().has("price")) e.mutable_price()->set_fr(cli.args().get("price"));
  if (cli.args().has("status")) {
    const std::string s = absl::AsciiStrToLower(cli.args().get("status"));
    if (s == "confirmed")
      e.set_status(v1::Event::STATUS_CONFIRMED);
    else if (s == "tentative")
      e.set_status(v1::Event::STATUS_TENTATIVE);
    else {
      cli.err() << "babillard: --status: \"" << s
                << "\" is not confirmed or tentative (use cancel to cancel)\n";
      return false;
    }
  }
  return true;
}

}  // namespace

int Submit(Session& cli) {
  if (cli.args().has("uid") && cli.args().has("file"))
    return cli.Usage("--uid does not apply to --file: its UID: line is the event's");
  v1::SubmitEventRequest request;
  request.set_organization(cli.args().get("org"));
  if (cli.args().has("file")) {
    // The file says what the event is; --municipality and --category are
    // what it gets if it names none, as for import. The rest would be lost.
    for (const char* flag :
         {"title", "title-en", "start", "end", "tz", "all-day", "rrule", "location", "address",
          "tag", "url", "description", "description-en", "price", "status"}) {
      if (cli.args().has(flag)) {
        return cli.Usage(
            absl::StrCat("--", flag, " does not apply to --file: the file's VEVENT says it"));
      }
    }
    std::optional<std::string> text = cli.ReadInput(cli.args().get("file"));
    if (!text) return kExitRefused;
    request.set_ical(*text);
    request.set_default_municipality(cli.args().get("municipality"));
    const std::vector<std::string> categories = cli.args().list("category");
    *request.mutable_default_categories() = {categories.begin(), categories.end()};
  } else {
    if (!cli.args().has("title") && !cli.args().has("title-en"))
      return cli.Usage("submit needs --title (or --file)");
    if (!cli.args().has("start")) return cli.Usage("submit needs --start");
    if (!ApplyFlags(cli, *request.mutable_event())) return kExitUsage;
  }
  if (cli.args().has("uid")) request.mutable_event()->set_uid(cli.args().get("uid"));
  // A retry after a lost answer gives back the event the first try created.
  request.set_idempotency_key(absl::StrCat("cli-", RandomHex(16)));
  v1::SubmitEventResponse response;
  if (int rc = cli.IngestRetrying(&v1::Ingest::Stub::SubmitEvent, request, response)) return rc;
  for (const std::string& w : response.warnings()) cli.err() << "warning: " << w << "\n";
  cli.out() << response.event().uid() << "\n";
  return kExitOk;
}

int Update(Session& cli) {
  v1::UpdateEventRequest request;
  if (cli.args().has("file")) {
    std::optional<std::string> text = cli.ReadInput(cli.args().get("file"));
    if (!text) return kExitRefused;
    request.set_ical(*text);
  } else {
    v1::GetEventRequest get;
    get.set_uid(cli.Arg(1));
    v1::GetEventResponse got;
    if (int rc = cli.Ingest(&v1::Ingest::Stub::GetEvent, get, got)) return rc;
    const v1::Event& current = got.event();
    request.set_expected_version(got.version());
    *request.mutable_event() = current;
    request.mutable_event()->clear_overrides();
    if (!ApplyFlags(cli, *request.mutable_event())) return kExitUsage;
    for (const v1::Event& o : current.overrides()) *request.mutable_event()->add_overrides() = o;
  }
  v1::UpdateEventResponse response;
  if (int rc = cli.Ingest(&v1::Ingest::Stub::UpdateEvent, request, response)) return rc;
  cli.out() << response.event().uid() << " updated (sequence " << response.event().sequence()
            << ")\n";
  return kExitOk;
}

int Cancel(Session& cli) {
  v1::CancelEventRequest request;
  request.set_uid(cli.Arg(1));
  request.set_reason(cli.args().get("reason"));
  if (cli.args().has("occurrence")) {
    auto when = ParseWhen(cli.args().get("occurrence"), false);
    if (!when.has_value()) return cli.Usage("--occurrence: expected YYYY-MM-DD HH:MM (or a date)");
    request.set_occurrence(when->first);
  }
  v1::CancelEventResponse response;
  if (int rc = cli.Ingest(&v1::Ingest::Stub::CancelEvent, request, response)) return rc;
  cli.out() << response.event().uid()
            << (request.occurrence().empty() ? "" : " on " + request.occurrence())
            << " cancelled (sequence " << response.event().sequence() << ")\n";
  return kExitOk;
}

int Delete(Session& cli) {
  v1::DeleteEventRequest request;
  request.set_uid(cli.Arg(1));
  v1::DeleteEventResponse response;
  if (int rc = cli.Ingest(&v1::Ingest::Stub::DeleteEvent, request, response)) return rc;
  cli.out() << cli.Arg(1) << " deleted\n";
  return kExitOk;
}

int Import(Session& cli) {
  std::optional<std::string> bytes = cli.ReadInput(cli.Arg(1));
  if (!bytes) return kExitRefused;
  v1::ImportCalendarRequest request;
  request.set_ics(*bytes);
  request.set_organization(cli.args().get("org"));
  request.set_default_municipality(cli.args().get("municipality"));
  const std::vector<std::string> categories = cli.args().list("category");
  *request.mutable_default_categories() = {categories.begin(), categories.end()};
  request.set_dry_run(cli.args().has("dry-run"));
  v1::ImportReport report;
  if (int rc = cli.IngestInterruptible(&v1::Ingest::Stub::ImportCalendar, request, report, 300))
    return rc;
  cli.out() << (request.dry_run() ? "dry run: " : "") << "accepted " << report.accepted()
            << ", updated " << report.updated() << ", unchanged " << report.unchanged()
            << ", cancelled " << report.cancelled() << ", rejected " << report.rejected_size()
            << "\n";
  for (const v1::Rejection& r : report.rejected()) {
    cli.out() << "  rejected: line " << r.line() << (r.uid().empty() ? "" : " UID " + r.uid())
              << ": " << r.field() << ": " << r.reason() << "\n";
  }
  for (const std::string& w : report.warnings()) cli.out() << "  warning: " << w << "\n";
  if (report.rejected_size() > 0 && !cli.args().has("partial")) {
    cli.err() << "babillard: " << report.rejected_size()
              << " events rejected (listed above); the others were "
              << (request.dry_run() ? "checked" : "imported") << " (--partial: exit 0)\n";
    return kExitPartial;
  }
  return kExitOk;
}

int Show(Session& cli) {
  v1::GetEventRequest get;
  get.set_uid(cli.Arg(1));
  v1::GetEventResponse got;
  if (int rc = cli.Ingest(&v1::Ingest::Stub::GetEvent, get, got)) return rc;
  if (cli.args().get("output", "table") == "json") return cli.PrintJson(got);
  if (cli.args().get("output") == "ics") return cli.PrintCalendar({got.event()});
  const v1::Event& e = got.event();
  auto line = [&cli](std::string_view name, const std::string& value) {
    if (!value.empty()) cli.out() << std::left << std::setw(14) << name << value << "\n";
  };
  auto both = [](const v1::LocalizedText& t) {
    if (t.fr().empty() || t.en().empty()) return t.fr().empty() ? t.en() : t.fr();
    return absl::StrCat(t.fr(), " / ", t.en());
  };
  auto when = [](const v1::EventTime& t) {
    std::string local = t.local();
    std::replace(local.begin(), local.end(), 'T', ' ');
    return t.all_day() ? local : absl::StrCat(local.substr(0, 16), " ", t.time_zone());
  };
  line("uid", e.uid());
  line("title", both(e.title()));
  line("status", e.status() == v1::Event::STATUS_CANCELLED   ? "cancelled"
                 : e.status() == v1::Event::STATUS_TENTATIVE ? "tentative"
                                                             : "confirmed");
  line("start", when(e.start()));
  line("end", when(e.end()));
  line("repeats", e.rrule());
  line("municipality", e.location().municipality());
  std::string place = e.location().name();
  if (!e.location().address().empty())
    absl::StrAppend(&place, place.empty() ? "" : ", ", e.location().address());
  line("place", place);
  line("categories", absl::StrJoin(e.categories(), ", "));
  line("organization", e.organization());
  line("merged into", e.duplicate_of());
  line("url", e.url());
  line("price", both(e.price()));
  line("description", both(e.description()));
  line("version", absl::StrCat(got.version(), " (sequence ", e.sequence(), ")"));
  return kExitOk;
}

int List(Session& cli) {
  v1::ListEventsRequest request;
  *request.mutable_filter() = cli.FilterFromFlags();
  v1::Filter* f = request.mutable_filter();
  const bool json = cli.args().get("output", "table") == "json";
  const bool ics = cli.args().get("output") == "ics";
  std::vector<v1::Event> for_ics;
  if (!cli.args().has("org") && !cli.args().has("all")) {
    // A publisher lists its own organization's events unless it asks for the region.
    v1::ListOrganizationsResponse mine;
    grpc::ClientContext context;
    cli.Prepare(context, 10);
    if (cli.ingest().ListOrganizations(&context, v1::ListOrganizationsRequest(), &mine).ok() &&
        mine.organizations_size() == 1 &&
        mine.organizations(0).role() != v1::Organization::ROLE_ADMIN) {
      f->add_organizations(mine.organizations(0).slug());
      if (!json && !ics) {
        cli.err() << "(" << mine.organizations(0).slug()
                  << "'s events; --all for the whole region)\n";
      }
    }
  }
  absl::CivilDay day;
  const absl::Time now = cli.clock().Now();
  f->set_from_seconds(absl::ToUnixSeconds(now));  // upcoming by default
  // Days are the region's days (midnight in --tz), as a resident reads them.
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(cli.args().get("tz", "America/Toronto"), &zone))
    return cli.Usage("--tz: unknown time zone");
  if (cli.args().has("from")) {
    if (!absl::ParseCivilTime(cli.args().get("from"), &day))
      return cli.Usage("--from is YYYY-MM-DD");
    f->set_from_seconds(absl::ToUnixSeconds(absl::FromCivil(day, zone)));
  }
  if (cli.args().has("to")) {
    if (!absl::ParseCivilTime(cli.args().get("to"), &day)) return cli.Usage("--to is YYYY-MM-DD");
    // The last day is included: "--to=2027-01-31" lists the 31st too.
    f->set_to_seconds(absl::ToUnixSeconds(absl::FromCivil(day + 1, zone)));
  }
  request.set_page_size(200);
  if (json) cli.out() << "[";
  bool first = true;
  do {
    v1::ListEventsResponse page;
    if (int rc = cli.Ingest(&v1::Ingest::Stub::ListEvents, request, page)) return rc;
    for (const v1::Event& e : page.events()) {
      if (ics) {
        for_ics.push_back(e);
      } else if (json) {
        std::string text;
        (void)google::protobuf::util::MessageToJsonString(e, &text);
        cli.out() << (first ? "" : ",") << "\n" << text;
      } else {
        if (first)
          cli.out() << std::left << std::setw(20) << "START" << std::setw(18) << "MUNICIPALITY"
                    << std::setw(11) << "STATUS"
                    << "TITLE / UID\n";
        const std::string title = e.title().fr().empty() ? e.title().en() : e.title().fr();
        const std::string status = e.status() == v1::Event::STATUS_CANCELLED   ? "cancelled"
                                   : e.status() == v1::Event::STATUS_TENTATIVE ? "tentative"
                                                                               : "confirmed";
        cli.out() << std::left << std::setw(20) << e.start().local().substr(0, 16) << std::setw(18)
                  << e.location().municipality() << std::setw(11) << status << title << "\n"
                  << std::setw(49) << "" << e.uid() << "\n";
        if (!e.duplicate_of().empty())
          cli.out() << std::setw(49) << ""
                    << "same event as " << e.duplicate_of() << "\n";
        if (e.provenance_size() > 1) {
          std::vector<std::string> orgs;
          for (const v1::Provenance& p : e.provenance()) orgs.push_back(p.organization());
          cli.out() << std::setw(49) << ""
                    << "published by " << absl::StrJoin(orgs, ", ") << "\n";
        }
      }
      first = false;
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  if (ics) return cli.PrintCalendar(for_ics);
  if (json)
    cli.out() << (first ? "]\n" : "\n]\n");
  else if (first)
    cli.out() << "no upcoming events\n";
  return kExitOk;
}

}  // namespace babillard::cli
