#include "tools/server_flags.h"


namespace inspectsync::tools {

namespace {

using S = ServerSettings;
using F = ServerFlag;
constexpr long long kNoMax = 1LL << 40;

F Text(const char* name, const char* metavar, const char* help,
       std::function<void(S*, const std::string&)> set) {
  return F{name, F::kText, metavar, 0, 0, 0, help,
           [set](S* s, const std::string& text, long long) { set(s, text); }};
}

F Num(const char* name, const char* metavar, long long def, long long min, long long max, const char* help,
      std::function<void(S*, long long)> set) {
  return F{name, F::kNumber, metavar, def, min, max, help,
           [set](S* s, const std::string&, long long n) { set(s, n); }};
}

std::vector<ServerFlagGroup> MakeGroups() {
  return {
      {"where it serves and what it trusts",
       {
           Text("listen", "HOST:PORT", "address to serve on (default 127.0.0.1:7443; port 0 picks one)",
                [](S* s, const std::string& v) { s->server.listen = v; }),
           Text("db", "PATH", "SQLite database file (default var/inspectsync.db; created if missing)",
                [](S* s, const std::string& v) { s->server.db_path = v; }),
           Text("certs", "DIR",
                "development CA and server certificate, created on first start (default var/certs); "
                "tablets trust DIR/ca.pem",
                [](S* s, const std::string& v) { s->server.certs_dir = v; }),
           Text("tls-cert", "FILE", "your own certificate (PEM), with --tls-key, instead of --certs",
                [](S* s, const std::string& v) { s->server.tls_cert_file = v; }),
           Text("tls-key", "FILE", "its private key (PEM)", [](S* s, const std::string& v) { s->server.tls_key_file = v; }),
           Text("token-keys", "FILE", "key ring that signs and verifies tokens (default var/token-keys, mode 0600)",
                [](S* s, const std::string& v) { s->server.token_keys_file = v; }),
           Text("console-listen", "HOST:PORT",
                "the office console (HTTPS, plain HTTP with --insecure); default: --listen's host on port 7444 "
                "(port 0 when --listen's port is 0); \"\" = no console",
                [](S* s, const std::string& v) { s->server.console.listen = v; }),
           Text("console-roles", "ROLES",
                "also let these roles sign in to the console: inspector, integration (comma-separated; "
                "office and zone directors always may)",
                [](S* s, const std::string& v) { s->console_roles = v; }),
           F{"insecure", F::kSwitch, "", 0, 0, 0,
             "plaintext; refused unless the address resolves to loopback only (tests, local tools)",
             [](S* s, const std::string&, long long) { s->server.insecure = true; }},
       }},
      {"limits (a breach gets INVALID_ARGUMENT or RESOURCE_EXHAUSTED naming the limit)",
       {
           Num("max-batch", "N", 1000, 1, 100000, "mutations per push",
               [](S* s, long long n) { s->server.engine.max_batch = static_cast<size_t>(n); }),
           Num("page-size", "N", 500, 1, 1000000, "records per pull page when the tablet does not say",
               [](S* s, long long n) { s->server.engine.default_page_size = static_cast<uint32_t>(n); }),
           Num("max-page-size", "N", 5000, 1, 1000000, "largest page a tablet may ask for (>= --page-size)",
               [](S* s, long long n) { s->server.engine.max_page_size = static_cast<uint32_t>(n); }),
           Num("max-message-bytes", "N", 16 << 20, 4096, 1LL << 30,
               "largest request; must hold twice the largest PATCH the schema allows",
               [](S* s, long long n) { s->server.max_message_bytes = static_cast<int>(n); }),
           Num("max-page-bytes", "N", 4 << 20, 4096, 1LL << 30,
               "bytes of records in one response: pull pages, push results, feed batches, lists",
               [](S* s, long long n) { s->server.engine.max_page_bytes = static_cast<size_t>(n); }),
           Num("max-string-bytes", "N", 0, 0, 1LL << 30, "cap on every text value below each field's own (0 = none)",
               [](S* s, long long n) { s->server.engine.limits.max_string_bytes = static_cast<uint32_t>(n); }),
           Num("max-clock-drift-s", "S", 900, 0, kNoMax, "how far ahead a tablet's clock may be",
               [](S* s, long long n) { s->server.engine.limits.max_clock_drift_ms = n * 1000; }),
           Num("storage-threads", "N", 16, 1, 1024,
               "threads that run writes (pushes, imports, resolutions): as many as this share one commit",
               [](S* s, long long n) { s->server.storage_threads = static_cast<int>(n); }),
           Num("read-threads", "N", 0, 0, 1024,
               "threads that run reads (pull pages, lists, exports, the feed); 0 = one per reader connection",
               [](S* s, long long n) { s->server.read_threads = static_cast<int>(n); }),
           Num("grace-s", "S", 10, 0, 86400, "on SIGTERM, how long in-flight calls may finish",
               [](S* s, long long n) { s->grace_s = n; }),
       }},
      {"connections and streams (what a client that stops talking or reading may hold)",
       {
           Num("handshake-timeout-s", "S", 10, 1, 3600, "a new connection must finish its TLS handshake in this",
               [](S* s, long long n) { s->server.connections.handshake_timeout_ms = n * 1000; }),
           Num("idle-timeout-s", "S", 300, 0, kNoMax, "a connection with no call for this long is closed (0 = never)",
               [](S* s, long long n) { s->server.connections.idle_timeout_ms = n * 1000; }),
           Num("max-connection-age-s", "S", 3600, 0, kNoMax,
               "connections are renewed after this; clients reconnect (0 = never)",
               [](S* s, long long n) { s->server.connections.max_age_ms = n * 1000; }),
           Num("max-connection-age-grace-s", "S", 600, 0, kNoMax, "then calls in flight may finish for this long",
               [](S* s, long long n) { s->server.connections.max_age_grace_ms = n * 1000; }),
           Num("keepalive-s", "S", 60, 0, kNoMax, "ping a quiet connection this often (0 = gRPC's 2 h)",
               [](S* s, long long n) { s->server.connections.keepalive_ms = n * 1000; }),
           Num("keepalive-timeout-s", "S", 20, 1, 3600, "and close it if the ping is not answered in this",
               [](S* s, long long n) { s->server.connections.keepalive_timeout_ms = n * 1000; }),
           Num("max-streams-per-connection", "N", 100, 1, 100000, "calls in flight on one connection",
               [](S* s, long long n) { s->server.connections.max_streams_per_connection = static_cast<int>(n); }),
           Num("max-streams-per-caller", "N", 8, 0, 100000,
               "open pulls, watches, exports and photo transfers per user and device (0 = no limit)",
               [](S* s, long long n) { s->server.streams.max_per_caller = static_cast<int>(n); }),
           Num("stall-timeout-s", "S", 60, 0, kNoMax,
               "a stream whose client takes no message for this long is cancelled (0 = never)",
               [](S* s, long long n) { s->server.streams.stall_ms = n * 1000; }),
           Num("max-call-s", "S", 600, 0, kNoMax,
               "a pull, export or photo transfer still running after this ends; the client resumes (0 = never)",
               [](S* s, long long n) { s->server.engine.max_call_ms = n * 1000; }),
           Num("max-buffered-mb", "MB", 256, 0, 1 << 20,
               "messages handed to clients and not yet read, all streams together (0 = no limit)",
               [](S* s, long long n) { s->server.streams.max_buffered_bytes = static_cast<size_t>(n) << 20; }),
           Num("max-token-ttl-days", "D", 90, 0, 36500,
               "tokens made to live longer than this are refused (0 = no limit)",
               [](S* s, long long n) { s->server.auth.max_token_ttl_s = n * 86400; }),
       }},
      {"photo evidence",
       {
           Text("blob-dir", "DIR", "where photos are stored, by SHA-256 (default: blobs/ beside --db)",
                [](S* s, const std::string& v) { s->server.attachments.dir = v; }),
           Num("max-attachment-mb", "MB", 25, 1, 4096, "largest photo; more is RESOURCE_EXHAUSTED",
               [](S* s, long long n) { s->server.attachments.max_attachment_bytes = static_cast<uint64_t>(n) << 20; }),
           Num("device-quota-mb", "MB", 2048, 1, kNoMax, "photos one device may upload in all",
               [](S* s, long long n) { s->server.attachments.device_quota_bytes = static_cast<uint64_t>(n) << 20; }),
           Num("gc-grace-h", "H", 168, 0, kNoMax, "photos no finding references are removed after this",
               [](S* s, long long n) { s->server.attachments.gc_grace_ms = n * 3600 * 1000; }),
           Num("gc-interval-min", "M", 60, 0, kNoMax, "how often to look for them (0 = never)",
               [](S* s, long long n) { s->server.gc_interval_ms = n * 60 * 1000; }),
       }},
      {"webhooks (endpoints are registered with `inspectsync admin webhook add`)",
       {
           Text("webhook-ca", "FILE", "PEM bundle to verify endpoints' certificates (default: the system's)",
                [](S* s, const std::string& v) { s->server.webhooks.ca_file = v; }),
           Num("webhook-timeout-s", "S", 10, 1, 600, "one delivery attempt, connecting included",
               [](S* s, long long n) { s->server.webhooks.timeout_ms = n * 1000; }),
           Num("webhook-max-attempts", "N", 20, 1, 1000, "attempts before a delivery is FAILED",
               [](S* s, long long n) { s->server.webhooks.max_attempts = static_cast<uint32_t>(n); }),
           Num("webhook-backoff-ms", "MS", 1000, 1, kNoMax, "wait after the first failure; doubles, with jitter",
               [](S* s, long long n) { s->server.webhooks.backoff_base_ms = n; }),
           Num("webhook-backoff-cap-s", "S", 3600, 1, kNoMax, "longest wait between attempts",
               [](S* s, long long n) { s->server.webhooks.backoff_cap_ms = n * 1000; }),
       }},
  };
}

}  // namespace

std::string DefaultConsoleListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return listen + ":7444";
  return listen.substr(0, colon) + (listen.substr(colon + 1) == "0" ? ":0" : ":7444");
}

