#include "services/publish/publish_service.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/common/auth/token.h"
#include "services/common/client/url_guard.h"
#include "services/common/grpc_status.h"
#include "services/common/status_macros.h"
#include "services/publish/change_filter.h"

namespace babillard::publish {
namespace {

grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

template <typename T, typename Out>
grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context, absl::StatusOr<T> value,
                                 Out* out) {
  if (value.ok()) *out = *std::move(value);
  return Answer(context, value.status());
}

// A stream that ends at once with an error.
class RefusedStream : public grpc::ServerWriteReactor<v1::Change> {
 public:
  explicit RefusedStream(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

bool IsDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

// The organization a call acts for: its own, or the one an admin names.
absl::StatusOr<std::string> ActingFor(const Caller& caller, const std::string& requested,
                                      const std::string& field) {
  if (!caller.is_admin()) {
    if (!requested.empty() && requested != caller.organization) {
      return absl::PermissionDeniedError(
          absl::StrCat("organization ", caller.organization, " may not act for ", requested));
    }
    return caller.organization;
  }
  if (requested.empty())
    return BadRequestError(absl::StrCat(field, ": required"),
                           {{field, "an admin must name the organization"}});
  return requested;
}

}  // namespace

absl::Status ValidateCursor(const std::string& cursor, const std::string& field) {
  if (cursor.empty()) return absl::OkStatus();
  const size_t dash = cursor.find('-');
  if (cursor.size() > 41 || dash == std::string::npos ||
      !IsDigits(absl::string_view(cursor).substr(0, dash)) ||
      !IsDigits(absl::string_view(cursor).substr(dash + 1))) {
    return BadRequestError(
        absl::StrCat(field, ": not a cursor"),
        {{field, "expected a cursor as returned with a change (\"1700000000000-0\")"}});
  }
  return absl::OkStatus();
}

grpc::ServerWriteReactor<v1::Change>* PublishService::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  absl::Status valid = ValidateCursor(request->from_cursor(), "from_cursor");
  if (valid.ok()) valid = ValidateFilter(request->filter(), "filter.");
  if (valid.ok() && reader_.log().closed())
    valid = absl::UnavailableError("publish is shutting down; retry");
  if (!valid.ok()) return new RefusedStream(valid);
  return Subscription::Start(reader_, request->filter(), request->from_cursor(),
                             options_.subscription);
}

absl::StatusOr<v1::ListChangesResponse> PublishService::DoListChanges(
    const v1::ListChangesRequest& request) {
  BABILLARD_RETURN_IF_ERROR(ValidateCursor(request.since(), "since"));
  BABILLARD_RETURN_IF_ERROR(ValidateFilter(request.filter(), "filter."));
  if (request.page_size() < 0 || request.page_size() > 1000) {
    return BadRequestError("page_size: 0 to 1000", {{"page_size", "0 (the default, 100) to 1000"}});
  }
  const size_t page_size = request.page_size() == 0 ? 100 : request.page_size();
  v1::ListChangesResponse response;
  std::string cursor = request.since();
  // With no change at all the next cursor is "0-0", before every change:
  // handed to Subscribe, "" would mean "from now" and skip what comes first.
  const auto next = [&cursor] { return cursor.empty() ? std::string("0-0") : cursor; };
  // A sparse filter may skip many changes: look at a bounded number per
  // call and let the caller continue from next_cursor.
  constexpr size_t kMaxPageBytes = 2 << 20;
  size_t scanned = 0, bytes = 0;
  while (response.changes_size() < static_cast<int>(page_size) && bytes <= kMaxPageBytes &&
         scanned < 20 * page_size) {
    const size_t want = std::min<size_t>(500, page_size - response.changes_size() + 50);
    BABILLARD_ASSIGN_OR_RETURN(std::vector<ChangePtr> batch, reader_.Read(cursor, want));
    if (batch.empty()) {
      response.set_next_cursor(next());
      return response;
    }
    for (const ChangePtr& c : batch) {
      ++scanned;
      cursor = c->cursor();
      if (ChangeMatches(*c, request.filter())) {
        v1::Change* out = response.add_changes();
        *out = *c;
        // The feeds carry the iCalendar text; a page stays well under gRPC's 4 MB.
        out->mutable_event()->clear_ical_fr();
        out->mutable_event()->clear_ical_en();
        bytes += out->ByteSizeLong();
        if (response.changes_size() == static_cast<int>(page_size) || bytes > kMaxPageBytes) break;
      }
    }
  }
  response.set_next_cursor(next());
  response.set_more(true);
  return response;
}

grpc::ServerUnaryReactor* PublishService::ListChanges(grpc::CallbackServerContext* context,
                                                      const v1::ListChangesRequest* request,
                                                      v1::ListChangesResponse* response) {
  return Answer(context, DoListChanges(*request), response);
}

absl::StatusOr<v1::NamedFeed> PublishService::DoCreateNamedFeed(const Caller& caller,
                                                                v1::NamedFeed feed) {
  BABILLARD_ASSIGN_OR_RETURN(std::string org,
                             ActingFor(caller, feed.organization(), "feed.organization"));
  feed.set_organization(org);
  feed.set_created(absl::ToUnixSeconds(absl::Now()));
  BABILLARD_RETURN_IF_ERROR(ValidateNamedFeed(feed));
  BABILLARD_ASSIGN_OR_RETURN(
      v1::ListNamedFeedsResponse existing,
      store_.Call(&v1::Store::StubInterface::ListNamedFeeds, v1::ListNamedFeedsRequest()));
  for (const v1::NamedFeed& f : existing.feeds()) {
    if (f.name() == feed.name())
      return absl::AlreadyExistsError(absl::StrCat("feed.name: \"", feed.name(), "\" is taken"));
  }
  v1::PutNamedFeedRequest put;
  *put.mutable_feed() = feed;
  BABILLARD_ASSIGN_OR_RETURN(v1::NamedFeed stored,
                             store_.Call(&v1::Store::StubInterface::PutNamedFeed, put));
  named_feeds_.Put(stored);
  return stored;
}

absl::StatusOr<v1::ListNamedFeedsResponse> PublishService::DoListNamedFeeds(const Caller& caller) {
  BABILLARD_ASSIGN_OR_RETURN(
      v1::ListNamedFeedsResponse all,
      store_.Call(&v1::Store::StubInterface::ListNamedFeeds, v1::ListNamedFeedsRequest()));
  if (caller.is_admin()) return all;
  v1::ListNamedFeedsResponse mine;
  for (const v1::NamedFeed& f : all.feeds()) {
    if (f.organization() == caller.organization) *mine.add_feeds() = f;
  }
  return mine;
}

absl::Status PublishService::DoDeleteNamedFeed(const Caller& caller, const std::string& name) {
  BABILLARD_ASSIGN_OR_RETURN(
      v1::ListNamedFeedsResponse all,
      store_.Call(&v1::Store::StubInterface::ListNamedFeeds, v1::ListNamedFeedsRequest()));
  for (const v1::NamedFeed& f : all.feeds()) {
    if (f.name() != name) continue;
    BABILLARD_RETURN_IF_ERROR(CheckCanWrite(caller, f.organization()));
    v1::DeleteNamedFeedRequest request;
    request.set_name(name);
    BABILLARD_RETURN_IF_ERROR(
        store_.Call(&v1::Store::StubInterface::DeleteNamedFeed, request).status());
    named_feeds_.Remove(name);
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("no named feed \"", name, "\""));
}

absl::StatusOr<std::string> PublishService::HeadCursor() {
  if (reader_.log().ready()) return reader_.log().head();
  v1::ReadChangesRequest request;
  request.set_limit(1);
  BABILLARD_ASSIGN_OR_RETURN(v1::ReadChangesResponse page,
                             store_.Call(&v1::Store::StubInterface::ReadChanges, request));
  return page.last_cursor().empty() ? "0-0" : page.last_cursor();
}

absl::StatusOr<v1::Webhook> PublishService::DoCreateWebhook(const Caller& caller,
                                                            v1::Webhook webhook) {
  BABILLARD_ASSIGN_OR_RETURN(std::string org,
                             ActingFor(caller, webhook.organization(), "webhook.organization"));
  if (webhook.url().size() > 2048)
    return BadRequestError("webhook.url: too long", {{"webhook.url", "at most 2048 characters"}});
  BABILLARD_RETURN_IF_ERROR(CheckFetchableUrl(
      webhook.url(), "webhook.url", options_.allow_loopback_webhooks, /*must_resolve=*/true));
  BABILLARD_RETURN_IF_ERROR(ValidateFilter(webhook.filter(), "webhook.filter."));
  BABILLARD_ASSIGN_OR_RETURN(std::string secret, auth::NewWebhookSecret());
  BABILLARD_ASSIGN_OR_RETURN(std::string head, HeadCursor());
  webhook.clear_id();
  webhook.set_organization(org);
  webhook.set_enabled(true);
  webhook.clear_disabled_reason();
  webhook.clear_consecutive_failures();
  webhook.set_cursor(head);  // changes from now on
  webhook.set_created(absl::ToUnixSeconds(absl::Now()));
  webhook.clear_secret();
  v1::PutWebhookRequest put;
  *put.mutable_webhook() = webhook;
  put.set_secret(secret);
  BABILLARD_ASSIGN_OR_RETURN(v1::Webhook stored,
                             store_.Call(&v1::Store::StubInterface::PutWebhook, put));
  webhooks_.Refresh();
  stored.set_secret(secret);  // shown once
  return stored;
}

absl::StatusOr<v1::ListWebhooksResponse> PublishService::DoListWebhooks(
    const Caller& caller, const std::string& organization) {
  v1::ListWebhooksRequest request;
  if (!caller.is_admin()) {
    if (!organization.empty() && organization != caller.organization) {
      return absl::PermissionDeniedError(absl::StrCat(
          "organization ", caller.organization, " may not list ", organization, "'s webhooks"));
    }
    request.set_organization(caller.organization);
  } else {
    request.set_organization(organization);
  }
  return store_.Call(&v1::Store::StubInterface::ListWebhooks, request);
}

absl::StatusOr<v1::Webhook> PublishService::OwnedWebhook(const Caller& caller,
                                                         const std::string& id) {
  BABILLARD_ASSIGN_OR_RETURN(v1::ListWebhooksResponse hooks, DoListWebhooks(caller, ""));
  for (const v1::Webhook& w : hooks.webhooks()) {
    if (w.id() == id) return w;
  }
  return absl::NotFoundError(absl::StrCat("no webhook ", id));
}

absl::Status PublishService::DoDeleteWebhook(const Caller& caller, const std::string& id) {
  BABILLARD_RETURN_IF_ERROR(OwnedWebhook(caller, id).status());
  v1::DeleteWebhookRequest request;
  request.set_id(id);
  BABILLARD_RETURN_IF_ERROR(
      store_.Call(&v1::Store::StubInterface::DeleteWebhook, request).status());
  webhooks_.Refresh();
  return absl::OkStatus();
}

absl::StatusOr<v1::ListDeliveriesResponse> PublishService::DoListDeliveries(
    const Caller& caller, const v1::ListDeliveriesRequest& request) {
  BABILLARD_RETURN_IF_ERROR(OwnedWebhook(caller, request.webhook_id()).status());
  return store_.Call(&v1::Store::StubInterface::ListDeliveries, request);
}

absl::StatusOr<v1::GetFeedUrlsResponse> PublishService::DoGetFeedUrls(
    const v1::GetFeedUrlsRequest& request) {
  std::string path, query;
  if (!request.named_feed().empty()) {
    if (!named_feeds_.Find(request.named_feed()).has_value()) {
      return absl::NotFoundError(absl::StrCat("no named feed \"", request.named_feed(), "\""));
    }
    path = "/feeds/" + request.named_feed();
  } else {
    const v1::Filter& f = request.filter();
    BABILLARD_RETURN_IF_ERROR(ValidateFilter(f, "filter."));
    if (f.tags_size() > 0 || !f.text().empty() || f.statuses_size() > 0 || f.from_seconds() != 0 ||
        f.to_seconds() != 0) {
      return BadRequestError(
          "filter: feed URLs take municipalities, categories and organizations only; save the rest "
          "as a named feed",
          {{"filter", "only municipalities, categories and organizations"}});
    }
    path = "/feeds/all";
    std::vector<std::string> params;
    if (f.categories_size() > 0) params.push_back("category=" + absl::StrJoin(f.categories(), ","));
    if (f.municipalities_size() > 0)
      params.push_back("municipality=" + absl::StrJoin(f.municipalities(), ","));
    if (f.organizations_size() > 0)
      params.push_back("org=" + absl::StrJoin(f.organizations(), ","));
    query = absl::StrJoin(params, "&");
  }
  const std::string base = options_.public_url + path;
  const auto with = [&](const std::string& ext, const std::string& extra) {
    std::string q = query;
    if (!extra.empty()) q = q.empty() ? extra : q + "&" + extra;
    return base + ext + (q.empty() ? "" : "?" + q);
  };
  v1::GetFeedUrlsResponse out;
  out.set_ics_fr(with(".ics", ""));
  out.set_ics_en(with(".ics", "lang=en"));
  out.set_json(with(".json", ""));
  std::string webcal = out.ics_fr();
  if (absl::StartsWith(webcal, "https://"))
    webcal = "webcal://" + webcal.substr(8);
  else if (absl::StartsWith(webcal, "http://"))
    webcal = "webcal://" + webcal.substr(7);
  out.set_webcal(webcal);
  return out;
}

#define BABILLARD_CALLER_OR_ANSWER(caller, context)             \
  absl::StatusOr<Caller> caller = auth_.Authenticate(*context); \
  if (!caller.ok()) return Answer(context, caller.status())

grpc::ServerUnaryReactor* PublishService::CreateNamedFeed(grpc::CallbackServerContext* context,
                                                          const v1::CreateNamedFeedRequest* request,
                                                          v1::NamedFeed* response) {
  BABILLARD_CALLER_OR_ANSWER(caller, context);
  return Answer(context, DoCreateNamedFeed(*caller, request->feed()), response);
}

grpc::ServerUnaryReactor* PublishService::ListNamedFeeds(grpc::CallbackServerContext* context,
                                                         const v1::ListNamedFeedsRequest*,
                                                         v1::ListNamedFeedsResponse* response) {
  BABILLARD_CALLER_OR_ANSWER(caller, context);
  return Answer(context, DoListNamedFeeds(*caller), response);
}

grpc::ServerUnaryReactor* PublishService::DeleteNamedFeed(grpc::CallbackServerContext* context,
                                                          const v1::DeleteNamedFeedRequest* request,
                                                          v1::DeleteNamedFeedResponse*) {
  BABILLARD_CALLER_OR_ANSWER(caller, context);
  return Answer(context, DoDeleteNamedFeed(*caller, request->name()));
}

grpc::ServerUnaryReactor* PublishService::CreateWebhook(grpc::CallbackServerContext* context,
                                                        const v1::CreateWebhookRequest* request,
                                                        v1::Webhook* response) {
  BABILLARD_CALLER_OR_ANSWER(caller, context);
  return Answer(context, DoCreateWebhook(*caller, request->webhook()), response);
}

grpc::ServerUnaryReactor* PublishService::ListWebhooks(grpc::CallbackServerContext* context,
                                                       const v1::ListWebhooksRequest* request,
                                                       v1::ListWebhooksResponse* response) {
  BABILLARD_CALLER_OR_ANSWER(caller, context);
  return Answer(context, DoListWebhooks(*caller, request->organization()), response);
}

grpc::ServerUnaryReactor* PublishService::DeleteWebhook(grpc::CallbackServerContext* context,
                                                        const v1::DeleteWebhookRequest* request,
                                                        v1::DeleteWebhookResponse*) {
  BABILLARD_CALLER_OR_ANSWER(caller, context);
  return Answer(context, DoDeleteWebhook(*caller, request->id()));
}

grpc::ServerUnaryReactor* PublishService::ListDeliveries(grpc::CallbackServerContext* context,
                                                         const v1::ListDeliveriesRequest* request,
                                                         v1::ListDeliveriesResponse* response) {
  BABILLARD_CALLER_OR_ANSWER(caller, context);
  return Answer(context, DoListDeliveries(*caller, *request), response);
}

grpc::ServerUnaryReactor* PublishService::GetFeedUrls(grpc::CallbackServerContext* context,
                                                      const v1::GetFeedUrlsRequest* request,
                                                      v1::GetFeedUrlsResponse* response) {
  return Answer(context, DoGetFeedUrls(*request), response);
}

}  // namespace babillard::publish
