#include <iomanip>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "clients/cli/handlers.h"
#include "clients/cli/session.h"

namespace babillard::cli {
namespace {

void PrintChange(Session& cli, const v1::Change& c) {
  if (cli.args().get("output") == "json") {
    cli.PrintJson(c);
  } else {
    const std::string name = v1::Change::Kind_Name(c.kind());
    absl::string_view kind(name);
    absl::ConsumePrefix(&kind, "KIND_");
    if (c.kind() == v1::Change::KIND_SOURCE_FLAGGED) {
      // An alarm names the source, not its URL (`source list` shows that to its owner).
      cli.out() << c.cursor() << "  source_flagged  " << c.source().id() << "  "
                << c.source().organization() << "  " << c.source().health_reason() << "\n";
    } else {
      cli.out() << c.cursor() << "  " << absl::AsciiStrToLower(kind) << "  " << c.event().uid()
                << "  " << c.event().start().local() << "  " << c.event().title().fr() << "\n";
    }
  }
  cli.out().flush();
}

}  // namespace

int FeedUrls(Session& cli) {
  v1::GetFeedUrlsRequest request;
  request.set_named_feed(cli.args().get("name"));
  if (request.named_feed().empty()) *request.mutable_filter() = cli.FilterFromFlags();
  v1::GetFeedUrlsResponse urls;
  if (int rc = cli.Publish(&v1::Publish::Stub::GetFeedUrls, request, urls)) return rc;
  cli.out() << "French:   " << urls.ics_fr() << "\n"
            << "English:  " << urls.ics_en() << "\n"
            << "JSON:     " << urls.json() << "\n"
            << "One-click (Apple, Outlook): " << urls.webcal() << "\n";
  return kExitOk;
}

int FeedCreate(Session& cli) {
  if (!cli.args().has("title")) return cli.Usage("feed create NAME --title=TITLE [filters]");
  v1::CreateNamedFeedRequest request;
  v1::NamedFeed* feed = request.mutable_feed();
  feed->set_name(cli.Arg(2));
  feed->mutable_title()->set_fr(cli.args().get("title"));
  feed->mutable_title()->set_en(cli.args().get("title-en"));
  *feed->mutable_filter() = cli.FilterFromFlags();
  if (cli.args().has("owner")) feed->set_organization(cli.args().get("owner"));
  v1::NamedFeed created;
  if (int rc = cli.Publish(&v1::Publish::Stub::CreateNamedFeed, request, created)) return rc;
  cli.out() << "named feed \"" << created.name() << "\" created\n";
  cli.mutable_args().flags = {{"name", created.name()}};
  return FeedUrls(cli);
}

int FeedList(Session& cli) {
  v1::ListNamedFeedsResponse response;
  if (int rc =
          cli.Publish(&v1::Publish::Stub::ListNamedFeeds, v1::ListNamedFeedsRequest(), response))
    return rc;
  cli.out() << std::left << std::setw(24) << "NAME" << std::setw(16) << "OWNER"
            << "TITLE / URL\n";
  for (const v1::NamedFeed& f : response.feeds()) {
    cli.out() << std::setw(24) << f.name() << std::setw(16) << f.organization() << f.title().fr()
              << "\n";
    v1::GetFeedUrlsRequest request;
    request.set_named_feed(f.name());
    grpc::ClientContext url_context;
    cli.Prepare(url_context);
    v1::GetFeedUrlsResponse urls;
    if (cli.publish().GetFeedUrls(&url_context, request, &urls).ok())
      cli.out() << std::setw(40) << "" << urls.ics_fr() << "\n";
  }
  return kExitOk;
}

int FeedDelete(Session& cli) {
  v1::DeleteNamedFeedRequest request;
  request.set_name(cli.Arg(2));
  v1::DeleteNamedFeedResponse response;
  if (int rc = cli.Publish(&v1::Publish::Stub::DeleteNamedFeed, request, response)) return rc;
  cli.out() << "named feed \"" << cli.Arg(2) << "\" deleted\n";
  return kExitOk;
}

int WebhookCreate(Session& cli) {
  v1::CreateWebhookRequest request;
  request.mutable_webhook()->set_url(cli.Arg(2));
  *request.mutable_webhook()->mutable_filter() = cli.FilterFromFlags();
  if (cli.args().has("owner")) request.mutable_webhook()->set_organization(cli.args().get("owner"));
  v1::Webhook created;
  if (int rc = cli.Publish(&v1::Publish::Stub::CreateWebhook, request, created)) return rc;
  cli.out() << "webhook " << created.id() << " created for " << created.url() << "\n"
            << "signing secret (shown once; verify webhook-signature with it): " << created.secret()
            << "\n";
  return kExitOk;
}

int WebhookList(Session& cli) {
  v1::ListWebhooksRequest request;
  v1::ListWebhooksResponse response;
  if (int rc = cli.Publish(&v1::Publish::Stub::ListWebhooks, request, response)) return rc;
  if (cli.args().get("output") == "json") return cli.PrintJson(response);
  cli.out() << std::left << std::setw(10) << "ID" << std::setw(16) << "OWNER" << std::setw(10)
            << "STATE" << std::setw(10) << "FAILURES"
            << "URL\n";
  for (const v1::Webhook& w : response.webhooks()) {
    cli.out() << std::setw(10) << w.id() << std::setw(16) << w.organization() << std::setw(10)
              << (w.enabled() ? "active" : "DISABLED") << std::setw(10) << w.consecutive_failures()
              << w.url() << "\n";
    if (!w.enabled())
      cli.out() << std::setw(10) << ""
                << "disabled: " << w.disabled_reason() << "\n";
  }
  return kExitOk;
}

int WebhookDeliveries(Session& cli) {
  v1::ListDeliveriesRequest request;
  request.set_webhook_id(cli.Arg(2));
  v1::ListDeliveriesResponse response;
  if (int rc = cli.Publish(&v1::Publish::Stub::ListDeliveries, request, response)) return rc;
  if (cli.args().get("output") == "json") return cli.PrintJson(response);
  cli.out() << std::left << std::setw(22) << "WHEN (UTC)" << std::setw(20) << "MESSAGE"
            << std::setw(9) << "ATTEMPT" << std::setw(8) << "STATUS"
            << "TIME / ERROR\n";
  for (const v1::Delivery& d : response.deliveries()) {
    cli.out() << std::setw(22)
              << absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(d.attempted_at_ms()),
                                  absl::UTCTimeZone())
              << std::setw(20) << d.message_id() << std::setw(9) << d.attempt() << std::setw(8)
              << (d.http_status() == 0 ? std::string("-") : std::to_string(d.http_status()))
              << (d.error().empty() ? absl::StrCat(d.duration_ms(), " ms") : d.error()) << "\n";
  }
  return kExitOk;
}

