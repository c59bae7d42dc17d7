#include "server/console/console_server.h"

// Debian's pkg-config flags define it already; the library is built with it.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include "server/console/assets.h"
#include "server/console/events.h"
#include "server/console/gateway.h"
#include "server/console/http_policy.h"
#include "server/console/problems_csv.h"

namespace inspectsync::server::console {

namespace {

namespace pb = google::protobuf;

constexpr char kJson[] = "application/json; charset=utf-8";

httplib::Headers SecurityHeaders() {
  return {
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  };
}

// The default headers reach the responses of routes; answers given before
// routing (413 from the pre-routing check) need them set here.
void AddSecurityHeaders(httplib::Response& res) {
  for (const auto& [name, value] : SecurityHeaders())
    if (!res.has_header(name.c_str())) res.set_header(name.c_str(), value);
}

void SendError(httplib::Response& res, int http, const std::string& code, const std::string& message) {
  AddSecurityHeaders(res);
  res.status = http;
  res.set_header("Cache-Control", "no-store");
  res.set_content(ErrorJson(code, message), kJson);
}

void SendStatus(httplib::Response& res, const Status& st) {
  SendError(res, HttpStatusFor(st.code()), StatusCodeName(st.code()), st.message());
}

void SendJson(httplib::Response& res, const std::string& body) {
  res.status = 200;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body, kJson);
}

std::string JsonOf(const pb::Message& m) {
  std::string out;
  pb::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  (void)pb::util::MessageToJsonString(m, &out, print);
  return out;
}

bool IsWrite(const httplib::Request& req) { return req.method != "GET" && req.method != "HEAD"; }

bool StartsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

struct ConsoleServer::Impl {
  ConsoleEnv env;
  ConsoleOptions options;
  std::string scheme;       // "https" or "http"
  std::string cookie_name;  // "__Host-inspectsync", or "inspectsync" over plain HTTP
  std::string host;
  int port = 0;
  std::unique_ptr<httplib::Server> http;
  std::thread thread;
  std::unique_ptr<TokenMinter> tokens;
  std::unique_ptr<Gateway> gateway;
  std::unique_ptr<HeadWatch> heads;
  std::unique_ptr<Accounts> accounts;
  std::atomic<int> event_streams{0};
  std::once_flag stop_once;

  // ---- who is asking -----------------------------------------------------

  std::string CookieSecret(const httplib::Request& req) const {
    return CookieValue(req.get_header_value("Cookie"), cookie_name);
  }

  // A write must come from the console's own pages (http_policy.h): the
  // origin it came to is the scheme served and the request's Host.
  bool SameOrigin(const httplib::Request& req, httplib::Response& res) const {
    auto header = [&](const char* name) {
      return req.has_header(name) ? std::optional<std::string>(req.get_header_value(name)) : std::nullopt;
    };
    if (IsSameOrigin(scheme + "://" + req.get_header_value("Host"), header("Origin"), header("Referer"))) return true;
    SendError(res, 403, "PERMISSION_DENIED",
              "请求被拒绝：不是来自本控制台的页面 (refused: the request does not come from this console's own pages)");
    return false;
  }

  // The signed-in person of a request, or a 401/403 already sent. Writes
  // also need the same origin and the session's CSRF token.
  std::optional<SessionInfo> Authorize(const httplib::Request& req, httplib::Response& res, std::string* secret_out = nullptr) {
    if (IsWrite(req) && !SameOrigin(req, res)) return std::nullopt;
    const std::string secret = CookieSecret(req);
    if (secret.empty()) {
      SendError(res, 401, "UNAUTHENTICATED", "请先登录 (please sign in)");
      return std::nullopt;
    }
    auto session = accounts->Check(secret);
    if (!session.ok()) {
      SendStatus(res, session.status());
      return std::nullopt;
    }
    if (IsWrite(req)) {
      const std::string csrf = req.get_header_value("X-CSRF-Token");
      if (!TokensEqual(csrf, session->csrf_token)) {
        SendError(res, 403, "PERMISSION_DENIED",
                  "请求被拒绝：缺少或错误的 CSRF 令牌，请刷新页面 (refused: missing or wrong CSRF token; reload the page)");
        return std::nullopt;
      }
    }
    if (secret_out != nullptr) *secret_out = secret;
    return std::move(*session);
  }

