// The office console's HTTP API (issue 18) against a real server on
// 127.0.0.1 port 0 over HTTPS (the test CA), called as a browser would with
// cpp-httplib's client: the page and its headers, sign-in and its cookie,
// CSRF and origin refusals that change nothing, sessions ended by sign-out
// and password changes, a zone director kept to their zones, limits, the RPC
// gateway's mapping and attribution, live events, the CSV export and photos.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <regex>
#include <thread>

#include "core/ids.h"
#include "inspectsync/client.h"
#include "server/console/accounts.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace inspectsync {
namespace {

namespace pb = google::protobuf;

constexpr int64_t kDayMs = 86'400'000;
constexpr char kPassword[] = "correct horse battery";
constexpr char kCsp[] =
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "frame-ancestors 'none'";

std::string Zone(const std::string& code) { return core::ImportRecordId("zones", code); }
std::string Site(const std::string& code) { return core::ImportRecordId("sites", code); }
std::string User(const std::string& code) { return core::ImportRecordId("users", code); }

pb::Struct ParseJson(const std::string& text) {
  pb::Struct s;
  auto st = pb::util::JsonStringToMessage(text, &s);
  EXPECT_TRUE(st.ok()) << "not JSON: " << text;
  return s;
}

std::string Field(const pb::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "" : it->second.string_value();
}

std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

struct Session {
  std::string cookie;  // "name=value"
  std::string csrf;
};

class ConsoleApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    o.engine.clock = &clock_;
    o.console.listen = "127.0.0.1:0";
    o.console.accounts = Accounts();
    o.console.heartbeat_ms = 1'000;  // a stream notices a stop or a sign-out within a second
    options_ = o;
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    ASSERT_GT(server_->console_port(), 0);
    Seed();
    accounts_ = std::make_unique<server::console::Accounts>(server_->engine(), server_->engine()->store(), &clock_,
                                                             Accounts());
    for (const char* who : {"boss", "zhao", "li"}) ASSERT_TRUE(accounts_->SetPassword(who, kPassword).ok()) << who;
  }

  static server::console::AccountOptions Accounts() {
    server::console::AccountOptions a;
    a.scrypt_n = 1 << 10;  // the cheapest the accounts take: tests sign in often
    return a;
  }

  // Zones N (North) and S (South); sites PS-1, PS-2 in N, KG-1 in S; users
  // boss (office), zhao (zone director of N), li (inspector of PS-1).
  // Findings f1, f2 at PS-1 and f3 at KG-1, all OPEN.
  void Seed() {
    std::vector<v1::Mutation> ms;
    auto add = [&](const std::string& collection, const std::string& id, v1::RecordBody body) {
      v1::Mutation m;
      m.set_collection(collection);
      m.set_record_id(id);
      m.set_op(v1::CREATE);
      *m.mutable_body() = std::move(body);
      ms.push_back(std::move(m));
    };
    for (auto [code, name] : {std::pair{"N", "North"}, {"S", "South"}}) {
      v1::RecordBody b;
      b.mutable_zone()->set_name(name);
      b.mutable_zone()->set_code(code);
      add("zones", Zone(code), b);
    }
    for (auto [code, zone, name] : {std::tuple{"PS-1", "N", "No. 1 Primary"}, {"PS-2", "N", "No. 2 Primary"},
                                    {"KG-1", "S", "Sunflower Kindergarten"}}) {
      v1::RecordBody b = testing::SiteBody(Zone(zone), name);
      b.mutable_site()->set_code(code);
      add("sites", Site(code), b);
    }
    for (auto [code, name, role] : {std::tuple{"boss", "王主任", v1::OFFICE}, {"zhao", "赵片长", v1::ZONE_DIRECTOR},
                                    {"li", "李娜", v1::INSPECTOR}}) {
      v1::RecordBody b;
      b.mutable_user()->set_name(name);
      b.mutable_user()->set_role(role);
      b.mutable_user()->set_active(true);
      add("users", User(code), b);
    }
    add("assignments", ids_.NewUuidV7(), testing::AssignmentBody(User("li"), Site("PS-1")));
    add("assignments", ids_.NewUuidV7(), testing::AssignmentBody(User("zhao"), Zone("N"), /*zone=*/true));
    for (auto [id, site, title] : {std::tuple{f1_, Site("PS-1"), "灭火器过期"}, {f2_, Site("PS-1"), "=HYPERLINK(\"x\")"},
                                   {f3_, Site("KG-1"), "Sunflower gas alarm"}}) {
      v1::RecordBody b;
      *b.mutable_finding() = testing::FindingAt(site, title);
      if (id == f2_) b.mutable_finding()->set_description("line one, \"quoted\"\nline two");
      add("findings", id, b);
    }
    auto w = server_->engine()->WriteAll(std::move(ms), server::Caller{});
    ASSERT_TRUE(w.ok()) << w.status().ToString();
  }

  std::unique_ptr<httplib::SSLClient> Http() {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", server_->console_port());
    c->set_ca_cert_path(auth_.ca_file().c_str());
    c->enable_server_certificate_verification(true);
    c->set_connection_timeout(std::chrono::seconds(10));
    c->set_read_timeout(std::chrono::seconds(30));
    return c;
  }

  std::string Origin() const { return "https://127.0.0.1:" + std::to_string(server_->console_port()); }

  httplib::Result SignInRaw(const std::string& login, const std::string& password, const std::string& origin) {
    httplib::Headers h;
    if (!origin.empty()) h.emplace("Origin", origin);
    pb::Struct body;
    (*body.mutable_fields())["login"].set_string_value(login);
    (*body.mutable_fields())["password"].set_string_value(password);
    std::string json;
    EXPECT_TRUE(pb::util::MessageToJsonString(body, &json).ok());
    return Http()->Post("/api/session", h, json, "application/json");
  }

  Session SignIn(const std::string& login) {
    auto r = SignInRaw(login, kPassword, Origin());
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    std::string set_cookie = r->get_header_value("Set-Cookie");
    Session s;
    s.cookie = set_cookie.substr(0, set_cookie.find(';'));
    s.csrf = Field(ParseJson(r->body), "csrf");
    EXPECT_FALSE(s.csrf.empty());
    return s;
  }

  // A write as the console's page sends it; `csrf` and `origin` overridable
  // for the refusals ("-" leaves the header out).
  httplib::Result Post(const Session& s, const std::string& path, const std::string& json,
                       const std::string& csrf = "", const std::string& origin = "") {
    httplib::Headers h{{"Cookie", s.cookie}};
    const std::string c = csrf.empty() ? s.csrf : csrf;
    if (c != "-") h.emplace("X-CSRF-Token", c);
    const std::string o = origin.empty() ? Origin() : origin;
    if (o != "-") h.emplace("Origin", o);
    return Http()->Post(path.c_str(), h, json, "application/json");
  }

  httplib::Result Get(const Session& s, const std::string& path) {
    return Http()->Get(path.c_str(), httplib::Headers{{"Cookie", s.cookie}});
  }

  static void ExpectError(const httplib::Result& r, int status, const std::string& code, const std::string& names = "") {
    ASSERT_TRUE(r) << "no response";
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json; charset=utf-8");
    pb::Struct body = ParseJson(r->body);
    EXPECT_EQ(Field(body, "code"), code) << r->body;
    EXPECT_FALSE(Field(body, "message").empty()) << r->body;
    if (!names.empty()) {
      EXPECT_NE(r->body.find(names), std::string::npos) << "'" << names << "' not in " << r->body;
    }
  }

  v1::Finding Stored(const std::string& id) {
    auto rec = server_->engine()->store()->GetRecord("findings", id);
    EXPECT_TRUE(rec.ok() && rec->has_value());
    v1::Finding f;
    if (rec.ok() && rec->has_value()) {
      EXPECT_TRUE(f.ParseFromString((**rec).body));
    }
    return f;
  }

  std::string NoticeJson(const std::string& finding, const std::string& ref) {
    return R"({"site":"PS-1","finding_ids":[")" + finding + R"("],"reference_no":")" + ref +
           R"(","deadline_ms":")" + std::to_string(clock_.NowMillis() + 14 * kDayMs) + R"(","text":"请限期整改。"})";
  }

  std::unique_ptr<Client> Tablet(const std::string& user) {
    ClientOptions o;
    o.db_path = dir_.File(user + ".db");
    o.server_address = server_->address();
    o.grpc.ca_cert_file = auth_.ca_file();
    o.grpc.token = auth_.Token(User(user), "inspector", "tablet-" + user, clock_.NowMillis() / 1000);
    o.now_ms = [this] { return clock_.NowMillis(); };
    auto c = Client::Open(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  core::ManualClock clock_{core::SystemClock()->NowMillis()};
  core::IdGenerator ids_{&clock_, 18};
  std::string f1_ = ids_.NewUuidV7(), f2_ = ids_.NewUuidV7(), f3_ = ids_.NewUuidV7();
  server::ServerOptions options_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<server::console::Accounts> accounts_;
};

TEST_F(ConsoleApiTest, ThePageAndItsScriptsComeWithStrictHeaders) {
  auto page = Http()->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page->get_header_value("Content-Security-Policy"), kCsp);
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_NE(page->body.find("<html"), std::string::npos);
  EXPECT_EQ(page->body.find("<script>"), std::string::npos) << "no inline scripts";

  auto chart = Http()->Get("/static/vendor/chart.js");
  ASSERT_TRUE(chart);
  EXPECT_EQ(chart->status, 200);
  EXPECT_EQ(chart->get_header_value("Content-Type"), "application/javascript; charset=utf-8");
  EXPECT_GT(chart->body.size(), 100'000u);  // Debian's Chart.js, embedded
  EXPECT_EQ(chart->get_header_value("Content-Security-Policy"), kCsp);
  // Revalidated by its ETag.
  const std::string etag = chart->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = Http()->Get("/static/vendor/chart.js", httplib::Headers{{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);

  auto missing = Http()->Get("/static/nothing-here.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  auto anonymous = Http()->Get("/api/session");
  ExpectError(anonymous, 401, "UNAUTHENTICATED");
  EXPECT_EQ(anonymous->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(anonymous->get_header_value("Content-Security-Policy"), kCsp);
  ExpectError(Http()->Get("/api/no-such-thing"), 404, "NOT_FOUND");
}

TEST_F(ConsoleApiTest, SignInSetsAStrictCookieAndRefusesWrongPasswords) {
  auto wrong = SignInRaw("boss", "not the password", Origin());
  ExpectError(wrong, 401, "UNAUTHENTICATED");
  EXPECT_FALSE(wrong->has_header("Set-Cookie"));
  ExpectError(SignInRaw("nobody", kPassword, Origin()), 401, "UNAUTHENTICATED");
  // Sign-in needs the console's own origin too.
  ExpectError(SignInRaw("boss", kPassword, ""), 403, "PERMISSION_DENIED");
  ExpectError(SignInRaw("boss", kPassword, "https://evil.example"), 403, "PERMISSION_DENIED");
  auto not_json = Http()->Post("/api/session", httplib::Headers{{"Origin", Origin()}}, "login=boss", "text/plain");
  ExpectError(not_json, 400, "INVALID_ARGUMENT");

  auto r = SignInRaw("boss", kPassword, Origin());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const std::string cookie = r->get_header_value("Set-Cookie");
  EXPECT_EQ(cookie.rfind("__Host-inspectsync=", 0), 0u) << cookie;
  for (const char* attr : {"; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict"})
    EXPECT_NE(cookie.find(attr), std::string::npos) << attr << " not in " << cookie;
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
  pb::Struct body = ParseJson(r->body);
  const pb::Struct& user = body.fields().at("user").struct_value();
  EXPECT_EQ(Field(user, "id"), User("boss"));
  EXPECT_EQ(Field(user, "name"), "王主任");
  EXPECT_EQ(Field(user, "role"), "OFFICE");

  Session s{cookie.substr(0, cookie.find(';')), Field(body, "csrf")};
  auto me = Get(s, "/api/session");
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200);
  EXPECT_EQ(Field(ParseJson(me->body), "csrf"), s.csrf);

  // An inspector may not sign in to the console (no --console-roles).
  ExpectError(SignInRaw("li", kPassword, Origin()), 403, "PERMISSION_DENIED");

  // Failures past the free ones make the next attempt wait (429), even
  // with the right password; the clock does not move here.
  for (int i = 0; i < 4; ++i) SignInRaw("zhao", "guess " + std::to_string(i), Origin());
  ExpectError(SignInRaw("zhao", kPassword, Origin()), 429, "RESOURCE_EXHAUSTED");
}

// --console-roles inspector: an inspector may sign in, and sees what their
// token would show (the problem list is not theirs: the service says so).
TEST_F(ConsoleApiTest, AnInspectorSignsInOnlyWhenTheServerAllowsIt) {
  ExpectError(SignInRaw("li", kPassword, Origin()), 403, "PERMISSION_DENIED");
  server_->Shutdown();
  server::ServerOptions o = options_;
  o.console.accounts.allow_inspector = true;
  auto s = server::Server::Start(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  server_ = std::move(*s);
  Session li = SignIn("li");
  auto me = Get(li, "/api/session");
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200);
  EXPECT_NE(me->body.find("INSPECTOR"), std::string::npos) << me->body;
  ExpectError(Post(li, "/api/rpc/OfficeService/ListProblems", "{}"), 403, "PERMISSION_DENIED", "inspector");
}

TEST_F(ConsoleApiTest, WritesWithoutTheCsrfTokenOrFromAnotherOriginChangeNothing) {
  Session s = SignIn("boss");
  const std::string path = "/api/rpc/OfficeService/IssueNotice";
  ExpectError(Post(s, path, NoticeJson(f1_, "EDU-1"), "-"), 403, "PERMISSION_DENIED", "CSRF");
  ExpectError(Post(s, path, NoticeJson(f1_, "EDU-1"), "not-the-token"), 403, "PERMISSION_DENIED", "CSRF");
  ExpectError(Post(s, path, NoticeJson(f1_, "EDU-1"), "", "https://evil.example"), 403, "PERMISSION_DENIED");
  ExpectError(Post(s, path, NoticeJson(f1_, "EDU-1"), "", "-"), 403, "PERMISSION_DENIED");
  // Without the session cookie.
  ExpectError(Post(Session{"", s.csrf}, path, NoticeJson(f1_, "EDU-1")), 401, "UNAUTHENTICATED");
  EXPECT_EQ(Stored(f1_).status(), v1::OPEN);
  EXPECT_TRUE(Stored(f1_).notice_id().empty());

  // The same write, as the page sends it: done, and attributed to the person
  // on the device "console".
  auto r = Post(s, path, NoticeJson(f1_, "EDU-1"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  pb::Struct notice = ParseJson(r->body);
  EXPECT_EQ(Field(notice, "site_name"), "No. 1 Primary");
  EXPECT_EQ(Field(notice, "zone_name"), "North");
  EXPECT_EQ(Stored(f1_).status(), v1::NOTIFIED);
  auto rec = server_->engine()->store()->GetRecord("findings", f1_);
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((**rec).meta.author(), User("boss"));
  EXPECT_EQ((**rec).meta.device_id(), "console");

  // Past the first token's life (10 minutes) the console signs a new one:
  // the person's calls go on without a new sign-in.
  clock_.Advance(11 * 60'000);
  auto later = Post(s, "/api/rpc/OfficeService/ListNotices", "{}");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200) << later->body;

  // A write from the page whose browser sends a Referer but no Origin.
  httplib::Headers h{{"Cookie", s.cookie}, {"X-CSRF-Token", s.csrf}, {"Referer", Origin() + "/#/problems"}};
  auto listed = Http()->Post("/api/rpc/OfficeService/ListNotices", h, "{}", "application/json");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200) << listed->body;
  EXPECT_NE(listed->body.find("EDU-1"), std::string::npos);
}

TEST_F(ConsoleApiTest, ASessionEndsAtSignOutAndAtAPasswordChange) {
  Session s = SignIn("boss");
  auto del = [&](const Session& who, const std::string& csrf) {
    httplib::Headers h{{"Cookie", who.cookie}, {"Origin", Origin()}};
    if (!csrf.empty()) h.emplace("X-CSRF-Token", csrf);
    return Http()->Delete("/api/session", h);
  };
  ExpectError(del(s, ""), 403, "PERMISSION_DENIED", "CSRF");
  ASSERT_EQ(Get(s, "/api/session")->status, 200);  // still signed in
  auto out = del(s, s.csrf);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 204);
  EXPECT_NE(out->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  ExpectError(Get(s, "/api/session"), 401, "UNAUTHENTICATED");
  ExpectError(Post(s, "/api/rpc/OfficeService/ListNotices", "{}"), 401, "UNAUTHENTICATED");

  Session again = SignIn("boss");
  ASSERT_EQ(Get(again, "/api/session")->status, 200);
  ASSERT_TRUE(accounts_->SetPassword("boss", "a brand new password").ok());
  ExpectError(Get(again, "/api/session"), 401, "UNAUTHENTICATED");
  ExpectError(Post(again, "/api/rpc/OfficeService/IssueNotice", NoticeJson(f1_, "EDU-9")), 401, "UNAUTHENTICATED");
  EXPECT_EQ(Stored(f1_).status(), v1::OPEN);
}

TEST_F(ConsoleApiTest, AZoneDirectorCannotReadAnotherZone) {
  Session s = SignIn("zhao");
  auto other = Post(s, "/api/rpc/ReportService/Subtotals", R"({"zone_ids":[")" + Zone("S") + R"("]})");
  ExpectError(other, 403, "PERMISSION_DENIED", "South");
  EXPECT_EQ(other->body.find("Sunflower"), std::string::npos);
  // Asking for the other zone's problems lists nothing of it.
  auto problems = Post(s, "/api/rpc/OfficeService/ListProblems", R"({"zone_ids":[")" + Zone("S") + R"("]})");
  ASSERT_TRUE(problems);
  EXPECT_EQ(problems->status, 200) << problems->body;
  EXPECT_EQ(problems->body.find("Sunflower"), std::string::npos) << problems->body;
  // Their own zone's are there, names included, fields as in the .proto.
  auto own = Post(s, "/api/rpc/OfficeService/ListProblems", "{}");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
  EXPECT_NE(own->body.find("No. 1 Primary"), std::string::npos);
  EXPECT_NE(own->body.find("\"site_name\""), std::string::npos);
  EXPECT_NE(own->body.find("\"next_page_token\""), std::string::npos) << "defaults are printed";
  EXPECT_EQ(own->body.find("Sunflower"), std::string::npos);
  // And the CSV export of everything holds their zone only.
  auto csv = Get(s, "/api/export/problems.csv");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->status, 200) << csv->body;
  EXPECT_EQ(csv->body.find("Sunflower"), std::string::npos);
  EXPECT_NE(csv->body.find("No. 1 Primary"), std::string::npos);
}

TEST_F(ConsoleApiTest, TheGatewayServesOnlyItsMethodsAndSaysWhatIsWrong) {
  Session s = SignIn("boss");
  ExpectError(Post(s, "/api/rpc/SyncService/Push", "{}"), 404, "NOT_FOUND", "SyncService/Push");
  ExpectError(Post(s, "/api/rpc/IntegrationService/CreateWebhook", R"({"url":"https://x"})"), 404, "NOT_FOUND");
  ExpectError(Post(s, "/api/rpc/IntegrationService/WatchChanges", "{}"), 404, "NOT_FOUND");
  ExpectError(Post(s, "/api/rpc/OfficeService/NoSuchMethod", "{}"), 404, "NOT_FOUND");
  ExpectError(Post(s, "/api/rpc/OfficeService/ListProblems", "{not json"), 400, "INVALID_ARGUMENT", "ProblemQuery");
  ExpectError(Post(s, "/api/rpc/OfficeService/ListProblems", R"({"zone_idz":["x"]})"), 400, "INVALID_ARGUMENT",
              "zone_idz");
  // The service's own refusals keep their code and words.
  ExpectError(Post(s, "/api/rpc/OfficeService/IssueNotice", NoticeJson(f1_, "")), 400, "INVALID_ARGUMENT",
              "reference_no");
  // A body over the limit (1 MiB) is refused, saying so.
  std::string big = R"({"zone_ids":[")" + std::string(1'100'000, 'z') + R"("]})";
  auto r = Post(s, "/api/rpc/OfficeService/ListProblems", big);
  ExpectError(r, 413, "RESOURCE_EXHAUSTED");
  EXPECT_EQ(r->get_header_value("Content-Security-Policy"), kCsp);
  // Integration reads are served.
  auto summary = Post(s, "/api/rpc/IntegrationService/Summary", "{}");
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->status, 200) << summary->body;
}

TEST_F(ConsoleApiTest, TheProblemListExportsAsCsvWithNamesForExcel) {
  Session s = SignIn("boss");
  ASSERT_EQ(Post(s, "/api/rpc/OfficeService/IssueNotice", NoticeJson(f1_, "EDU-2026-07"))->status, 200);
  auto csv = Get(s, "/api/export/problems.csv");
  ASSERT_TRUE(csv);
  ASSERT_EQ(csv->status, 200) << csv->body;
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_NE(csv->get_header_value("Content-Disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(csv->body.rfind("\xEF\xBB\xBF", 0), 0u) << "starts with the BOM";
  EXPECT_NE(csv->body.find("片区,学校代码,学校名称"), std::string::npos);
  // f1: its zone, site code and name, notice reference; no ids.
  EXPECT_NE(csv->body.find("North,PS-1,No. 1 Primary"), std::string::npos) << csv->body;
  EXPECT_NE(csv->body.find("EDU-2026-07"), std::string::npos);
  EXPECT_NE(csv->body.find("South,"), std::string::npos);
  EXPECT_EQ(csv->body.find(f1_), std::string::npos);
  // f2's formula is kept text, its quotes, comma and line break quoted.
  EXPECT_NE(csv->body.find("'=HYPERLINK(\"\"x\"\")"), std::string::npos) << csv->body;
  EXPECT_NE(csv->body.find("\"line one, \"\"quoted\"\"\nline two\""), std::string::npos) << csv->body;

  // A filter, as the page sends it; a bad one is a 400 before any byte.
  auto north = Get(s, "/api/export/problems.csv?q=" + UrlEncode(R"({"zone_ids":["N"]})"));
  ASSERT_TRUE(north);
  EXPECT_EQ(north->status, 200) << north->body;
  EXPECT_EQ(north->body.find("Sunflower"), std::string::npos);
  ExpectError(Get(s, "/api/export/problems.csv?q=" + UrlEncode("{oops")), 400, "INVALID_ARGUMENT");
}

TEST_F(ConsoleApiTest, PhotosAreServedToThoseWhoMaySeeThem) {
  auto li = Tablet("li");
  ASSERT_TRUE(li && li->Sync().ok());
  std::string jpeg("\xFF\xD8\xFF\xE0", 4);
  jpeg.resize(300 * 1024, 'p');  // more than one chunk
  auto hash = li->AttachPhotoBytes(f1_, jpeg);
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  ASSERT_TRUE(li->Sync().ok());

  Session boss = SignIn("boss");
  auto photo = Get(boss, "/api/photos/" + *hash);
  ASSERT_TRUE(photo);
  ASSERT_EQ(photo->status, 200) << photo->body;
  EXPECT_EQ(photo->get_header_value("Content-Type"), "image/jpeg");
  EXPECT_EQ(photo->body, jpeg);
  ExpectError(Get(boss, "/api/photos/" + std::string(64, '0')), 404, "NOT_FOUND");
  ExpectError(Http()->Get(("/api/photos/" + *hash).c_str()), 401, "UNAUTHENTICATED");
}

TEST_F(ConsoleApiTest, LiveEventsFollowATabletsPushAndEndAtShutdown) {
  Session s = SignIn("boss");
  std::mutex mu;
  std::condition_variable cv;
  std::string stream;
  int status = 0;
  std::thread reader([&] {
    auto c = Http();
    c->Get("/api/events", httplib::Headers{{"Cookie", s.cookie}},
           [&](const httplib::Response& r) {
             std::lock_guard<std::mutex> lock(mu);
             status = r.status;
             return true;
           },
           [&](const char* data, size_t n) {
             {
               std::lock_guard<std::mutex> lock(mu);
               stream.append(data, n);
             }
             cv.notify_all();
             return true;
           });
    cv.notify_all();
  });
  auto heads = [&] {
    std::vector<std::string> out;
    std::regex re(R"re(event: change\ndata: \{"head":"(\d+)"\})re");
    for (std::sregex_iterator it(stream.begin(), stream.end(), re), end; it != end; ++it) out.push_back((*it)[1]);
    return out;
  };
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return !heads().empty(); })) << stream;
    EXPECT_EQ(status, 200);
  }
  const std::string first = heads().front();

  // A tablet records a finding and pushes it: the open stream says the head moved.
  auto li = Tablet("li");
  ASSERT_TRUE(li);
  ASSERT_TRUE(li->CreateFinding(testing::FindingAt(Site("PS-1"), "新发现的问题")).ok());
  ASSERT_TRUE(li->Sync().ok());
  const std::string now = std::to_string(server_->engine()->store()->Head().value());
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return heads().back() == now; })) << stream;
  }
  EXPECT_NE(first, now);

  // Another person's view ends when they sign out.
  Session zhao = SignIn("zhao");
  std::string zhao_stream;
  std::thread zhao_reader([&] {
    Http()->Get("/api/events", httplib::Headers{{"Cookie", zhao.cookie}}, [&](const char* data, size_t n) {
      std::lock_guard<std::mutex> lock(mu);
      zhao_stream.append(data, n);
      cv.notify_all();
      return true;
    });
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] {
      return zhao_stream.find("event: change") != std::string::npos;
    }));
  }
  httplib::Headers out{{"Cookie", zhao.cookie}, {"Origin", Origin()}, {"X-CSRF-Token", zhao.csrf}};
  ASSERT_EQ(Http()->Delete("/api/session", out)->status, 204);
  zhao_reader.join();  // the stream ended by itself
  EXPECT_NE(zhao_stream.find("event: signed-out"), std::string::npos) << zhao_stream;

  // Shutdown does not wait for the open stream: it ends it.
  server_->Shutdown(std::chrono::seconds(5));
  reader.join();
}

