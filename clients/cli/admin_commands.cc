#include <iomanip>

#include "absl/strings/numbers.h"
#include "clients/cli/handlers.h"
#include "clients/cli/session.h"

namespace babillard::cli {

int OrgCreate(Session& cli) {
  if (!cli.args().has("slug") || !cli.args().has("name"))
    return cli.Usage("org create needs --slug and --name");
  v1::CreateOrganizationRequest request;
  request.mutable_organization()->set_slug(cli.args().get("slug"));
  request.mutable_organization()->set_name(cli.args().get("name"));
  request.mutable_organization()->set_municipality(cli.args().get("municipality"));
  v1::CreateOrganizationResponse response;
  if (int rc = cli.Ingest(&v1::Ingest::Stub::CreateOrganization, request, response)) return rc;
  cli.out() << "organization " << response.organization().slug() << " created\n"
            << "token: " << response.token() << "\n"
            << "This token is shown once. Give it to " << response.organization().name()
            << "; they use it as BABILLARD_TOKEN.\n";
  return kExitOk;
}

int OrgList(Session& cli) {
  v1::ListOrganizationsResponse response;
  if (int rc = cli.Ingest(&v1::Ingest::Stub::ListOrganizations, v1::ListOrganizationsRequest(),
                          response))
    return rc;
  if (cli.args().get("output") == "json") return cli.PrintJson(response);
  for (const v1::Organization& o : response.organizations()) {
    cli.out() << std::left << std::setw(32) << o.slug() << std::setw(20) << o.municipality()
              << o.name() << "\n";
  }
  return kExitOk;
}

int OrgRotate(Session& cli) {
  v1::RotateTokenRequest request;
  request.set_slug(cli.Arg(2));
  v1::RotateTokenResponse response;
  if (int rc = cli.Ingest(&v1::Ingest::Stub::RotateToken, request, response)) return rc;
  cli.out() << "token: " << response.token()
            << "\nThe previous token no longer works. This one is shown once.\n";
  return kExitOk;
}

int SourceAdd(Session& cli) {
  v1::AddSourceRequest request;
  v1::Source* s = request.mutable_source();
  s->set_url(cli.Arg(2));
  s->set_organization(cli.args().get("org"));
  s->set_default_municipality(cli.args().get("municipality"));
  const std::vector<std::string> categories = cli.args().list("category");
  *s->mutable_default_categories() = {categories.begin(), categories.end()};
  int interval = 0;
  if (cli.args().has("interval") && !absl::SimpleAtoi(cli.args().get("interval"), &interval))
    return cli.Usage("--interval is seconds");
  s->set_poll_interval_seconds(interval);
  s->set_mode(cli.args().has("delta") ? v1::Source::MODE_DELTA : v1::Source::MODE_FULL_SNAPSHOT);
  v1::Source response;
  if (int rc = cli.Ingest(&v1::Ingest::Stub::AddSource, request, response)) return rc;
  cli.out() << response.id() << "\n";
  return kExitOk;
}

int SourceList(Session& cli) {
  v1::ListSourcesResponse response;
  if (int rc = cli.Ingest(&v1::Ingest::Stub::ListSources, v1::ListSourcesRequest(), response))
    return rc;
  if (cli.args().get("output") == "json") return cli.PrintJson(response);
  for (const v1::Source& s : response.sources()) {
    const char* health = s.health() == v1::Source::HEALTH_OK         ? "ok"
                         : s.health() == v1::Source::HEALTH_FLAGGED  ? "FLAGGED"
                         : s.health() == v1::Source::HEALTH_DISABLED ? "disabled"
                                                                     : "not polled yet";
    cli.out() << std::left << std::setw(10) << s.id() << std::setw(24) << s.organization()
              << std::setw(16) << health << s.url()
              << (s.health_reason().empty() ? "" : "  (" + s.health_reason() + ")") << "\n";
  }
  return kExitOk;
}

int SourcePoll(Session& cli) {
  v1::PollSourceRequest request;
  request.set_id(cli.Arg(2));
  v1::ImportReport report;
  if (int rc = cli.Ingest(&v1::Ingest::Stub::PollSource, request, report, 300)) return rc;
  cli.out() << "accepted " << report.accepted() << ", updated " << report.updated()
            << ", unchanged " << report.unchanged() << ", cancelled " << report.cancelled()
            << ", rejected " << report.rejected_size() << "\n";
  for (const std::string& w : report.warnings()) cli.out() << "  " << w << "\n";
  return kExitOk;
}

int SourceRemove(Session& cli) {
  v1::RemoveSourceRequest request;
  request.set_id(cli.Arg(2));
  v1::RemoveSourceResponse response;
  if (int rc = cli.Ingest(&v1::Ingest::Stub::RemoveSource, request, response)) return rc;
  cli.out() << cli.Arg(2) << " removed (its events stay)\n";
  return kExitOk;
}

int Split(Session& cli) {
  v1::SplitDuplicateRequest request;
  request.set_uid(cli.Arg(1));
  if (cli.args().has("org")) {
    request.mutable_provenance()->set_organization(cli.args().get("org"));
    request.mutable_provenance()->set_source_uid(cli.args().get("source-uid"));
  }
  v1::SplitDuplicateResponse response;
  if (int rc = cli.Ingest(&v1::Ingest::Stub::SplitDuplicate, request, response)) return rc;
  cli.out() << response.event().uid() << " is its own event again\n";
  return kExitOk;
}

}  // namespace babillard::cli
