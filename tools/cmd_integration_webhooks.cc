// inspectsync admin webhook add|list|remove|deliveries|redeliver: the office's
// webhook endpoints and their deliveries, over IntegrationService; see
// tools/integration.h and docs/integration/webhooks.md.
#include <cstdio>
#include <ctime>

#include "core/export.h"  // IsoTime
#include "tools/integration.h"

namespace inspectsync::tools {

namespace {

const std::pair<const char*, v1::WebhookEvent> kEvents[] = {
    {"finding.created", v1::FINDING_CREATED},
    {"finding.status_changed", v1::FINDING_STATUS_CHANGED},
    {"finding.overdue", v1::FINDING_OVERDUE},
    {"conflict.opened", v1::CONFLICT_OPENED},
};

std::string EventName(int e) {
  for (const auto& [name, value] : kEvents)
    if (value == e) return name;
  return std::to_string(e);
}

std::string StateName(v1::DeliveryState s) {
  switch (s) {
    case v1::DELIVERY_PENDING: return "pending";
    case v1::DELIVERY_DELIVERED: return "delivered";
    case v1::DELIVERY_FAILED: return "failed";
    default: return "?";
  }
}

std::string Time(int64_t ms) { return ms <= 0 ? "-" : core::IsoTime(ms); }

std::string Events(const v1::Webhook& w) {
  std::string out;
  for (int e : w.events()) out += (out.empty() ? "" : ",") + EventName(e);
  return out;
}

// Connects; returns an exit status on failure, -1 when connected.
int Connect(const Args& fl, std::unique_ptr<IntegrationClient>* conn) {
  auto c = ConnectIntegration(fl);
  if (!c.ok()) return IntegrationFail(c.status());
  *conn = std::move(*c);
  return -1;
}

int Add(const Args& fl) {
  std::unique_ptr<IntegrationClient> conn;
  if (int rc = Connect(fl, &conn); rc >= 0) return rc;
  v1::CreateWebhookRequest req;
  req.set_url(fl.Get("url"));
  for (const std::string& e : fl.GetAll("event")) {
    bool known = false;
    for (const auto& [name, value] : kEvents)
      if (e == name) {
        req.add_events(value);
        known = true;
      }
    if (!known)
      return IntegrationUsage("--event " + e +
                              ": not an event (finding.created, finding.status_changed, finding.overdue, "
                              "conflict.opened)");
  }
  req.set_secret(fl.Get("secret"));
  req.set_description(fl.Get("description"));
  auto got = conn->CreateWebhook(req);
  if (!got.ok()) return IntegrationFail(got.status());
  const v1::Webhook& w = *got;
  if (fl.Has("json")) {
    std::printf("%s\n", MessageToJsonLine(w).c_str());
  } else {
    std::printf("webhook %s\n  url     %s\n  events  %s\n  secret  %s\n", w.id().c_str(), w.url().c_str(),
                Events(w).c_str(), w.secret().c_str());
    std::printf("Keep the secret: it signs every delivery and is not shown again.\n");
  }
  return 0;
}

int List(const Args& fl) {
  std::unique_ptr<IntegrationClient> conn;
  if (int rc = Connect(fl, &conn); rc >= 0) return rc;
  auto got = conn->ListWebhooks();
  if (!got.ok()) return IntegrationFail(got.status());
  const v1::WebhookList& list = *got;
  if (fl.Has("json")) {
    for (const auto& w : list.webhooks()) std::printf("%s\n", MessageToJsonLine(w).c_str());
    return 0;
  }
  std::printf("%-36s  %-21s  %-40s  %s\n", "ID", "CREATED", "EVENTS", "URL");
  for (const auto& w : list.webhooks())
    std::printf("%-36s  %-21s  %-40s  %s\n", w.id().c_str(), Time(w.created_ms()).c_str(), Events(w).c_str(),
                w.url().c_str());
  std::printf("%d webhook(s)\n", list.webhooks_size());
  return 0;
}

int Remove(const Args& fl) {
  std::unique_ptr<IntegrationClient> conn;
  if (int rc = Connect(fl, &conn); rc >= 0) return rc;
  if (fl.positional().size() != 3) return IntegrationUsage("webhook remove takes one webhook id");
  v1::DeleteWebhookRequest req;
  req.set_id(fl.positional()[2]);
  auto got = conn->DeleteWebhook(req.id());
  if (!got.ok()) return IntegrationFail(got.status());
  const v1::Webhook& w = *got;
  if (fl.Has("json")) std::printf("%s\n", MessageToJsonLine(w).c_str());
  else std::printf("removed webhook %s (%s); its undelivered events are dropped\n", w.id().c_str(), w.url().c_str());
  return 0;
}

int Deliveries(const Args& fl) {
  std::unique_ptr<IntegrationClient> conn;
  if (int rc = Connect(fl, &conn); rc >= 0) return rc;
  v1::ListDeliveriesRequest req;
  req.set_webhook_id(fl.Get("webhook"));
  if (fl.Has("failed")) req.add_states(v1::DELIVERY_FAILED);
  if (fl.Has("pending")) req.add_states(v1::DELIVERY_PENDING);
  long long limit = 0;
  if (!fl.GetInt("limit", 0, &limit) || limit < 0 || limit > 1000)
    return IntegrationUsage("--limit: a number from 1 to 1000");
  req.set_limit(static_cast<uint32_t>(limit));
  auto got = conn->ListDeliveries(req);
  if (!got.ok()) return IntegrationFail(got.status());
  const v1::DeliveryList& list = *got;
  if (fl.Has("json")) {
    for (const auto& d : list.deliveries()) std::printf("%s\n", MessageToJsonLine(d).c_str());
    return 0;
  }
  std::printf("%-36s  %-36s  %-22s  %-9s  %8s  %-21s  %s\n", "EVENT", "WEBHOOK", "TYPE", "STATE", "ATTEMPTS",
              "NEXT/DELIVERED", "LAST ERROR");
  for (const auto& d : list.deliveries()) {
    int64_t when = d.state() == v1::DELIVERY_DELIVERED ? d.delivered_ms()
                   : d.state() == v1::DELIVERY_PENDING ? d.next_attempt_ms()
                                                       : 0;
    std::printf("%-36s  %-36s  %-22s  %-9s  %8u  %-21s  %s\n", d.event_id().c_str(), d.webhook_id().c_str(),
                EventName(d.event()).c_str(), StateName(d.state()).c_str(), d.attempts(), Time(when).c_str(),
                d.last_error().c_str());
  }
  std::printf("%d deliver%s (newest first)\n", list.deliveries_size(), list.deliveries_size() == 1 ? "y" : "ies");
  return 0;
}

int Redeliver(const Args& fl) {
  std::unique_ptr<IntegrationClient> conn;
  if (int rc = Connect(fl, &conn); rc >= 0) return rc;
  if (fl.positional().size() != 4) return IntegrationUsage("webhook redeliver takes WEBHOOK_ID EVENT_ID");
  v1::RedeliverRequest req;
  req.set_webhook_id(fl.positional()[2]);
  req.set_event_id(fl.positional()[3]);
  auto got = conn->Redeliver(req);
  if (!got.ok()) return IntegrationFail(got.status());
  const v1::Delivery& d = *got;
  if (fl.Has("json")) std::printf("%s\n", MessageToJsonLine(d).c_str());
  else std::printf("event %s queued again for webhook %s\n", d.event_id().c_str(), d.webhook_id().c_str());
  return 0;
}

}  // namespace

int RunWebhook(const Args& fl) {
  const std::string& sub = fl.positional()[1];
  if (sub == "add") return Add(fl);
  if (sub == "list") return List(fl);
  if (sub == "remove") return Remove(fl);
  if (sub == "deliveries") return Deliveries(fl);
  return Redeliver(fl);
}

}  // namespace inspectsync::tools