// An --insecure server serves the console over plain HTTP on loopback only,
// and its cookie cannot be __Host- (that needs Secure).
TEST(ConsoleInsecureTest, PlainHttpOnLoopbackOnlyWithAPlainCookie) {
  testing::TempDir dir;
  testing::TestAuth auth{dir.path()};
  server::ServerOptions o = testing::TlsServerOptions(auth, dir.File("server.db"));
  o.insecure = true;
  o.console.listen = "0.0.0.0:0";
  auto refused = server::Server::Start(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("--console-listen"), std::string::npos) << refused.status().ToString();

  o.console.listen = "127.0.0.1:0";
  o.console.accounts.scrypt_n = 1 << 10;
  auto s = server::Server::Start(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->console_url().rfind("http://127.0.0.1:", 0), 0u) << (*s)->console_url();
  v1::Mutation m;
  m.set_collection("users");
  m.set_record_id(User("boss"));
  m.set_op(v1::CREATE);
  m.mutable_body()->mutable_user()->set_name("王主任");
  m.mutable_body()->mutable_user()->set_role(v1::OFFICE);
  m.mutable_body()->mutable_user()->set_active(true);
  ASSERT_TRUE((*s)->engine()->WriteAll({m}, server::Caller{}).ok());
  // Started again with an office user and nobody's password: the console
  // gives that user the first-run password (printed once to stderr).
  (*s)->Shutdown();
  s = server::Server::Start(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  server::console::Accounts accounts((*s)->engine(), (*s)->engine()->store(), core::SystemClock(), o.console.accounts);
  auto has = accounts.HasPassword("boss");
  ASSERT_TRUE(has.ok()) << has.status().ToString();
  EXPECT_TRUE(*has);
  ASSERT_TRUE(accounts.SetPassword("boss", kPassword).ok());

  httplib::Client http("127.0.0.1", (*s)->console_port());
  const std::string origin = "http://127.0.0.1:" + std::to_string((*s)->console_port());
  auto r = http.Post("/api/session", httplib::Headers{{"Origin", origin}},
                     std::string(R"({"login":"boss","password":")") + kPassword + R"("})", "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const std::string cookie = r->get_header_value("Set-Cookie");
  EXPECT_EQ(cookie.rfind("inspectsync=", 0), 0u) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  auto me = http.Get("/api/session", httplib::Headers{{"Cookie", cookie.substr(0, cookie.find(';'))}});
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200) << me->body;
}

}  // namespace
}  // namespace inspectsync
