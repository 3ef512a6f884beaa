#include "services/publish/webhook_admin.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/auth/token.h"
#include "services/common/client/url_guard.h"
#include "services/common/grpc_status.h"
#include "services/common/quota.h"
#include "services/common/status_macros.h"
#include "services/publish/change_filter.h"

namespace babillard::publish {

absl::StatusOr<std::string> WebhookAdmin::HeadCursor() {
  if (reader_.log().ready()) return reader_.log().head();
  internal::ReadChangesRequest request;
  request.set_limit(1);
  BABILLARD_ASSIGN_OR_RETURN(internal::ReadChangesResponse page,
                             store_.Call(&internal::Store::StubInterface::ReadChanges, request));
  return page.last_cursor().empty() ? "0-0" : page.last_cursor();
}

absl::StatusOr<v1::Webhook> WebhookAdmin::Create(const Caller& caller, v1::Webhook webhook) {
  BABILLARD_ASSIGN_OR_RETURN(std::string org,
                             ActingFor(caller, webhook.organization(), "webhook.organization"));
  if (webhook.url().size() > 2048) {
    return BadRequestError("webhook.url: too long", {{"webhook.url", "at most 2048 characters"}});
  }
  BABILLARD_RETURN_IF_ERROR(
      CheckFetchableUrl(webhook.url(), "webhook.url", options_.allow_loopback_webhooks,
                        /*must_resolve=*/true, "babillard-publish --allow-loopback-webhooks"));
  BABILLARD_RETURN_IF_ERROR(ValidateFilter(webhook.filter(), "webhook.filter."));
  absl::MutexLock quota(&create_mu_);
  internal::ListWebhooksRequest mine;
  mine.set_organization(org);
  BABILLARD_ASSIGN_OR_RETURN(internal::ListWebhooksResponse existing,
                             store_.Call(&internal::Store::StubInterface::ListWebhooks, mine));
  BABILLARD_RETURN_IF_ERROR(
      CheckQuota(existing.webhooks_size(), kMaxWebhooksPerOrganization, "webhooks", org));
  BABILLARD_ASSIGN_OR_RETURN(std::string secret, auth::NewWebhookSecret());
  BABILLARD_ASSIGN_OR_RETURN(std::string head, HeadCursor());
  webhook.clear_id();
  webhook.set_organization(org);
  webhook.set_enabled(true);
  webhook.clear_disabled_reason();
  webhook.clear_consecutive_failures();
  webhook.set_cursor(head);  // changes from now on
  webhook.set_created(absl::ToUnixSeconds(clock_.Now()));
  webhook.clear_secret();
  internal::PutWebhookRequest put;
  *put.mutable_webhook() = webhook;
  put.set_secret(secret);
  BABILLARD_ASSIGN_OR_RETURN(v1::Webhook stored,
                             store_.Call(&internal::Store::StubInterface::PutWebhook, put));
  dispatcher_.Refresh();
  stored.set_secret(secret);  // shown once
  return stored;
}

absl::StatusOr<v1::Webhook> WebhookAdmin::RotateSecret(const Caller& caller, const std::string& id,
                                                       int64_t overlap_seconds) {
  constexpr int64_t kDay = 86400;
  if (overlap_seconds > 7 * kDay) {
    return BadRequestError("overlap_seconds: at most 7 days",
                           {{"overlap_seconds", "at most 604800 (7 days)"}});
  }
  BABILLARD_ASSIGN_OR_RETURN(v1::Webhook hook, Owned(caller, id));
  internal::ListWebhooksRequest mine;
  mine.set_organization(hook.organization());
  mine.set_include_secrets(true);
  BABILLARD_ASSIGN_OR_RETURN(internal::ListWebhooksResponse current,
                             store_.Call(&internal::Store::StubInterface::ListWebhooks, mine));
  std::string old_secret;
  for (const v1::Webhook& w : current.webhooks()) {
    if (w.id() == id) old_secret = w.secret();
  }
  BABILLARD_ASSIGN_OR_RETURN(std::string secret, auth::NewWebhookSecret());
  internal::PutWebhookRequest put;
  *put.mutable_webhook() = hook;
  put.mutable_webhook()->clear_secret();
  put.mutable_webhook()->clear_previous_secret();
  put.set_secret(secret);
  const int64_t overlap = overlap_seconds == 0 ? kDay : overlap_seconds;
  if (overlap > 0 && !old_secret.empty()) {
    put.set_previous_secret(old_secret);
    put.set_previous_secret_until(absl::ToUnixSeconds(clock_.Now()) + overlap);
  }
  BABILLARD_ASSIGN_OR_RETURN(v1::Webhook stored,
                             store_.Call(&internal::Store::StubInterface::PutWebhook, put));
  dispatcher_.Refresh();
  stored.set_secret(secret);  // shown once
  return stored;
}

absl::StatusOr<v1::ListWebhooksResponse> WebhookAdmin::List(const Caller& caller,
                                                            const std::string& organization) {
  internal::ListWebhooksRequest request;
  if (!caller.is_admin()) {
    if (!organization.empty() && organization != caller.organization) {
      return absl::PermissionDeniedError(absl::StrCat(
          "organization ", caller.organization, " may not list ", organization, "'s webhooks"));
    }
    request.set_organization(caller.organization);
  } else {
    request.set_organization(organization);
  }
  BABILLARD_ASSIGN_OR_RETURN(internal::ListWebhooksResponse hooks,
                             store_.Call(&internal::Store::StubInterface::ListWebhooks, request));
  v1::ListWebhooksResponse out;
  *out.mutable_webhooks() = std::move(*hooks.mutable_webhooks());
  return out;
}

absl::StatusOr<v1::Webhook> WebhookAdmin::Owned(const Caller& caller, const std::string& id) {
  internal::GetWebhookRequest get;
  get.set_id(id);
  absl::StatusOr<v1::Webhook> hook = store_.Call(&internal::Store::StubInterface::GetWebhook, get);
  // Another organization's webhook is as good as absent to the caller.
  if (absl::IsNotFound(hook.status()) ||
      (hook.ok() && !CheckCanWrite(caller, hook->organization()).ok())) {
    return absl::NotFoundError(absl::StrCat("no webhook ", id));
  }
  return hook;
}

absl::Status WebhookAdmin::Delete(const Caller& caller, const std::string& id) {
  BABILLARD_RETURN_IF_ERROR(Owned(caller, id).status());
  internal::DeleteWebhookRequest request;
  request.set_id(id);
  BABILLARD_RETURN_IF_ERROR(
      store_.Call(&internal::Store::StubInterface::DeleteWebhook, request).status());
  dispatcher_.Refresh();
  return absl::OkStatus();
}

absl::StatusOr<v1::ListDeliveriesResponse> WebhookAdmin::ListDeliveries(
    const Caller& caller, const v1::ListDeliveriesRequest& request) {
  BABILLARD_RETURN_IF_ERROR(Owned(caller, request.webhook_id()).status());
  internal::ListDeliveriesRequest read;
  read.set_webhook_id(request.webhook_id());
  read.set_limit(request.limit());
  BABILLARD_ASSIGN_OR_RETURN(internal::ListDeliveriesResponse deliveries,
                             store_.Call(&internal::Store::StubInterface::ListDeliveries, read));
  v1::ListDeliveriesResponse out;
  *out.mutable_deliveries() = std::move(*deliveries.mutable_deliveries());
  return out;
}

}  // namespace babillard::publish