int WebhookDelete(Session& cli) {
  v1::DeleteWebhookRequest request;
  request.set_id(cli.Arg(2));
  v1::DeleteWebhookResponse response;
  if (int rc = cli.Publish(&v1::Publish::Stub::DeleteWebhook, request, response)) return rc;
  cli.out() << "webhook " << cli.Arg(2) << " deleted\n";
  return kExitOk;
}

int WebhookRotateSecret(Session& cli) {
  v1::RotateWebhookSecretRequest request;
  request.set_id(cli.Arg(2));
  if (cli.args().has("overlap")) {
    absl::Duration overlap;
    if (!absl::ParseDuration(cli.args().get("overlap"), &overlap) || overlap < absl::ZeroDuration())
      return cli.Usage("--overlap: a duration such as 24h, 90m or 0");
    // 0 means "stop the old secret now"; the API's 0 is its default.
    request.set_overlap_seconds(overlap == absl::ZeroDuration() ? -1
                                                                : absl::ToInt64Seconds(overlap));
  }
  v1::Webhook rotated;
  if (int rc = cli.Publish(&v1::Publish::Stub::RotateWebhookSecret, request, rotated)) return rc;
  cli.out() << "webhook " << rotated.id() << "\n"
            << "signing secret (shown once; verify webhook-signature with it): " << rotated.secret()
            << "\n";
  cli.err() << (request.overlap_seconds() < 0
                    ? "the old secret no longer signs\n"
                    : "the old secret still signs beside it until the overlap ends: switch your "
                      "receiver to the new one meanwhile\n");
  return kExitOk;
}

int Watch(Session& cli) {
  v1::SubscribeRequest request;
  *request.mutable_filter() = cli.FilterFromFlags();
  request.set_from_cursor(cli.args().get("from"));
  int64_t count = 0;
  if (cli.args().has("count") && !absl::SimpleAtoi(cli.args().get("count"), &count))
    return cli.Usage("--count: a number");
  grpc::ClientContext context;
  if (!cli.token().empty()) context.AddMetadata("authorization", "Bearer " + cli.token());
  std::unique_ptr<grpc::ClientReader<v1::Change>> reader =
      cli.publish().Subscribe(&context, request);
  v1::Change change;
  int64_t seen = 0;
  while (reader->Read(&change)) {
    PrintChange(cli, change);
    if (count > 0 && ++seen >= count) {
      context.TryCancel();
      return kExitOk;
    }
  }
  grpc::Status status = reader->Finish();
  if (status.ok()) return kExitOk;
  return cli.FailPublish(status);
}

int Changes(Session& cli) {
  v1::ListChangesRequest request;
  *request.mutable_filter() = cli.FilterFromFlags();
  request.set_since(cli.args().get("since"));
  int page_size = 0;
  if (cli.args().has("page-size") && !absl::SimpleAtoi(cli.args().get("page-size"), &page_size)) {
    return cli.Usage("--page-size: a number");
  }
  request.set_page_size(page_size);
  v1::ListChangesResponse response;
  if (int rc = cli.Publish(&v1::Publish::Stub::ListChanges, request, response)) return rc;
  if (cli.args().get("output") == "json") return cli.PrintJson(response);
  for (const v1::Change& c : response.changes()) PrintChange(cli, c);
  cli.out() << "next: --since=" << response.next_cursor() << (response.more() ? " (more)" : "")
            << "\n";
  return kExitOk;
}

}  // namespace babillard::cli