  static Person PersonOf(const SessionInfo& s) { return Person{s.user_id, s.role}; }

  std::string SessionJson(const SessionInfo& s) const {
    pb::Struct body;
    pb::Struct* user = (*body.mutable_fields())["user"].mutable_struct_value();
    (*user->mutable_fields())["id"].set_string_value(s.user_id);
    (*user->mutable_fields())["name"].set_string_value(s.user_name);
    (*user->mutable_fields())["role"].set_string_value(v1::Role_Name(s.role));
    (*body.mutable_fields())["csrf"].set_string_value(s.csrf_token);
    return JsonOf(body);
  }

  std::string Cookie(const std::string& value, bool clear) const {
    return SessionCookie(cookie_name, value, scheme == "https", clear);
  }

  // ---- routes --------------------------------------------------------------

  void ServeAsset(const std::string& path, const httplib::Request& req, httplib::Response& res) {
    const Asset* a = FindAsset(path);
    if (a == nullptr) {
      res.status = 404;
      res.set_content("not found", "text/plain; charset=utf-8");
      return;
    }
    // Revalidated every time (no-cache), answered 304 when unchanged: a new
    // build's page is never mixed with an old build's scripts.
    res.set_header("Cache-Control", "no-cache");
    res.set_header("ETag", std::string(a->etag));
    if (req.get_header_value("If-None-Match") == a->etag) {
      res.status = 304;
      return;
    }
    res.set_content(a->data.data(), a->data.size(), std::string(a->content_type));
  }

  void SignIn(const httplib::Request& req, httplib::Response& res) {
    if (!SameOrigin(req, res)) return;
    if (req.body.size() > options.max_body_bytes) return TooLarge(res, options.max_body_bytes);
    pb::Struct body;
    pb::util::JsonParseOptions parse;
    if (!pb::util::JsonStringToMessage(req.body, &body, parse).ok())
      return SendError(res, 400, "INVALID_ARGUMENT", "请求不是有效的 JSON (the body is not JSON: {\"login\":..,\"password\":..})");
    auto text = [&](const char* key) -> std::optional<std::string> {
      auto it = body.fields().find(key);
      if (it == body.fields().end() || it->second.kind_case() != pb::Value::kStringValue) return std::nullopt;
      return it->second.string_value();
    };
    auto login = text("login");
    auto password = text("password");
    if (!login || !password || login->empty())
      return SendError(res, 400, "INVALID_ARGUMENT", "请填写用户名和密码 (give a login and a password)");
    auto session = accounts->SignIn(*login, *password, req.remote_addr);
    if (!session.ok()) return SendStatus(res, session.status());
    res.set_header("Set-Cookie", Cookie(session->secret, false));
    SendJson(res, SessionJson(session->info));
  }

  void SignOut(const httplib::Request& req, httplib::Response& res) {
    std::string secret;
    if (!Authorize(req, res, &secret)) return;
    if (Status st = accounts->SignOut(secret); !st.ok()) return SendStatus(res, st);
    heads->Poke();  // its live views look at their session again, and end
    res.set_header("Set-Cookie", Cookie("", true));
    res.set_header("Cache-Control", "no-store");
    res.status = 204;
  }

  void Rpc(const httplib::Request& req, httplib::Response& res) {
    auto method = gateway->Find(req.matches[1], req.matches[2]);
    if (!method.ok()) return SendStatus(res, method.status());
    auto session = Authorize(req, res);
    if (!session) return;
    if (req.body.size() > gateway->BodyLimit(*method)) return TooLarge(res, gateway->BodyLimit(*method));
    auto reply = gateway->CallJson(PersonOf(*session), *method, req.body);
    if (!reply.ok()) return SendStatus(res, reply.status());
    SendJson(res, *reply);
  }

