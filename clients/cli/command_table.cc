#include <algorithm>

#include "clients/cli/commands.h"
#include "clients/cli/handlers.h"

namespace babillard::cli {
namespace {

constexpr std::string_view kEvents = "Events (your organization's; an admin adds --org=SLUG)";
constexpr std::string_view kOrganizations = "Organizations (admin)";
constexpr std::string_view kSources = "Federated calendars";
constexpr std::string_view kDuplicates =
    "Duplicates (admin; the same event from two organizations is shown once)";
constexpr std::string_view kSubscriptions = "Subscriptions (babillard-publish)";
constexpr std::string_view kShell = "Shell";

const Flag kOrg{"org", "SLUG", "the organization (admin only)"};
const Flag kMunicipality{"municipality", "M", "the municipality's slug"};
const Flag kCategory{"category", "C,...", "categories (the region's slugs)"};
const Flag kTag{"tag", "T,...", "free tags"};
const Flag kOutputJson{"output", "table|json", "json: one JSON document"};
const Flag kOutputEvents{"output", "table|json|ics",
                         "json: one JSON document; ics: an iCalendar file of them"};

std::vector<Flag> EventFlags() {
  return {{"title", "TEXT", "the title in French"},
          {"title-en", "TEXT", "the title in English"},
          {"start", "\"YYYY-MM-DD HH:MM\"", "when it starts (a date with --all-day)"},
          {"end", "\"YYYY-MM-DD HH:MM\"", "when it ends (with --all-day: its last day)"},
          {"tz", "ZONE", "the zone of --start and --end (default America/Toronto)"},
          {"all-day", "", "--start and --end are dates"},
          {"rrule", "RULE", "how it repeats (RFC 5545: FREQ=WEEKLY;BYDAY=TU)"},
          {"location", "NAME", "where: the place's name"},
          {"address", "ADDRESS", "where: the street address"},
          kMunicipality,
          kCategory,
          kTag,
          {"url", "URL", "a web page about it (http or https)"},
          {"description", "TEXT", "the description in French"},
          {"description-en", "TEXT", "the description in English"},
          {"price", "TEXT", "what it costs"},
          {"status", "confirmed|tentative", "its status (cancel cancels)"},
          {"file", "EVENT.ics",
           "the event as one VEVENT (with its overrides) instead of flags; --municipality and "
           "--category still apply if it names none"}};
}

std::vector<Flag> With(std::vector<Flag> flags, std::initializer_list<Flag> more) {
  flags.insert(flags.end(), more);
  return flags;
}

std::vector<Flag> FilterFlags() {
  return {kCategory, kMunicipality, {"org", "O,...", "organizations"}, kTag};
}

std::vector<Command> Table() {
  return {
      {kEvents, "submit", "", "publishes a new event; prints its UID",
       With(EventFlags(),
            {kOrg,
             {"uid", "UID", "the event's own UID: submitting it again changes nothing (scripts)"}}),
       "submit --title=\"Heure du conte\" --start=\"2027-01-15 10:00\" --municipality=danville",
       Submit},
      {kEvents, "update", "UID", "changes only the fields given", EventFlags(),
       "update biblio/conte@biblio --start=\"2027-01-16 10:00\"", Update},
      {kEvents,
       "cancel",
       "UID",
       "stays in feeds as cancelled: the whole event, or one date of a series",
       {{"reason", "TEXT", "why, for those who planned to come"},
        {"occurrence", "\"YYYY-MM-DD HH:MM\"",
         "only this date of a series (its start as planned)"}},
       "cancel biblio/conte@biblio --occurrence=\"2027-01-22 10:00\" --reason=\"Tempête\"",
       Cancel},
      {kEvents,
       "delete",
       "UID",
       "removes an event from every feed",
       {},
       "delete biblio/conte@biblio",
       Delete},
      {kEvents,
       "import",
       "FILE.ics",
       "imports a calendar (- reads standard input); prints the report",
       {{"dry-run", "", "checks and reports, writes nothing"},
        {"partial", "", "exit 0 even when some events were rejected"},
        kMunicipality,
        kCategory,
        kOrg},
       "import biblio.ics --municipality=danville --dry-run",
       Import},
      {kEvents,
       "list",
       "",
       "upcoming events (days start at midnight in --tz)",
       {{"org", "SLUG", "this organization's (default for a publisher: its own)"},
        {"all", "", "the whole region's, for a publisher too"},
        kMunicipality,
        kCategory,
        {"from", "YYYY-MM-DD", "from this day"},
        {"to", "YYYY-MM-DD", "until this day, included"},
        {"tz", "ZONE", "the zone of days (default America/Toronto)"},
        kOutputEvents},
       "list --municipality=danville --from=2027-01-01 --to=2027-01-31",
       List},
      {kEvents,
       "show",
       "UID",
       "everything an event has: dates, place, rule, texts, version",
       {kOutputEvents},
       "show biblio/conte@biblio",
       Show},
      {kOrganizations,
       "org create",
       "",
       "adds an organization; prints its token, once",
       {{"slug", "SLUG", "its short name in UIDs and URLs"},
        {"name", "NAME", "its name"},
        kMunicipality},
       "org create --slug=biblio --name=\"Bibliothèque de Danville\" --municipality=danville",
       OrgCreate},
      {kOrganizations, "org list", "", "every organization", {kOutputJson}, "org list", OrgList},
      {kOrganizations,
       "org rotate-token",
       "SLUG",
       "a new token; the old one stops working",
       {},
       "org rotate-token biblio",
       OrgRotate},
      {kSources,
       "source add",
       "URL",
       "polls an organization's own iCal feed",
       {{"interval", "SECONDS", "how often to poll"},
        kMunicipality,
        kCategory,
        {"delta", "", "the feed lists only changes: missing events are not cancelled"},
        kOrg},
       "source add https://danville.ca/agenda.ics --interval=3600",
       SourceAdd},
      {kSources,
       "source list",
       "",
       "every source with its health",
       {kOutputJson},
       "source list",
       SourceList},
      {kSources,
       "source poll",
       "ID",
       "polls a source now; prints the report",
       {},
       "source poll s1",
       SourcePoll},
      {kSources,
       "source remove",
       "ID",
       "stops polling (its events stay)",
       {},
       "source remove s1",
       SourceRemove},
      {kDuplicates,
       "split",
       "UID",
       "un-merges a duplicate wrongly matched",
       {kOrg, {"source-uid", "UID", "with --org: the copy to split off"}},
       "split club/soiree@club",
       Split},
      {kSubscriptions, "feed urls", "", "the subscription URLs of a selection",
       With(FilterFlags(), {{"name", "NAMED-FEED", "a saved feed's URLs"}}),
       "feed urls --municipality=danville --category=culture", FeedUrls},
      {kSubscriptions, "feed create", "NAME", "a saved filter with its own URL",
       With(FilterFlags(), {{"title", "TEXT", "its title in French"},
                            {"title-en", "TEXT", "its title in English"},
                            {"owner", "SLUG", "the organization that owns it (admin)"}}),
       "feed create culture-danville --title=\"Culture à Danville\" --category=culture "
       "--municipality=danville",
       FeedCreate},
      {kSubscriptions, "feed list", "", "saved feeds with their URLs", {}, "feed list", FeedList},
      {kSubscriptions,
       "feed delete",
       "NAME",
       "removes a saved feed",
       {},
       "feed delete culture-danville",
       FeedDelete},
      {kSubscriptions, "webhook create", "URL", "signed POSTs of changes; prints its secret, once",
       With(FilterFlags(), {{"owner", "SLUG", "the organization that owns it (admin)"}}),
       "webhook create https://example.org/hook --category=culture", WebhookCreate},
      {kSubscriptions,
       "webhook list",
       "",
       "each webhook's state and why it was disabled",
       {kOutputJson},
       "webhook list",
       WebhookList},
      {kSubscriptions,
       "webhook deliveries",
       "ID",
       "the recent attempts",
       {kOutputJson},
       "webhook deliveries w1",
       WebhookDeliveries},
      {kSubscriptions,
       "webhook delete",
       "ID",
       "stops deliveries",
       {},
       "webhook delete w1",
       WebhookDelete},
      {kSubscriptions,
       "webhook rotate-secret",
       "ID",
       "a new signing secret, printed once; the old one signs beside it for a while",
       {{"overlap", "DURATION",
         "how long both sign (default 24h, at most 168h; 0 stops the old now)"}},
       "webhook rotate-secret w1 --overlap=2h",
       WebhookRotateSecret},
      {kSubscriptions, "watch", "", "prints changes as they happen (Ctrl-C stops)",
       With(FilterFlags(), {{"from", "CURSOR", "replay from this cursor"},
                            {"count", "N", "stop after N changes"},
                            kOutputJson}),
       "watch --municipality=danville --count=10", Watch},
      {kSubscriptions, "changes", "", "one page of past changes, then the cursor to continue from",
       With(FilterFlags(), {{"since", "CURSOR", "after this cursor"},
                            {"page-size", "N", "changes per page"},
                            kOutputJson}),
       "changes --since=1700000000000-0 --page-size=50", Changes},
      {kShell,
       "completion",
       "SHELL",
       "Tab completion of commands and flags for bash or zsh",
       {},
       "completion bash > ~/.local/share/bash-completion/completions/babillard",
       Completion},
  };
}

}  // namespace

const std::vector<Command>& Commands() {
  static const auto* commands = new std::vector<Command>(Table());
  return *commands;
}

const std::vector<Flag>& GlobalFlags() {
  static const auto* flags = new std::vector<Flag>{
      {"addr", "HOST:PORT", "babillard-ingest's address"},
      {"publish-addr", "HOST:PORT", "babillard-publish's address"},
      {"token", "TOKEN", "your organization's token"},
      {"config", "FILE", "a file of token=, addr=, publish_addr=, ca=, tls= lines"},
      {"ca", "FILE", "the PEM certificate of the CA that signed the services' (implies TLS)"},
      {"tls", "", "TLS even to a loopback address (the default elsewhere)"},
      {"plaintext", "", "no TLS even to another host (a private network)"},
      {"help", "", "this help (also -h)"},
      {"version", "", "the version of this babillard"},
  };
  return *flags;
}

absl::flat_hash_set<std::string> Switches() {
  absl::flat_hash_set<std::string> switches;
  for (const Flag& f : GlobalFlags()) {
    if (f.value.empty()) switches.emplace(f.name);
  }
  for (const Command& c : Commands()) {
    for (const Flag& f : c.flags) {
      if (f.value.empty()) switches.emplace(f.name);
    }
  }
  return switches;
}

size_t PathWords(const Command& command) {
  return 1 + std::count(command.path.begin(), command.path.end(), ' ');
}

const Command* FindCommand(const std::vector<std::string>& operands) {
  for (const Command& c : Commands()) {
    const size_t words = PathWords(c);
    if (operands.size() < words) continue;
    const std::string typed = words == 1 ? operands[0] : operands[0] + " " + operands[1];
    if (typed == c.path) return &c;
  }
  return nullptr;
}

}  // namespace babillard::cli
