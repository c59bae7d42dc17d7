// Transport: how a Client talks to the sync server. The production transport
// is gRPC (MakeGrpcTransport); tests and the simulation implement this
// interface to put an in-memory server or a faulty network in between.
//
// Contract for implementations:
//   - Push sends one batch and fills `response` with one result per mutation.
//     A non-OK Status means the client must assume nothing about whether the
//     server applied the batch; it re-sends the same mutations later and the
//     server answers idempotently on (client_id, mutation_id).
//   - Pull streams pages in order and calls `on_page` for each; if on_page
//     returns an error, the transport stops reading and returns that error.
//   - Status codes follow google.rpc.Code; UNAVAILABLE, DEADLINE_EXCEEDED and
//     other transient() codes are retried by background sync with backoff.
//
// Thread-safety: a Client calls its Transport from one thread at a time, but
// not always the same thread. The gRPC transport is safe for concurrent use.
#ifndef INSPECTSYNC_TRANSPORT_H_
#define INSPECTSYNC_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "inspectsync/status.h"
#include "inspectsync/v1/sync.pb.h"

namespace inspectsync {

class Transport {
 public:
  virtual ~Transport() = default;
  virtual Status Push(const v1::PushRequest& request, v1::PushResponse* response) = 0;
  virtual Status Pull(const v1::PullRequest& request,
                      const std::function<Status(const v1::PullResponse&)>& on_page) = 0;
};

struct GrpcTransportOptions {
  // Deadline of each call. A Pull stream that outlives it fails with
  // DEADLINE_EXCEEDED; every page received before that is already stored, so
  // the next sync resumes from there.
  std::chrono::milliseconds call_deadline{30'000};
  // Largest response accepted (a pull page of big findings can exceed gRPC's
  // 4 MiB default).
  int max_receive_bytes = 64 << 20;
  // TLS: a PEM file of the CA that signed the server's certificate (e.g. the
  // development CA `inspectsync certs init` writes to var/certs/ca.pem).
  // Empty = the system's trusted roots.
  std::string ca_cert_file;
  // Sent as "authorization: Bearer <token>" on every call
  // (`inspectsync admin token issue` makes one).
  std::string token;
  // Plaintext, for a server started with --insecure on a loopback address.
  bool insecure = false;
};

// A transport to the SyncService at `address` ("host:port"). Connects lazily:
// an unreachable server shows up as UNAVAILABLE from the first call.
// FAILED_PRECONDITION if the CA file cannot be read.
StatusOr<std::unique_ptr<Transport>> MakeGrpcTransport(const std::string& address,
                                                       const GrpcTransportOptions& options = GrpcTransportOptions());

}  // namespace inspectsync

#endif  // INSPECTSYNC_TRANSPORT_H_