  void TooLarge(httplib::Response& res, size_t limit) {
    SendError(res, 413, "RESOURCE_EXHAUSTED",
              "请求太大（上限 " + std::to_string(limit / 1024) + " KiB） (the request is larger than the console takes: " +
                  std::to_string(limit) + " bytes)");
  }

  void Events(const httplib::Request& req, httplib::Response& res);
  void ExportProblems(const httplib::Request& req, httplib::Response& res);
  void Photo(const httplib::Request& req, httplib::Response& res);

  void Routes();
};

void ConsoleServer::Impl::Events(const httplib::Request& req, httplib::Response& res) {
  std::string secret;
  if (!Authorize(req, res, &secret)) return;
  if (event_streams.fetch_add(1) >= options.max_event_streams) {
    event_streams.fetch_sub(1);
    return SendError(res, 503, "UNAVAILABLE", "实时更新连接已满，请稍后刷新 (too many live views are open; reload later)");
  }
  struct Stream {
    std::string secret;
    uint64_t seen = 0;          // HeadWatch commits seen
    uint64_t head = 0;          // last head sent
    bool started = false;
  };
  auto stream = std::make_shared<Stream>();
  stream->secret = secret;
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, stream](size_t, httplib::DataSink& sink) {
        auto send = [&](const std::string& text) { return sink.write(text.data(), text.size()); };
        auto event = [&](uint64_t head) {
          return send("event: change\ndata: {\"head\":\"" + std::to_string(head) + "\"}\n\n");
        };
        if (!stream->started) {
          stream->started = true;
          stream->seen = heads->commits();
          stream->head = heads->Head();
          return send("retry: 3000\n\n") && event(stream->head);
        }
        const bool moved_before = heads->commits() > stream->seen;
        if (!moved_before &&
            !heads->WaitPast(stream->seen, std::chrono::milliseconds(options.heartbeat_ms))) {
          sink.done();  // the server is stopping
          return true;
        }
        if (heads->stopped()) {
          sink.done();
          return true;
        }
        // Signed out, password changed, expired, deactivated: the view ends
        // (the page learns it from its next request). The check counts as
        // activity: an open console page keeps its session from idling out
        // (the absolute expiry still ends it).
        if (!accounts->Check(stream->secret).ok()) {
          send("event: signed-out\ndata: {}\n\n");
          sink.done();
          return true;
        }
        const uint64_t commits = heads->commits();
        if (commits == stream->seen) return send(": heartbeat\n\n");
        stream->seen = commits;
        const uint64_t head = heads->Head();
        if (head != stream->head) {
          stream->head = head;
          if (!event(head)) return false;
        }
        // Coalesce: commits during the pause are one event after it.
        if (!heads->Sleep(std::chrono::milliseconds(options.min_event_interval_ms))) {
          sink.done();
        }
        return true;
      },
      [this](bool) { event_streams.fetch_sub(1); });
}

void ConsoleServer::Impl::ExportProblems(const httplib::Request& req, httplib::Response& res) {
  auto session = Authorize(req, res);
  if (!session) return;
  v1::ProblemQuery query;
  const std::string q = req.get_param_value("q");
  if (!q.empty()) {
    pb::util::JsonParseOptions parse;
    if (auto st = pb::util::JsonStringToMessage(q, &query, parse); !st.ok())
      return SendError(res, 400, "INVALID_ARGUMENT",
                       "导出条件无效 (the q parameter is not a valid ProblemQuery in JSON: " + std::string(st.message()) + ")");
  }
  auto csv = std::make_shared<ProblemsCsv>(gateway.get(), PersonOf(*session), query);
  if (Status st = csv->Start(); !st.ok()) return SendStatus(res, st);
  res.set_header("Cache-Control", "no-store");
  res.set_header("Content-Disposition",
                 "attachment; filename=\"problems.csv\"; filename*=UTF-8''%E9%97%AE%E9%A2%98%E6%B8%85%E5%8D%95.csv");
  res.set_chunked_content_provider("text/csv; charset=utf-8", [csv](size_t, httplib::DataSink& sink) {
    std::string piece;
    if (!csv->Next(&piece)) {
      // A failure after the first bytes cannot change the status: end the
      // response without its final chunk, so the browser reports the
      // download failed instead of keeping a file cut short.
      if (!csv->status().ok()) return false;
      sink.done();
      return true;
    }
    return sink.write(piece.data(), piece.size());
  });
}

