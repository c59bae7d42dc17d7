#include "server/console/gateway.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <future>
#include <set>
#include <utility>

#include "inspectsync/v1/attachments.grpc.pb.h"
#include "server/auth/token.h"

namespace inspectsync::server::console {

namespace {

namespace pb = google::protobuf;

constexpr char kPackage[] = "inspectsync.v1.";

// IntegrationService is mostly for machines: the console may use its reads
// of findings and conflicts, the conflict resolution, the import and the
// summary — never the feed's cursors or the webhooks' administration.
const std::set<std::string>& IntegrationMethods() {
  static const auto* const methods =
      new std::set<std::string>{"ListFindings", "ListConflicts", "ResolveConflict", "Import", "Summary"};
  return *methods;
}

Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return Status();
  return Status(static_cast<StatusCode>(s.error_code()), s.error_message());
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

}  // namespace

const char* TokenRole(v1::Role role) {
  switch (role) {
    case v1::INSPECTOR: return "inspector";
    case v1::ZONE_DIRECTOR: return "zone_director";
    case v1::OFFICE: return "office";
    case v1::INTEGRATION: return "integration";
    default: return "";
  }
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kOutOfRange: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted: return 409;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

std::string ErrorJson(const std::string& code, const std::string& message) {
  pb::Struct body;
  (*body.mutable_fields())["code"].set_string_value(code);
  (*body.mutable_fields())["message"].set_string_value(message);
  std::string out;
  if (!pb::util::MessageToJsonString(body, &out).ok()) out = R"({"code":"INTERNAL","message":"error"})";
  return out;
}

std::string ErrorJson(const Status& status) { return ErrorJson(StatusCodeName(status.code()), status.message()); }

StatusOr<std::string> TokenMinter::TokenFor(const Person& person) {
  const char* role = TokenRole(person.role);
  if (*role == '\0') return Status(StatusCode::kPermissionDenied, "this account has no role the server knows");
  const int64_t now_s = clock_->NowMillis() / 1000;
  const auto key = std::make_pair(person.user_id, static_cast<int>(person.role));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(key);
  if (it != cache_.end() && it->second.expires_at_s - renew_s_ > now_s) return it->second.token;
  auto ring = auth::KeyRing::Load(keys_file_);
  if (!ring.ok()) return Unavailable("the console cannot sign its calls: " + ring.status().message());
  v1::TokenClaims claims;
  claims.set_user(person.user_id);
  claims.set_role(role);
  claims.set_device("console");
  claims.set_issued_at_s(now_s);
  claims.set_expires_at_s(now_s + ttl_s_);
  auto token = ring->Sign(claims);
  if (!token.ok()) return token.status();
  cache_[key] = Minted{*token, now_s + ttl_s_};
  return *token;
}

void TokenMinter::Forget(const Person& person) {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.erase(std::make_pair(person.user_id, static_cast<int>(person.role)));
}

Gateway::Gateway(grpc::Server* server, TokenMinter* tokens, const ConsoleOptions& options, size_t max_import_bytes)
    : tokens_(tokens), options_(options), max_import_bytes_(max_import_bytes) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);  // the server's own send limit applies
  args.SetMaxSendMessageSize(-1);     // and its receive limit
  channel_ = server->InProcessChannel(args);
  stub_ = std::make_unique<grpc::GenericStub>(channel_);
}

StatusOr<const pb::MethodDescriptor*> Gateway::Find(const std::string& service, const std::string& method) const {
  const Status not_found =
      NotFound("the console has no method " + service + "/" + method + " (only the office's, reports' and "
               "some integration methods are served here)");
  if (service != "OfficeService" && service != "ReportService" && service != "IntegrationService") return not_found;
  const pb::ServiceDescriptor* s = pb::DescriptorPool::generated_pool()->FindServiceByName(kPackage + service);
  if (s == nullptr) return not_found;
  const pb::MethodDescriptor* m = s->FindMethodByName(method);
  if (m == nullptr || m->client_streaming() || m->server_streaming()) return not_found;
  if (service == "IntegrationService" && IntegrationMethods().count(method) == 0) return not_found;
  return m;
}

size_t Gateway::BodyLimit(const pb::MethodDescriptor* method) const {
  if (method->full_name() == std::string(kPackage) + "IntegrationService.Import")
    return std::max(options_.max_body_bytes, max_import_bytes_);
  return options_.max_body_bytes;
}

std::unique_ptr<grpc::ClientContext> Gateway::Context(const std::string& token) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(options_.call_timeout_ms));
  ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

Status Gateway::CallBytes(const Person& person, const std::string& path, const grpc::ByteBuffer& request,
                          grpc::ByteBuffer* response) {
  for (int attempt = 0;; ++attempt) {
    auto token = tokens_->TokenFor(person);
    if (!token.ok()) return token.status();
    auto ctx = Context(*token);
    std::promise<grpc::Status> done;
    auto result = done.get_future();
    stub_->UnaryCall(ctx.get(), path, grpc::StubOptions(), &request, response,
                     [&done](grpc::Status s) { done.set_value(std::move(s)); });
    grpc::Status s = result.get();
    // A token the server no longer takes (its key was rotated away or
    // removed) is re-minted once; a person the directory refuses stays
    // refused (PERMISSION_DENIED), whatever the token.
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED && attempt == 0) {
      tokens_->Forget(person);
      continue;
    }
    return FromGrpc(s);
  }
}

