#include "tools/integration.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>

#include "tools/commands.h"
#include "tools/connection.h"

namespace inspectsync::tools {

StatusOr<std::unique_ptr<IntegrationClient>> ConnectIntegration(const Args& fl) {
  auto options = DirectCallOptions(fl, "office or integration");
  if (!options.ok()) return options.status();
  return IntegrationClient::Connect(ServerAddress(fl), *options);
}

int IntegrationFail(const Status& s) {
  std::fprintf(stderr, "inspectsync admin: %s\n", s.ToString().c_str());
  return 1;
}

int IntegrationUsage(const std::string& why) {
  std::fprintf(stderr, "inspectsync admin: %s\nsee 'inspectsync admin --help'\n", why.c_str());
  return kExitUsage;
}

std::string MessageToJsonLine(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

namespace {


Command& FindingFilters(Command& c) {
  return c.Multi("zone", "ZONE", "only this zone (code or id; commas for several)")
      .Multi("site", "SITE", "only this site (code or id; commas for several)")
      .Multi("status", "STATUS", "only this status (open, notified, rectified, ...)")
      .Multi("category", "TEXT", "only this category")
      .Multi("severity", "LEVEL", "only this severity (low, medium, high, critical)")
      .Switch("overdue", "only overdue findings")
      .Multi("campaign", "CAMPAIGN", "only findings of inspections of this campaign (id or exact name)")
      .Opt("sample", "CAMPAIGN", "only findings at the sites of this spot check's sample (id or exact name)")
      .Opt("updated-after", "DATE|SEQ", "changed on that day (YYYY-MM-DD) or after that commit seq");
}

}  // namespace

void AddIntegrationCommands(Command& admin) {
  // The connection of the office's own systems, on every integration command.
  auto leaf = [](Command c, const Handler& run) {
    DirectCallLeaf(c, "connection (a token of role office or integration)", run);
  };
  leaf(admin.Sub("watch", "the live change feed; resumes where the consumer acked, no gap")
           .Opt("consumer", "NAME", "a named consumer whose cursor the server keeps")
           .Opt("from", "SEQ", "start after this commit seq")
           .Multi("collection", "NAME", "only this collection")
           .Multi("zone", "ZONE", "only this zone (id)")
           .Multi("site", "SITE", "only this site (id)")
           .Opt("page-size", "N", "changes per batch")
           .Switch("until-head", "stop at the current head instead of waiting")
           .Switch("ack", "store the consumer's cursor as changes are printed")
           .Switch("include-reference", "include zones, sites, users and assignments"),
       RunWatch);
  leaf(admin.Sub("consumers", "the feed's named consumers and how far behind they are"), RunConsumers);
  Command findings = admin.Sub("findings", "findings, every page, as a table");
  leaf(FindingFilters(findings), RunFindings);
  Command exp = admin.Sub("export", "export findings, streamed, any size");
  FindingFilters(exp)
      .Opt("format", "FORMAT", "csv or jsonl (required)")
      .Opt("out", "FILE", "write here (complete or not at all) instead of standard output")
      .Switch("bom", "begin the CSV with a UTF-8 byte order mark, so Excel opens Chinese text correctly");
  leaf(exp, RunExport);
  leaf(admin.Sub("summary", "counts by zone x category x status, overdue, conflicts")
           .Multi("zone", "ZONE", "only this zone (code or id)")
           .Multi("category", "TEXT", "only this category")
           .Multi("campaign", "CAMPAIGN", "only findings of inspections of this campaign (id or exact name)")
           .Opt("sample", "CAMPAIGN", "only findings at the sites of this spot check's sample (id or exact name)"),
       RunSummary);
  Command conflicts = admin.Sub("conflicts", "conflicts for review");
  leaf(conflicts.Sub("list", "open conflicts")
           .Multi("site", "SITE", "only this site (id)")
           .Multi("zone", "ZONE", "only this zone (id)")
           .Opt("inspector", "USER", "only conflicts this person lost")
           .Opt("older-than-days", "N", "only those open longer than this")
           .Switch("all", "resolved ones too"),
       RunConflicts);
  leaf(conflicts.Sub("resolve", "settle a conflict: keep the winner, take the loser, or a new value")
           .Pos("ID", "the conflict")
           .Switch("keep-winner", "keep the value that won")
           .Switch("take-loser", "take the value that lost")
           .Opt("value", "TEXT", "or this value")
           .Opt("note", "TEXT", "why"),
       RunConflicts);
  Command webhook = admin.Sub("webhook", "signed webhooks to the office's systems");
  leaf(webhook.Sub("add", "register an endpoint (prints its secret once)")
           .Opt("url", "URL", "where to POST (https)")
           .Multi("event", "EVENT", "finding.created, finding.status_changed, finding.overdue, conflict.opened, ...")
           .Opt("secret", "TEXT", "the signing secret (default: a new random one)")
           .Opt("description", "TEXT", "what it is for"),
       RunWebhook);
  leaf(webhook.Sub("list", "the registered webhooks"), RunWebhook);
  leaf(webhook.Sub("remove", "remove a webhook; its undelivered events are dropped").Pos("ID", "the webhook"), RunWebhook);
  leaf(webhook.Sub("deliveries", "deliveries, newest first")
           .Opt("webhook", "ID", "only this webhook")
           .Switch("failed", "only failed ones")
           .Switch("pending", "only pending ones")
           .Opt("limit", "N", "at most this many (up to 1000)"),
       RunWebhook);
  leaf(webhook.Sub("redeliver", "queue an event again for a webhook")
           .Pos("WEBHOOK_ID", "the webhook")
           .Pos("EVENT_ID", "the event"),
       RunWebhook);
}

}  // namespace inspectsync::tools