void ConsoleServer::Impl::Photo(const httplib::Request& req, httplib::Response& res) {
  auto session = Authorize(req, res);
  if (!session) return;
  auto photo = gateway->OpenPhoto(PersonOf(*session), req.matches[1]);
  if (!photo.ok()) return SendStatus(res, photo.status());
  std::shared_ptr<PhotoStream> stream = std::move(*photo);
  // Only types a browser shows as an image or a document; anything else is
  // offered as a download, never rendered.
  std::string type = stream->meta().media_type();
  static const char* const kShown[] = {"image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"};
  bool shown = false;
  for (const char* t : kShown) shown = shown || type == t;
  if (!shown) {
    type = "application/octet-stream";
    res.set_header("Content-Disposition", "attachment");
  }
  res.set_header("Cache-Control", "private, no-store");
  res.set_chunked_content_provider(type, [stream](size_t, httplib::DataSink& sink) {
    std::string data;
    if (!stream->Next(&data)) {
      if (!stream->status().ok()) return false;  // cut short: the browser sees a broken image
      sink.done();
      return true;
    }
    return data.empty() || sink.write(data.data(), data.size());
  });
}

void ConsoleServer::Impl::Routes() {
  httplib::Server& s = *http;
  s.Get("/", [this](const httplib::Request& req, httplib::Response& res) { ServeAsset("index.html", req, res); });
  s.Get("/static/(.+)", [this](const httplib::Request& req, httplib::Response& res) {
    ServeAsset(req.matches[1], req, res);
  });
  s.Get("/api/session", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto session = Authorize(req, res)) SendJson(res, SessionJson(*session));
  });
  s.Post("/api/session", [this](const httplib::Request& req, httplib::Response& res) { SignIn(req, res); });
  s.Delete("/api/session", [this](const httplib::Request& req, httplib::Response& res) { SignOut(req, res); });
  s.Post("/api/rpc/([A-Za-z]+)/([A-Za-z]+)",
         [this](const httplib::Request& req, httplib::Response& res) { Rpc(req, res); });
  s.Get("/api/events", [this](const httplib::Request& req, httplib::Response& res) { Events(req, res); });
  s.Get("/api/export/problems.csv",
        [this](const httplib::Request& req, httplib::Response& res) { ExportProblems(req, res); });
  s.Get("/api/photos/([^/]+)", [this](const httplib::Request& req, httplib::Response& res) { Photo(req, res); });
  auto unknown = [](const httplib::Request& req, httplib::Response& res) {
    SendError(res, 404, "NOT_FOUND", "没有这个接口 (no such API: " + req.method + " " + req.path + ")");
  };
  s.Get("/api/.*", unknown);
  s.Post("/api/.*", unknown);
  s.Put("/api/.*", unknown);
  s.Delete("/api/.*", unknown);
  s.Patch("/api/.*", unknown);

  // Bodies are read up to the largest any route takes (an Import's), then
  // each route holds them to its own limit (TooLarge): refusing from the
  // Content-Length before reading would leave a browser still sending, and
  // it would see a broken connection instead of the message. Larger bodies
  // get the library's 413 unread.
  //
  // What the library answers itself (413 past the payload limit, 400 for a
  // malformed request, 404 off the API) gets a message too: JSON under /api.
  s.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.has_header("Content-Length")) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 413) {
      TooLarge(res, std::max(options.max_body_bytes, env.max_message_bytes));
    } else if (StartsWith(req.path, "/api/")) {
      SendError(res, res.status, res.status == 404 ? "NOT_FOUND" : "INVALID_ARGUMENT",
                "请求无效 (the request was refused: HTTP " + std::to_string(res.status) + ")");
    } else {
      res.set_content(res.status == 404 ? "not found" : "bad request", "text/plain; charset=utf-8");
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    SendError(res, 500, "INTERNAL", "服务器内部错误 (internal error)");
  });
  s.set_default_headers(SecurityHeaders());
}

