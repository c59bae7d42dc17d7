// record-and-sync: the smallest tablet app. Opens a device database, records
// a finding (offline: a local write), syncs it to the server, and checks that
// the server accepted it and sent it back as a server version.
//
//   record-and-sync --server HOST:PORT --ca CA.pem --token-file TOKEN --db DEVICE.db
//                   [--site SITE] [--title TITLE]
//
// Prints the finding's id on success (exit 0); any failure exits 1 with the
// reason on stderr. The token must allow writing findings at SITE (an office
// token may write anywhere; `inspectsync admin token issue` makes one).
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "inspectsync/client.h"

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "record-and-sync: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags{{"site", "site-example-1"}, {"title", "Fire exit blocked by chairs"}};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strncmp(argv[i], "--", 2) != 0) return Fail(std::string("unexpected argument ") + argv[i]);
    flags[argv[i] + 2] = argv[i + 1];
  }
  for (const char* needed : {"server", "ca", "token-file", "db"})
    if (flags[needed].empty())
      return Fail(std::string("missing --") + needed +
                  " (usage: record-and-sync --server HOST:PORT --ca CA.pem --token-file TOKEN --db DEVICE.db)");

  // A bad token file is reported here, before anything is sent.
  inspectsync::StatusOr<std::string> token = inspectsync::ReadTokenFile(flags["token-file"]);
  if (!token.ok()) return Fail(token.status().ToString());

  inspectsync::ClientOptions options;
  options.db_path = flags["db"];
  options.server_address = flags["server"];
  options.grpc.ca_cert_file = flags["ca"];
  options.grpc.token = *token;
  inspectsync::StatusOr<std::unique_ptr<inspectsync::Client>> opened = inspectsync::Client::Open(options);
  if (!opened.ok()) return Fail("open " + options.db_path + ": " + opened.status().ToString());
  inspectsync::Client& client = **opened;

  // Recorded offline: one local transaction, visible at once, queued to push.
  inspectsync::v1::Finding finding;
  finding.set_site_id(flags["site"]);
  finding.set_title(flags["title"]);
  finding.set_severity(inspectsync::v1::HIGH);
  inspectsync::StatusOr<std::string> id = client.CreateFinding(finding);
  if (!id.ok()) return Fail("record the finding: " + id.status().ToString());

  inspectsync::StatusOr<inspectsync::SyncReport> report = client.Sync();
  if (!report.ok()) return Fail("sync: " + report.status().ToString());
  if (report->rejected != 0 || report->applied < 1)
    return Fail("the server did not apply the finding (applied " + std::to_string(report->applied) + ", rejected " +
                std::to_string(report->rejected) + ")");

  // Accepted means: no edit left pending, and the device holds the server's
  // version of the finding (pulled back in the same sync).
  inspectsync::StatusOr<inspectsync::LocalFinding> stored = client.GetFinding(*id);
  if (!stored.ok()) return Fail("read back " + *id + ": " + stored.status().ToString());
  if (stored->pending || stored->version == 0)
    return Fail("finding " + *id + " is not confirmed by the server (pending " + std::to_string(stored->pending) +
                ", version " + std::to_string(stored->version) + ")");
  if (stored->value.title() != flags["title"]) return Fail("finding " + *id + " came back with another title");

  std::printf("%s\n", id->c_str());
  return 0;
}
