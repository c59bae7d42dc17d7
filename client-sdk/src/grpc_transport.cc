// The gRPC Transport. The only file of the SDK that sees gRPC types.
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <sstream>

#include "inspectsync/transport.h"
#include "inspectsync/v1/sync.grpc.pb.h"

namespace inspectsync {

namespace {

// grpc::StatusCode and inspectsync::StatusCode both carry google.rpc.Code
// values, so the mapping is the identity; the server's message is kept.
Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return Status::Ok();
  int code = static_cast<int>(s.error_code());
  if (code < 0 || code > static_cast<int>(StatusCode::kUnauthenticated)) code = static_cast<int>(StatusCode::kUnknown);
  return Status(static_cast<StatusCode>(code), s.error_message());
}

class GrpcTransport : public Transport {
 public:
  GrpcTransport(const std::string& address, const GrpcTransportOptions& options,
                std::shared_ptr<grpc::ChannelCredentials> creds)
      : options_(options) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(options.max_receive_bytes);
    // Bound how far the server may stream ahead of a client that stores
    // pages slower than they arrive. With BDP probing, loopback and fast
    // links open the HTTP/2 window wide and whole pull backlogs (tens of MB)
    // pile up in gRPC's buffers; a fixed window of a few pages keeps the
    // pipe full (pages are ~350 KB) without that.
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 2 << 20);
    channel_ = grpc::CreateCustomChannel(address, std::move(creds), args);
    stub_ = v1::SyncService::NewStub(channel_);
    if (!options.token.empty()) bearer_ = "Bearer " + options.token;
  }

  Status Push(const v1::PushRequest& request, v1::PushResponse* response) override {
    grpc::ClientContext context;
    Prepare(&context);
    return FromGrpc(stub_->Push(&context, request, response));
  }

  Status Pull(const v1::PullRequest& request,
              const std::function<Status(const v1::PullResponse&)>& on_page) override {
    grpc::ClientContext context;
    Prepare(&context);
    std::unique_ptr<grpc::ClientReader<v1::PullResponse>> reader = stub_->Pull(&context, request);
    v1::PullResponse page;
    while (reader->Read(&page)) {
      Status st = on_page(page);
      if (!st.ok()) {
        // Stop the stream; the caller's error is the one that matters.
        context.TryCancel();
        while (reader->Read(&page)) {
        }
        reader->Finish();
        return st;
      }
    }
    return FromGrpc(reader->Finish());
  }

 private:
  void Prepare(grpc::ClientContext* context) const {
    context->set_deadline(std::chrono::system_clock::now() + options_.call_deadline);
    if (!bearer_.empty()) context->AddMetadata("authorization", bearer_);
  }

  GrpcTransportOptions options_;
  std::string bearer_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SyncService::Stub> stub_;
};

}  // namespace

StatusOr<std::unique_ptr<Transport>> MakeGrpcTransport(const std::string& address,
                                                       const GrpcTransportOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (options.insecure) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_cert_file.empty()) {
      std::ifstream in(options.ca_cert_file);
      std::ostringstream pem;
      pem << in.rdbuf();
      if (!in || pem.str().empty())
        return FailedPrecondition("cannot read the CA certificate '" + options.ca_cert_file + "'");
      ssl.pem_root_certs = pem.str();
    }
    creds = grpc::SslCredentials(ssl);
  }
  return std::unique_ptr<Transport>(std::make_unique<GrpcTransport>(address, options, std::move(creds)));
}

}  // namespace inspectsync
