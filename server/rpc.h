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
// One way to run a method's work: gRPC's callback threads admit and parse
// only; whatever touches storage runs on one of the server's two executors
// (Pool below) — a unary method's body through HandleUnary, each step of a
// stream through StreamCall::Run — and the call is finished from there.
//
// Thread-safety: the functions are; a StreamCall belongs to its reactor.
#ifndef INSPECTSYNC_SERVER_RPC_H_
#define INSPECTSYNC_SERVER_RPC_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "server/admission.h"
#include "server/executor.h"
#include "server/stream_guard.h"

namespace inspectsync::server {

grpc::Status ToGrpc(const Status& s);

// A rule a method adds to admission (e.g. "office or integration only");
// nullptr = none.
using RoleRule = Status (*)(const Caller& caller);

// Which pool a method's storage work runs on (server/executor.h). gRPC's
// callback threads never run it: they admit, parse and hand over.
//   kWrites: work that commits (pushes, imports, resolutions, acks, webhook
//     changes): it may wait for a group commit to be durable, so the pool is
//     large (--storage-threads) and mostly waiting;
//   kReads: work that only reads (pull pages, scans, exports, lists, the
//     feed, downloads): WAL readers never wait for the writer, so a read
//     must not queue behind pushes waiting for their commit; a pool as large
//     as the store's reader connections keeps every connection busy and no
//     read waits for one.
enum class Pool { kWrites, kReads };

// What the services share. The executors belong to the Server; nullptr runs
// the work on the calling thread (in-process tests without a Server).
struct RpcEnv {
  Admission* admission = nullptr;
  StreamGuard* streams = nullptr;
  Executor* writes = nullptr;
  Executor* reads = nullptr;

  // Runs `work` on `pool`.
  void Run(Pool pool, std::function<void()> work) const {
    Executor* ex = pool == Pool::kWrites ? writes : reads;
    if (ex == nullptr) return work();
    ex->Submit(std::move(work));
  }
};

// The admitted caller of `ctx`, also passing `rule`.
StatusOr<Caller> Admit(const RpcEnv& env, grpc::CallbackServerContext* ctx, RoleRule rule = nullptr);

// Parses the request bytes of `method` ("SyncService/Push"): INVALID_ARGUMENT,
// and a rate-limited log line naming the caller, when they do not parse.
Status ParseRequest(grpc::CallbackServerContext* ctx, const Caller& caller, std::string_view method,
                    const grpc::ByteBuffer& in, google::protobuf::MessageLite* out);
// Encodes a response or stream message into `out` (cleared first).
Status SerializeMessage(const google::protobuf::MessageLite& msg, grpc::ByteBuffer* out);

// A unary method's description for HandleUnary.
struct UnaryMethod {
  std::string_view name;  // "SyncService/Push": in logs and errors
  Pool pool;
  RoleRule rule = nullptr;  // beyond admission; nullptr = none
  // The request is parsed into a protobuf arena of its own that lives until
  // the work is done; 0 = protobuf's defaults. A push's batch of 1,000
  // findings is thousands of strings and sub-messages: allocating them one
  // by one was a fifth of the server's push CPU.
  size_t arena_start_bytes = 0;
  size_t arena_max_bytes = 0;
};

namespace rpc_internal {
template <class Req>
struct UnaryCall {
  static google::protobuf::ArenaOptions Options(const UnaryMethod& m) {
    google::protobuf::ArenaOptions o;
    if (m.arena_start_bytes > 0) o.start_block_size = m.arena_start_bytes;
    if (m.arena_max_bytes > 0) o.max_block_size = m.arena_max_bytes;
    return o;
  }
  explicit UnaryCall(const UnaryMethod& m)
      : arena(Options(m)), request(google::protobuf::Arena::CreateMessage<Req>(&arena)) {}
  google::protobuf::Arena arena;
  Req* request;
  Caller caller;
};
}  // namespace rpc_internal

// Every unary method: admit and parse a Req on gRPC's thread, then run
// fn(caller, req) -> StatusOr<Resp> on `method.pool` and finish the call from
// there with its encoded response. `fn` is copied into the task: capture
// nothing that dies with the handler (the service's `this` is fine: services
// outlive the executors' last task).
template <class Req, class Resp, class Fn>
grpc::ServerUnaryReactor* HandleUnary(const RpcEnv& env, const UnaryMethod& method, grpc::CallbackServerContext* ctx,
                                      const grpc::ByteBuffer* in, grpc::ByteBuffer* out, Fn fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto caller = Admit(env, ctx, method.rule);
  if (!caller.ok()) {
    reactor->Finish(ToGrpc(caller.status()));
    return reactor;
  }
  auto call = std::make_shared<rpc_internal::UnaryCall<Req>>(method);
  if (Status st = ParseRequest(ctx, *caller, method.name, *in, call->request); !st.ok()) {
    reactor->Finish(ToGrpc(st));
    return reactor;
  }
  call->caller = std::move(*caller);
  // `out` stays gRPC's until Finish: the task fills it.
  env.Run(method.pool, [reactor, out, call, fn = std::move(fn)] {
    StatusOr<Resp> resp = fn(static_cast<const Caller&>(call->caller), static_cast<const Req&>(*call->request));
    Status st = resp.ok() ? SerializeMessage(*resp, out) : resp.status();
    reactor->Finish(ToGrpc(st));
  });
  return reactor;
}

// A streaming call's side of the StreamGuard, and its re-admission: before
// each message the reactor calls Check(), which fails once the caller's
// token has expired, been revoked or lost its key, or the user was
// deactivated or changed role (UNAUTHENTICATED / PERMISSION_DENIED), or a
// bounded call ran out of time (DEADLINE_EXCEEDED).
//
// A stream's storage work (each page, chunk or batch: its Check, its read
// and its encoding) runs through Run() on the call's pool, which then
// starts the write or finishes the call from there, as HandleUnary does.
// The reactor stays alive until it calls Finish, so a step in the pool's
// queue may touch it.
class StreamCall {
 public:
  // Admits the caller (into *caller) and opens the stream: RESOURCE_EXHAUSTED
  // if the caller has too many open. `bounded`: the call must end within
  // --max-call-s (everything but a watch). `pool`: where Run runs its steps.
  static StatusOr<std::unique_ptr<StreamCall>> Open(const RpcEnv& env, grpc::CallbackServerContext* ctx,
                                                    std::string_view method, RoleRule rule, bool bounded, Pool pool,
                                                    Caller* caller);

  // Runs one step of the stream's work on its pool.
  void Run(std::function<void()> step) const { env_.Run(pool_, std::move(step)); }
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
  StreamCall(const RpcEnv& env, Pool pool, std::string authorization, RoleRule rule, Caller caller,
             std::unique_ptr<StreamGuard::Stream> stream)
      : env_(env), pool_(pool), authorization_(std::move(authorization)), rule_(rule), caller_(std::move(caller)),
        stream_(std::move(stream)) {}

  RpcEnv env_;
  Pool pool_;
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
