// OfficeClient: the `inspectsync admin` side of the server's OfficeService
// (the problem list and its counts), over the same TLS trust and bearer token
// as a tablet's sync.
//
// A deliberate exception to "only server/ and client-sdk/src see gRPC": the
// SDK has no remote office API yet (Client::Problems lists a device's own
// records), so this small stub lives with its only user, the command line.
// gRPC types stay in office_client.cc.
//
// Thread-safety: one thread at a time.
#ifndef INSPECTSYNC_TOOLS_OFFICE_CLIENT_H_
#define INSPECTSYNC_TOOLS_OFFICE_CLIENT_H_

#include <memory>
#include <string>

#include "inspectsync/status.h"
#include "inspectsync/transport.h"
#include "inspectsync/v1/office.pb.h"

namespace inspectsync::tools {

class OfficeClient {
 public:
  // FAILED_PRECONDITION if the CA file cannot be read. Connects lazily.
  static StatusOr<std::unique_ptr<OfficeClient>> Connect(const std::string& address,
                                                         const GrpcTransportOptions& options);
  ~OfficeClient();

  // Every page of `query` (following next_page_token), as one page; as_of_ms
  // is the first page's.
  StatusOr<v1::ProblemPage> ListAll(v1::ProblemQuery query);
  StatusOr<v1::ProblemReport> Count(const v1::ProblemQuery& query);

 private:
  struct Impl;
  explicit OfficeClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_OFFICE_CLIENT_H_
