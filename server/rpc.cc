#include "server/rpc.h"

#include <grpc/support/log.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include <mutex>

#include "server/log.h"

namespace inspectsync::server {

namespace {

std::string AuthorizationOf(grpc::CallbackServerContext* ctx) {
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

void GrpcLogLine(gpr_log_func_args* args) {
  std::string kind = std::string("grpc:") + (args->file ? args->file : "?") + ":" + std::to_string(args->line);
  LogLimited(kind, std::string("grpc ") + gpr_log_severity_string(args->severity) + " " +
                       (args->message ? args->message : ""));
}

}  // namespace

void InstallGrpcLogFilter() {
  static std::once_flag once;
  std::call_once(once, [] { gpr_set_log_function(&GrpcLogLine); });
}

grpc::Status ToGrpc(const Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), s.message());
}

StatusOr<Caller> Admit(const RpcEnv& env, grpc::CallbackServerContext* ctx, RoleRule rule) {
  auto caller = env.admission->Admit(AuthorizationOf(ctx));
  if (!caller.ok()) return caller.status();
  if (rule != nullptr) INSPECTSYNC_RETURN_IF_ERROR(rule(*caller));
  return caller;
}

Status ParseRequest(grpc::CallbackServerContext* ctx, const Caller& caller, std::string_view method,
                    const grpc::ByteBuffer& in, google::protobuf::MessageLite* out) {
  grpc::ByteBuffer copy(in);  // Deserialize consumes its buffer; gRPC owns `in` (a copy shares its slices)
  if (grpc::GenericDeserialize<grpc::ProtoBufferReader, google::protobuf::MessageLite>(&copy, out).ok())
    return Status::Ok();
  LogLimited("bad-request", "refused a request to " + std::string(method) + " that does not parse, from user " +
                                caller.user + " on device " + caller.device + " (" + ctx->peer() + ")");
  return InvalidArgument("the " + std::string(method) + " request does not parse as " + out->GetTypeName() +
                         " (a string field that is not valid UTF-8, or a truncated or corrupt message)");
}

Status SerializeMessage(const google::protobuf::MessageLite& msg, grpc::ByteBuffer* out) {
  out->Clear();  // a reused buffer: gRPC serializes into an empty one only
  bool own = false;
  grpc::Status st = grpc::GenericSerialize<grpc::ProtoBufferWriter, google::protobuf::MessageLite>(msg, out, &own);
  if (!st.ok()) return Internal("cannot encode a " + msg.GetTypeName() + ": " + st.error_message());
  return Status::Ok();
}

StatusOr<std::unique_ptr<StreamCall>> StreamCall::Open(const RpcEnv& env, grpc::CallbackServerContext* ctx,
                                                       std::string_view method, RoleRule rule, bool bounded,
                                                       Pool pool, Caller* caller) {
  std::string authorization = AuthorizationOf(ctx);
  auto admitted = env.admission->Admit(authorization);
  if (!admitted.ok()) return admitted.status();
  if (rule != nullptr) INSPECTSYNC_RETURN_IF_ERROR(rule(*admitted));
  auto stream = env.streams->Open(std::string(method), admitted->user, admitted->device, bounded,
                                  [ctx] { ctx->TryCancel(); });
  if (!stream.ok()) return stream.status();
  *caller = *admitted;
  return std::unique_ptr<StreamCall>(
      new StreamCall(env, pool, std::move(authorization), rule, std::move(*admitted), std::move(*stream)));
}

Status StreamCall::Check() {
  auto again = env_.admission->Admit(authorization_);
  if (!again.ok()) return again.status();
  if (rule_ != nullptr) INSPECTSYNC_RETURN_IF_ERROR(rule_(*again));
  return stream_->CheckDeadline();
}

Status StreamCall::BeginWrite(const grpc::ByteBuffer& message) { return stream_->BeginWrite(message.Length()); }

}  // namespace inspectsync::server
