#include "tools/integration.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <fstream>

#include "tools/connection.h"

namespace inspectsync::tools {

const char* kIntegrationUsage =
    "integration commands: inspectsync admin <command> [--server HOST:PORT] [--ca FILE]\n"
    "                      (--token-file F | --token T) [--insecure] [--json]   role office or integration\n"
    "  watch [--consumer NAME] [--from SEQ] [--collection C]... [--zone Z]... [--site S]... [--until-head] [--ack]\n"
    "  consumers                          the feed's named consumers and how far behind they are\n"
    "  findings [--zone Z]... [--site S]... [--status S]... [--category C]... [--severity S]... [--overdue]\n"
    "           [--updated-after YYYY-MM-DD|SEQ]\n"
    "  export --format csv|jsonl [--out FILE] [same filters as findings]\n"
    "  summary [--zone Z]... [--category C]...   counts by zone x category x status, overdue, conflicts\n"
    "  import zones|sites|users|assignments FILE [--format csv|jsonl] --server ...   all or nothing, on the server\n"
    "  conflicts list [--site S]... [--zone Z]... [--inspector U] [--older-than-days N] [--all]\n"
    "  conflicts resolve ID (--keep-winner | --take-loser | --value TEXT) [--note TEXT]\n"
    "  webhook add --url URL --event finding.created|finding.status_changed|finding.overdue|conflict.opened...\n"
    "              [--secret S] [--description D]     (prints the secret once)\n"
    "  webhook list | remove ID | deliveries [--webhook ID] [--failed] | redeliver WEBHOOK_ID EVENT_ID\n";

std::set<std::string> ConnectionFlags() { return {"server", "ca", "token", "token-file", "insecure", "json", "help"}; }
std::set<std::string> ConnectionSwitches() { return {"insecure", "json", "help"}; }

StatusOr<std::unique_ptr<IntegrationClient>> ConnectIntegration(const Flags& fl) {
  auto options = GrpcOptionsFromFlags(fl);
  if (!options.ok()) return options.status();
  if (options->token.empty())
    return InvalidArgument("give a token of role office or integration: --token-file F or --token T");
  if (options->ca_cert_file.empty() && std::ifstream("var/certs/ca.pem")) options->ca_cert_file = "var/certs/ca.pem";
  options->call_deadline = std::chrono::seconds(60);
  return IntegrationClient::Connect(fl.Get("server", "127.0.0.1:7443"), *options);
}

int IntegrationFail(const Status& s) {
  std::fprintf(stderr, "inspectsync admin: %s\n", s.ToString().c_str());
  return 1;
}

int IntegrationUsage(const std::string& why) {
  std::fprintf(stderr, "inspectsync admin: %s\n%s", why.c_str(), kIntegrationUsage);
  return 2;
}

std::string MessageToJsonLine(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

bool IsIntegrationCommand(const std::vector<std::string>& args) {
  static const std::set<std::string> kCommands = {"watch",   "consumers", "findings", "export",
                                                  "summary", "conflicts", "webhook"};
  return !args.empty() && kCommands.count(args[0]) > 0;
}

int CmdIntegration(const std::vector<std::string>& args) {
  const std::string& what = args[0];
  if (what == "watch") return CmdWatch(args);
  if (what == "consumers") return CmdConsumers(args);
  if (what == "findings") return CmdFindings(args);
  if (what == "export") return CmdExport(args);
  if (what == "summary") return CmdSummary(args);
  if (what == "conflicts") return CmdConflicts(args);
  if (what == "webhook") return CmdWebhook(args);
  return IntegrationUsage("unknown command '" + what + "'");
}

}  // namespace inspectsync::tools
