// The console's way into the server's services: every /api call a person
// makes runs as a gRPC call on the server's own in-process channel
// (grpc::Server::InProcessChannel), carrying a short-lived bearer token
// minted for that person — user id, the directory role as tokens spell it,
// device "console". So admission, scoping by role, validation and
// attribution are exactly the gRPC ones: the console has no business logic
// of its own, only a JSON mapping (protobuf's json_util) of the same
// messages.
//
// No HTTP here (console_server.cc is the front door).
//
// Thread-safety: safe to call from several threads.
#ifndef INSPECTSYNC_SERVER_CONSOLE_GATEWAY_H_
#define INSPECTSYNC_SERVER_CONSOLE_GATEWAY_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "inspectsync/status.h"
#include "inspectsync/v1/attachments.pb.h"
#include "inspectsync/v1/records.pb.h"
#include "server/console/console_options.h"

namespace inspectsync::server::console {

// Who a call is made for: the signed-in person.
struct Person {
  std::string user_id;
  v1::Role role = v1::ROLE_UNSPECIFIED;
};

// The role as tokens spell it ("office", "zone_director", ...); "" for none.
const char* TokenRole(v1::Role role);

// The HTTP status of the contract for a Status code: 400 INVALID_ARGUMENT,
// FAILED_PRECONDITION, OUT_OF_RANGE; 401; 403; 404; 409 ALREADY_EXISTS,
// ABORTED; 429 RESOURCE_EXHAUSTED; 503 UNAVAILABLE; 500 otherwise (413 is
// the console's own, for bodies).
int HttpStatusFor(StatusCode code);
// {"code":"PERMISSION_DENIED","message":"..."}
std::string ErrorJson(const std::string& code, const std::string& message);
std::string ErrorJson(const Status& status);

// Bearer tokens for people, signed with the server's key ring (its file is
// re-read at each mint, so a rotated key is used from the next token on).
// One token per person is kept and reused until token_renew_s before it
// expires.
class TokenMinter {
 public:
  TokenMinter(std::string keys_file, core::Clock* clock, int64_t ttl_s, int64_t renew_s)
      : keys_file_(std::move(keys_file)), clock_(clock), ttl_s_(ttl_s), renew_s_(renew_s) {}
  StatusOr<std::string> TokenFor(const Person& person);
  // Drops the person's cached token (after the server refused it).
  void Forget(const Person& person);

 private:
  struct Minted {
    std::string token;
    int64_t expires_at_s = 0;
  };
  std::string keys_file_;
  core::Clock* clock_;
  int64_t ttl_s_, renew_s_;
  std::mutex mu_;
  std::map<std::pair<std::string, int>, Minted> cache_;  // by (user, role)
};

// A photo being downloaded: its meta first, then its bytes in order.
class PhotoStream {
 public:
  virtual ~PhotoStream() = default;
  virtual const v1::AttachmentMeta& meta() const = 0;
  // The next bytes into *data; false at the end (then status() says whether
  // it ended well).
  virtual bool Next(std::string* data) = 0;
  virtual Status status() const = 0;
};

class Gateway {
 public:
  // `server` must outlive the Gateway (Server stops the console first).
  Gateway(grpc::Server* server, TokenMinter* tokens, const ConsoleOptions& options, size_t max_import_bytes);

  // The method behind /api/rpc/<service>/<method>: a unary method of
  // OfficeService or ReportService, or IntegrationService's reads,
  // ResolveConflict, Import and Summary. NOT_FOUND for anything else
  // (SyncService, webhooks, streams, unknown names).
  StatusOr<const google::protobuf::MethodDescriptor*> Find(const std::string& service,
                                                           const std::string& method) const;
  // The largest request body the method takes.
  size_t BodyLimit(const google::protobuf::MethodDescriptor* method) const;

  // Calls `method` for `person` with `json` (the request in proto3 JSON; ""
  // is the empty request) and returns the response as JSON (field names as
  // in the .proto, defaults printed). INVALID_ARGUMENT naming the problem
  // when the JSON does not fit the request message; otherwise the service's
  // own status and message.
  StatusOr<std::string> CallJson(const Person& person, const google::protobuf::MethodDescriptor* method,
                                 const std::string& json);
  // The same with messages (the CSV export's pages).
  Status Call(const Person& person, const google::protobuf::MethodDescriptor* method,
              const google::protobuf::Message& request, google::protobuf::Message* response);
  // AttachmentService/Download for `person`; the first chunk is read here,
  // so a refusal (NOT_FOUND, PERMISSION_DENIED) is this call's status.
  StatusOr<std::unique_ptr<PhotoStream>> OpenPhoto(const Person& person, const std::string& attachment_id);

 private:
  // One unary call with a token; retried once with a fresh token if the
  // server found the cached one no longer good (a key rotated away).
  Status CallBytes(const Person& person, const std::string& path, const grpc::ByteBuffer& request,
                   grpc::ByteBuffer* response);
  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) const;

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  TokenMinter* tokens_;
  ConsoleOptions options_;
  size_t max_import_bytes_;
};

}  // namespace inspectsync::server::console

#endif  // INSPECTSYNC_SERVER_CONSOLE_GATEWAY_H_