bool ApplyConsoleRoles(const std::string& roles, server::console::AccountOptions* accounts, std::string* error) {
  size_t pos = 0;
  while (pos <= roles.size()) {
    size_t comma = roles.find(',', pos);
    if (comma == std::string::npos) comma = roles.size();
    std::string role = roles.substr(pos, comma - pos);
    while (!role.empty() && role.front() == ' ') role.erase(role.begin());
    while (!role.empty() && role.back() == ' ') role.pop_back();
    if (role == "inspector") {
      accounts->allow_inspector = true;
    } else if (role == "integration") {
      accounts->allow_integration = true;
    } else if (!role.empty() && role != "office" && role != "zone_director") {
      *error = "--console-roles: '" + role + "' is not a role (inspector, integration; office and zone_director "
               "may always sign in)";
      return false;
    }
    pos = comma + 1;
  }
  return true;
}

const std::vector<ServerFlagGroup>& ServerFlagGroups() {
  static const std::vector<ServerFlagGroup>* const groups = new std::vector<ServerFlagGroup>(MakeGroups());
  return *groups;
}

void DeclareServerFlags(Command& server) {
  for (const auto& g : ServerFlagGroups()) {
    server.Group(g.heading);
    for (const auto& f : g.flags) {
      if (f.kind == F::kSwitch) {
        server.Switch(f.name, f.help);
        continue;
      }
      std::string help = f.help;
      if (f.kind == F::kNumber)
        help += " [" + std::to_string(f.def) + "; " + std::to_string(f.min) +
                (f.max >= kNoMax ? " or more" : " to " + std::to_string(f.max)) + "]";
      server.Opt(f.name, f.metavar, help);
    }
  }
}

