// The office commands of `inspectsync admin` (imports, templates, campaigns,
// spot-check samples, the problem list and its report). They act as
// an office device: an SDK Client on its own device database (--db), signed
// in with an office token, that syncs before it reads (so it decides on the
// district's current data) and after it writes. Without --server they work
// offline on what the device holds, and a later sync sends the edits.
#ifndef INSPECTSYNC_TOOLS_OFFICE_H_
#define INSPECTSYNC_TOOLS_OFFICE_H_

#include <memory>
#include <string>
#include <vector>

#include "inspectsync/client.h"
#include "tools/cli.h"

namespace inspectsync::tools {

// Exit codes: 2 with the usage for a bad command line, 1 with the reason for
// anything else (bad file, refused edit, server unreachable).
int OfficeUsage(const std::string& why);
int OfficeFail(const std::string& why);
int OfficeFail(const Status& s);

// The office device of the command line's flags.
class OfficeDevice {
 public:
  // Reads --db (default var/office.db), --server, --ca, --token/--token-file,
  // --insecure. Empty error() on success.
  explicit OfficeDevice(const Args& fl);
  const std::string& error() const { return error_; }
  bool online() const { return !options_.server_address.empty(); }
  const ClientOptions& options() const { return options_; }

  // Opens the client (if closed) and, when online, syncs. Reports rejected
  // edits on stderr; `already_exists_ok` counts ALREADY_EXISTS refusals (a
  // record someone else created under the same derived id) as fine.
  StatusOr<Client*> OpenAndSync(size_t* already_there = nullptr);
  StatusOr<Client*> Open();

 private:
  ClientOptions options_;
  std::string error_;
  std::unique_ptr<Client> client_;
};

// A record named on the command line or in a CSV file: an id as is, or a
// code the office gave it (core::ImportRecordId of `collection`).
std::string ResolveRef(const std::string& collection, const std::string& ref);

// Live records of a collection on the device, by id.
StatusOr<std::vector<LocalRecord>> ListLive(Client& c, const std::string& collection);

// Splits "a,b,c" (trimmed, empty parts dropped).
std::vector<std::string> SplitList(const std::string& s);

// Protobuf message as one line of JSON (field names as in the .proto).
std::string ToJson(const google::protobuf::Message& m);

// `import`: as the office device `dev`, or through the server's Import RPC
// when `dev` is null (ImportGoesToServer: --server without --db).
bool ImportGoesToServer(const Args& fl);
int CmdImport(OfficeDevice* dev, const Args& fl, const std::vector<std::string>& pos);
int CmdTemplatePublish(OfficeDevice& dev, const Args& fl, const std::vector<std::string>& pos);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_OFFICE_H_