Status Gateway::Call(const Person& person, const pb::MethodDescriptor* method, const pb::Message& request,
                     pb::Message* response) {
  std::string bytes;
  if (!request.SerializeToString(&bytes)) return Internal("cannot encode " + method->input_type()->full_name());
  grpc::ByteBuffer out;
  const std::string path = "/" + method->service()->full_name() + "/" + method->name();
  INSPECTSYNC_RETURN_IF_ERROR(CallBytes(person, path, ToBuffer(bytes), &out));
  if (!response->ParseFromString(FromBuffer(out)))
    return Internal("the server's answer to " + method->name() + " does not decode");
  return Status();
}

StatusOr<std::string> Gateway::CallJson(const Person& person, const pb::MethodDescriptor* method,
                                        const std::string& json) {
  const pb::Message* prototype = pb::MessageFactory::generated_factory()->GetPrototype(method->input_type());
  const pb::Message* response_prototype =
      pb::MessageFactory::generated_factory()->GetPrototype(method->output_type());
  if (prototype == nullptr || response_prototype == nullptr)
    return Internal("no message types for " + method->full_name());
  std::unique_ptr<pb::Message> request(prototype->New());
  std::unique_ptr<pb::Message> response(response_prototype->New());
  bool blank = json.find_first_not_of(" \t\r\n") == std::string::npos;
  if (!blank) {
    pb::util::JsonParseOptions parse;
    parse.ignore_unknown_fields = false;  // a misspelt filter must not silently widen a query
    auto st = pb::util::JsonStringToMessage(json, request.get(), parse);
    if (!st.ok())
      return InvalidArgument("the request body is not a valid " + method->input_type()->name() + " in JSON: " +
                             std::string(st.message()));
  }
  INSPECTSYNC_RETURN_IF_ERROR(Call(person, method, *request, response.get()));
  pb::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  print.always_print_primitive_fields = true;
  std::string out;
  auto st = pb::util::MessageToJsonString(*response, &out, print);
  if (!st.ok()) return Internal("cannot write the answer as JSON: " + std::string(st.message()));
  return out;
}

namespace {

class GrpcPhotoStream final : public PhotoStream {
 public:
  GrpcPhotoStream(std::shared_ptr<grpc::Channel> channel, std::unique_ptr<grpc::ClientContext> ctx,
                  const v1::DownloadRequest& request)
      : stub_(v1::AttachmentService::NewStub(std::move(channel))), ctx_(std::move(ctx)) {
    reader_ = stub_->Download(ctx_.get(), request);
  }
  ~GrpcPhotoStream() override {
    if (!finished_) {
      ctx_->TryCancel();  // the browser went away: end the server's stream
      reader_->Finish();
    }
  }
  // Reads the first chunk: its meta, and the first bytes.
  Status Start() {
    if (!reader_->Read(&chunk_)) {
      Finish();
      return status_.ok() ? Internal("the photo stream ended before its first chunk") : status_;
    }
    meta_ = chunk_.meta();
    pending_ = true;
    return Status();
  }
  const v1::AttachmentMeta& meta() const override { return meta_; }
  bool Next(std::string* data) override {
    if (pending_) {
      pending_ = false;
      *data = std::move(*chunk_.mutable_data());
      return true;
    }
    if (finished_) return false;
    if (!reader_->Read(&chunk_)) {
      Finish();
      return false;
    }
    *data = std::move(*chunk_.mutable_data());
    return true;
  }
  Status status() const override { return status_; }

 private:
  void Finish() {
    finished_ = true;
    status_ = FromGrpc(reader_->Finish());
  }
  std::unique_ptr<v1::AttachmentService::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  std::unique_ptr<grpc::ClientReader<v1::DownloadChunk>> reader_;
  v1::DownloadChunk chunk_;
  v1::AttachmentMeta meta_;
  bool pending_ = false;
  bool finished_ = false;
  Status status_;
};

}  // namespace

StatusOr<std::unique_ptr<PhotoStream>> Gateway::OpenPhoto(const Person& person, const std::string& attachment_id) {
  v1::DownloadRequest request;
  request.set_sha256(attachment_id);
  for (int attempt = 0;; ++attempt) {
    auto token = tokens_->TokenFor(person);
    if (!token.ok()) return token.status();
    auto stream = std::make_unique<GrpcPhotoStream>(channel_, Context(*token), request);
    Status st = stream->Start();
    if (st.code() == StatusCode::kUnauthenticated && attempt == 0) {
      tokens_->Forget(person);
      continue;
    }
    if (!st.ok()) return st;
    return std::unique_ptr<PhotoStream>(std::move(stream));
  }
}

}  // namespace inspectsync::server::console