bool ServerSettingsFromArgs(const Args& args, ServerSettings* settings, std::string* error) {
  for (const auto& g : ServerFlagGroups()) {
    for (const auto& f : g.flags) {
      if (f.kind == F::kSwitch) {
        if (args.Has(f.name)) f.apply(settings, "", 1);
        continue;
      }
      if (f.kind == F::kText) {
        if (args.Has(f.name)) f.apply(settings, args.Get(f.name), 0);
        continue;
      }
      long long n = 0;
      if (!args.GetInt(f.name, f.def, &n) || n < f.min || n > f.max) {
        *error = "--" + std::string(f.name) + " must be a whole number from " + std::to_string(f.min) +
                 (f.max >= kNoMax ? " up" : " to " + std::to_string(f.max)) + ", not '" + args.Get(f.name) + "'";
        return false;
      }
      f.apply(settings, "", n);
    }
  }
  if (!args.Has("console-listen")) settings->server.console.listen = DefaultConsoleListen(settings->server.listen);
  if (!ApplyConsoleRoles(settings->console_roles, &settings->server.console.accounts, error)) return false;
  const server::ServerOptions& o = settings->server;
  if (o.engine.max_page_size < o.engine.default_page_size) {
    *error = "--max-page-size must be at least --page-size";
    return false;
  }
  if (o.webhooks.backoff_cap_ms < o.webhooks.backoff_base_ms) {
    *error = "--webhook-backoff-cap-s must be at least --webhook-backoff-ms";
    return false;
  }
  return true;
}

}  // namespace inspectsync::tools
