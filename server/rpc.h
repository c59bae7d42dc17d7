// What every gRPC method of the server shares: admission, requests parsed by
// the server itself, Status mapping, and streams that live under the
// StreamGuard and re-admit their caller before every message.
//
// Every method is registered raw (its request arrives as bytes). gRPC's
// callback API answers a request that does not parse — invalid UTF-8 in a
// string field is enough — with UNIMPLEMENTED and an empty message, before
// the method runs and so before any authentication (grpc/grpc#30454). Here
// the caller is admitted first, then the request is parsed, and bytes that
// do not parse get INVALID_ARGUMENT naming the method (logged, rate-limited).
//
// Thread-safety: the functions are; a StreamCall belongs to its reactor.
#ifndef INSPECTSYNC_SERVER_RPC_H_
#define INSPECTSYNC_SERVER_RPC_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <string_view>

#include "server/admission.h"
#include "server/stream_guard.h"

namespace inspectsync::server {

grpc::Status ToGrpc(const Status& s);

// A rule a method adds to admission (e.g. "office or integration only");
// nullptr = none.
using RoleRule = Status (*)(const Caller& caller);

// What the services share.
struct RpcEnv {
  Admission* admission = nullptr;
  StreamGuard* streams = nullptr;
};

// The admitted caller of `ctx`, also passing `rule`.
StatusOr<Caller> Admit(const RpcEnv& env, grpc::CallbackServerContext* ctx, RoleRule rule = nullptr);

// Parses the request bytes of `method` ("SyncService/Push"): INVALID_ARGUMENT,
// and a rate-limited log line naming the caller, when they do not parse.
Status ParseRequest(grpc::CallbackServerContext* ctx, const Caller& caller, std::string_view method,
                    const grpc::ByteBuffer& in, google::protobuf::MessageLite* out);
// Encodes a response or stream message into `out` (cleared first).
Status SerializeMessage(const google::protobuf::MessageLite& msg, grpc::ByteBuffer* out);

// A unary method: admit, parse a Req, run fn(caller, req) -> StatusOr<Resp>,
// encode its response.
template <class Req, class Resp, class Fn>
grpc::ServerUnaryReactor* HandleUnary(const RpcEnv& env, grpc::CallbackServerContext* ctx,
                                      const grpc::ByteBuffer* in, grpc::ByteBuffer* out, std::string_view method,
                                      RoleRule rule, Fn&& fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  Status st;
  if (auto caller = Admit(env, ctx, rule); !caller.ok()) {
    st = caller.status();
  } else {
    Req req;
    st = ParseRequest(ctx, *caller, method, *in, &req);
    if (st.ok()) {
      StatusOr<Resp> resp = fn(*caller, static_cast<const Req&>(req));
      st = resp.ok() ? SerializeMessage(*resp, out) : resp.status();
    }
  }
  reactor->Finish(ToGrpc(st));
  return reactor;
}

// A streaming call's side of the StreamGuard, and its re-admission: before
// each message the reactor calls Check(), which fails once the caller's
// token has expired, been revoked or lost its key, or the user was
// deactivated or changed role (UNAUTHENTICATED / PERMISSION_DENIED), or a
// bounded call ran out of time (DEADLINE_EXCEEDED).
class StreamCall {
 public:
  // Admits the caller (into *caller) and opens the stream: RESOURCE_EXHAUSTED
  // if the caller has too many open. `bounded`: the call must end within
  // --max-call-s (everything but a watch).
  static StatusOr<std::unique_ptr<StreamCall>> Open(const RpcEnv& env, grpc::CallbackServerContext* ctx,
                                                    std::string_view method, RoleRule rule, bool bounded,
                                                    Caller* caller);

  Status Check();
  // Around each write: reserves its bytes in the server's buffer
  // (RESOURCE_EXHAUSTED when full) and times how long the client leaves it
  // pending; EndWrite in OnWriteDone, whatever `ok` says.
  Status BeginWrite(const grpc::ByteBuffer& message);
  void EndWrite() { stream_->EndWrite(); }
  // Around each read of a client stream (uploads).
  void BeginRead() { stream_->BeginRead(); }
  void EndRead() { stream_->EndRead(); }
  // In OnDone: after it, the watchdog never touches the call again.
  void Close() { stream_->Close(); }

 private:
  StreamCall(const RpcEnv& env, std::string authorization, RoleRule rule, Caller caller,
             std::unique_ptr<StreamGuard::Stream> stream)
      : env_(env), authorization_(std::move(authorization)), rule_(rule), caller_(std::move(caller)),
        stream_(std::move(stream)) {}

  RpcEnv env_;
  std::string authorization_;
  RoleRule rule_;
  Caller caller_;
  std::unique_ptr<StreamGuard::Stream> stream_;
};

// Routes gRPC's own log lines (TLS handshake failures, bad frames...) through
// LogLimited (server/log.h), one kind per source location. Idempotent;
// process-wide.
void InstallGrpcLogFilter();

// A server-streaming reactor that only reports an error.
template <class Base>
class RefuseCall final : public Base {
 public:
  explicit RefuseCall(const grpc::Status& s) { this->Finish(s); }
  void OnDone() override { delete this; }
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_RPC_H_
