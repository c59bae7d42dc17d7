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
//   - The attachment calls (photo evidence, AttachmentService) have default
//     implementations that return UNIMPLEMENTED, so a transport that does not
//     carry attachments still compiles; the Client then keeps its photos
//     queued (UNIMPLEMENTED is not a refusal of the photo).
//   - ListConflicts (the conflicts of the tablet's scope, read from the
//     server for Client::Conflicts) defaults to UNIMPLEMENTED too.
//
// Thread-safety: a Client calls its Transport from one thread at a time, but
// not always the same thread. The gRPC transport is safe for concurrent use.
#ifndef INSPECTSYNC_TRANSPORT_H_
#define INSPECTSYNC_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "inspectsync/status.h"
#include "inspectsync/v1/attachments.pb.h"
#include "inspectsync/v1/integration.pb.h"
#include "inspectsync/v1/sync.pb.h"

namespace inspectsync {

class Transport {
 public:
  virtual ~Transport() = default;
  virtual Status Push(const v1::PushRequest& request, v1::PushResponse* response) = 0;
  virtual Status Pull(const v1::PullRequest& request,
                      const std::function<Status(const v1::PullResponse&)>& on_page) = 0;

  // ---- Attachments (photo evidence) ----
  // Fills *out with the next bytes of an upload, at most `max` of them; an
  // empty *out means the end. Called in order from the upload's offset.
  using ChunkReader = std::function<Status(size_t max, std::string* out)>;
  // Uploads the blob described by `meta` from `offset` (what
  // AttachmentStatus said the server holds), pulling the bytes from `read`
  // in chunks of at most 256 KiB, so memory stays bounded whatever the size.
  // A non-OK Status leaves whatever the server received as a partial upload
  // to resume from. INVALID_ARGUMENT, PERMISSION_DENIED and
  // RESOURCE_EXHAUSTED are the server refusing this blob for good.
  virtual StatusOr<v1::UploadResult> UploadAttachment(const v1::AttachmentMeta& meta, uint64_t offset,
                                                      const ChunkReader& read) {
    (void)meta, (void)offset, (void)read;
    return Status(StatusCode::kUnimplemented, "this transport does not carry attachments");
  }
  // How many bytes of the blob the server holds, and whether it is complete.
  virtual StatusOr<v1::AttachmentStatusResponse> AttachmentStatus(const std::string& sha256) {
    (void)sha256;
    return Status(StatusCode::kUnimplemented, "this transport does not carry attachments");
  }
  // Streams the blob from `offset`, calling `on_chunk` for each chunk in
  // order (the first carries the meta); stops at on_chunk's first error and
  // returns it.
  virtual Status DownloadAttachment(const std::string& sha256, uint64_t offset,
                                    const std::function<Status(const v1::DownloadChunk&)>& on_chunk) {
    (void)sha256, (void)offset, (void)on_chunk;
    return Status(StatusCode::kUnimplemented, "this transport does not carry attachments");
  }

  // ---- Conflicts (IntegrationService.ListConflicts) ----
  // One page of the conflicts the server lets this caller see (a tablet's:
  // those of its scope). The call gives up after `timeout` (and never waits
  // longer than the transport's own call deadline).
  virtual StatusOr<v1::ConflictPage> ListConflicts(const v1::ConflictQuery& query, std::chrono::milliseconds timeout) {
    (void)query, (void)timeout;
    return Status(StatusCode::kUnimplemented, "this transport does not list conflicts");
  }
};

struct GrpcTransportOptions {
  // Deadline of each call. A Pull stream that outlives it fails with
  // DEADLINE_EXCEEDED; every page received before that is already stored, so
  // the next sync resumes from there.
  std::chrono::milliseconds call_deadline{30'000};
  // Deadline of one attachment upload or download (25 MiB over a poor
  // mobile link takes minutes). A call cut by it resumes from the bytes the
  // other side holds.
  std::chrono::milliseconds attachment_deadline{600'000};
  // Largest response accepted (a pull page of big findings can exceed gRPC's
  // 4 MiB default).
  int max_receive_bytes = 64 << 20;
  // TLS: a PEM file of the CA that signed the server's certificate (e.g. the
  // development CA `inspectsync certs init` writes to var/certs/ca.pem).
  // Empty = the system's trusted roots.
  std::string ca_cert_file;
  // Sent as "authorization: Bearer <token>" on every call
  // (`inspectsync admin token issue` makes one). Surrounding whitespace is
  // dropped (a token read from a file ends with a newline); anything else
  // that is not printable ASCII is refused before any call with
  // INVALID_ARGUMENT (CheckBearerToken). "" sends no header.
  std::string token;
  // Plaintext, for a server started with --insecure on a loopback address.
  bool insecure = false;
};

// A transport to the SyncService at `address` ("host:port"). Connects lazily:
// an unreachable server shows up as UNAVAILABLE from the first call.
// INVALID_ARGUMENT if options.token is malformed (CheckBearerToken),
// FAILED_PRECONDITION if the CA file cannot be read: nothing is sent then.
// (Client::Open does not fail for either: see ClientOptions::grpc.)
StatusOr<std::unique_ptr<Transport>> MakeGrpcTransport(const std::string& address,
                                                       const GrpcTransportOptions& options = GrpcTransportOptions());

// ---- Bearer tokens ----
// gRPC aborts the whole process when a call carries a header value that is
// not printable ASCII, so every token is checked here before it is sent:
// the gRPC transport, OfficeClient and the command line all call this.

// The longest token accepted (the server's are about 200 bytes).
inline constexpr size_t kMaxBearerTokenBytes = 4096;

// The token as it goes on the wire: `token` without surrounding whitespace
// (spaces, tabs, CR, LF). INVALID_ARGUMENT if the rest is not a token — a
// byte that is not printable ASCII, a space or a control character inside
// it, more than kMaxBearerTokenBytes, or only whitespace — saying which byte
// and where, never the token. "" returns "" (no token).
StatusOr<std::string> CheckBearerToken(std::string_view token);

// Reads a token file (as `inspectsync admin token issue ... > FILE` writes
// it) and checks it as CheckBearerToken does; an empty file is
// INVALID_ARGUMENT, an unreadable one FAILED_PRECONDITION.
StatusOr<std::string> ReadTokenFile(const std::string& path);

}  // namespace inspectsync

#endif  // INSPECTSYNC_TRANSPORT_H_