ConsoleServer::ConsoleServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ConsoleServer::~ConsoleServer() { Stop(); }

int ConsoleServer::port() const { return impl_->port; }

std::string ConsoleServer::url() const {
  const std::string& h = impl_->host;
  return impl_->scheme + "://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" +
         std::to_string(impl_->port) + "/";
}

void ConsoleServer::Stop() {
  std::call_once(impl_->stop_once, [this] {
    if (impl_->heads) impl_->heads->Stop();  // open live views end their streams
    if (impl_->http) impl_->http->stop();
    if (impl_->thread.joinable()) impl_->thread.join();
    impl_->heads.reset();  // removes the commit listener
  });
}

StatusOr<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(const ConsoleEnv& env, const ConsoleOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->env = env;
  impl->options = options;
  std::string listen = options.listen;
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("--console-listen '" + listen + "': give HOST:PORT");
  impl->host = listen.substr(0, colon);
  if (!impl->host.empty() && impl->host.front() == '[' && impl->host.back() == ']')
    impl->host = impl->host.substr(1, impl->host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return InvalidArgument("--console-listen '" + listen + "': the port is not a number");
  }
  if (env.insecure) {
    impl->scheme = "http";
    impl->cookie_name = "inspectsync";
    impl->http = std::make_unique<httplib::Server>();
  } else {
    impl->scheme = "https";
    impl->cookie_name = "__Host-inspectsync";
    auto ssl = std::make_unique<httplib::SSLServer>(env.tls_cert_file.c_str(), env.tls_key_file.c_str());
    if (!ssl->is_valid())
      return FailedPrecondition("the console cannot use the certificate " + env.tls_cert_file + " and key " +
                                env.tls_key_file);
    impl->http = std::move(ssl);
  }
  const int threads = std::max(2, options.threads);
  impl->http->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  impl->http->set_read_timeout(std::chrono::milliseconds(options.read_timeout_ms));
  impl->http->set_write_timeout(std::chrono::milliseconds(options.write_timeout_ms));
  impl->http->set_keep_alive_timeout(std::max<time_t>(1, options.keep_alive_ms / 1000));
  // A page loads a dozen modules and then calls the API often: without this
  // every fifth request would pay a new TLS handshake.
  impl->http->set_keep_alive_max_count(100);
  // Small responses (an RPC's JSON, a module) are written as headers then
  // body; with Nagle's algorithm the body waits for the browser's delayed
  // ACK, ~50 ms a request (BENCHMARKS.md).
  impl->http->set_tcp_nodelay(true);
  impl->http->set_payload_max_length(std::max(options.max_body_bytes, env.max_message_bytes));

  impl->tokens = std::make_unique<TokenMinter>(env.token_keys_file, env.clock, options.token_ttl_s, options.token_renew_s);
  impl->gateway = std::make_unique<Gateway>(env.grpc_server, impl->tokens.get(), options, env.max_message_bytes);
  impl->heads = std::make_unique<HeadWatch>(env.engine);
  impl->accounts = std::make_unique<Accounts>(env.engine, env.store, env.clock, options.accounts);
  // First run: nobody has a password yet, so the first office user gets one,
  // printed once (never logged anywhere else, never printed again).
  std::string first_run;
  INSPECTSYNC_RETURN_IF_ERROR(EnsureFirstPassword(*impl->accounts, &first_run));
  impl->Routes();

  if (port == 0) {
    impl->port = impl->http->bind_to_any_port(impl->host);
  } else if (impl->http->bind_to_port(impl->host, port)) {
    impl->port = port;
  }
  if (impl->port <= 0)
    return Unavailable("the console cannot listen on " + listen + " (address in use or not valid?)");
  httplib::Server* http = impl->http.get();
  impl->thread = std::thread([http] { http->listen_after_bind(); });
  if (!first_run.empty()) {
    std::fprintf(stderr, "%s\n", first_run.c_str());
    std::fflush(stderr);
  }
  return std::unique_ptr<ConsoleServer>(new ConsoleServer(std::move(impl)));
}

}  // namespace inspectsync::server::console
