// The gRPC Transport (SyncService, AttachmentService, and the tablet's
// IntegrationService.ListConflicts). The only file of
// the SDK that sees gRPC types.
#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "client-sdk/src/grpc_channel.h"
#include "client-sdk/src/raw_pull.h"
#include "inspectsync/transport.h"
#include "inspectsync/v1/attachments.grpc.pb.h"
#include "inspectsync/v1/integration.grpc.pb.h"
#include "inspectsync/v1/sync.grpc.pb.h"

namespace inspectsync {

namespace {

using sdk_internal::FromGrpc;

// Bytes per upload message: the proto's contract (a server may refuse more).
constexpr size_t kUploadChunkBytes = 256 << 10;

class GrpcTransport : public Transport, public sdk_internal::RawPullTransport {
 public:
  // `bearer`: the checked "authorization" value (sdk_internal::BearerHeader).
  GrpcTransport(const GrpcTransportOptions& options, std::string bearer, std::shared_ptr<grpc::Channel> channel)
      : options_(options), bearer_(std::move(bearer)), channel_(std::move(channel)) {
    stub_ = v1::SyncService::NewStub(channel_);
    pull_raw_ = std::make_unique<grpc::internal::RpcMethod>("/inspectsync.v1.SyncService/Pull",
                                                            grpc::internal::RpcMethod::SERVER_STREAMING, channel_);
    attachments_ = v1::AttachmentService::NewStub(channel_);
    integration_ = v1::IntegrationService::NewStub(channel_);
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
    // Each page is parsed into an arena that is emptied after the page is
    // handled: its hundreds of records (each a few nested messages) are
    // released in a few blocks instead of one free() per message.
    google::protobuf::ArenaOptions arena_options;
    arena_options.start_block_size = 64 << 10;
    arena_options.max_block_size = 1 << 20;
    google::protobuf::Arena arena(arena_options);
    for (;;) {
      auto* page = google::protobuf::Arena::CreateMessage<v1::PullResponse>(&arena);
      if (!reader->Read(page)) break;
      Status st = on_page(*page);
      arena.Reset();
      if (!st.ok()) {
        // Stop the stream; the caller's error is the one that matters.
        context.TryCancel();
        v1::PullResponse rest;
        while (reader->Read(&rest)) {
        }
        reader->Finish();
        return st;
      }
    }
    return FromGrpc(reader->Finish());
  }

  // SyncService.Pull read as PullPageIn, its wire twin, the way the generated
  // stub reads it as PullResponse: each record arrives as its bytes, no field
  // of it parsed or checked for UTF-8 (the store checks what it keeps). One
  // page object serves the whole stream: clearing it keeps its strings'
  // buffers, so steady-state pages allocate nothing per record.
  Status PullRaw(const v1::PullRequest& request, const sdk_internal::RawPageHandler& on_page) override {
    grpc::ClientContext context;
    Prepare(&context);
    std::unique_ptr<grpc::ClientReader<v1::PullPageIn>> reader(
        grpc::internal::ClientReaderFactory<v1::PullPageIn>::Create(channel_.get(), *pull_raw_, &context, request));
    v1::PullPageIn page;
    while (reader->Read(&page)) {
      Status st = on_page(page);
      if (!st.ok()) {
        context.TryCancel();
        while (reader->Read(&page)) {
        }
        reader->Finish();
        return st;
      }
    }
    return FromGrpc(reader->Finish());
  }

  StatusOr<v1::UploadResult> UploadAttachment(const v1::AttachmentMeta& meta, uint64_t offset,
                                              const ChunkReader& read) override {
    grpc::ClientContext context;
    Prepare(&context, options_.attachment_deadline);
    v1::UploadResult result;
    std::unique_ptr<grpc::ClientWriter<v1::UploadChunk>> writer = attachments_->Upload(&context, &result);
    v1::UploadChunk first;
    *first.mutable_meta() = meta;
    first.set_offset(offset);
    // One chunk in memory at a time. A failed Write means the server ended
    // the call (a refusal, or the link dropped): Finish says which.
    bool open = writer->Write(first);
    Status local;
    while (open) {
      v1::UploadChunk chunk;
      local = read(kUploadChunkBytes, chunk.mutable_data());
      if (!local.ok()) {
        context.TryCancel();
        break;
      }
      if (chunk.data().empty()) break;
      open = writer->Write(chunk);
    }
    if (open && local.ok()) writer->WritesDone();
    grpc::Status st = writer->Finish();
    if (!local.ok()) return local;  // our own read failed: that is the error that matters
    if (!st.ok()) return FromGrpc(st);
    return result;
  }

  StatusOr<v1::AttachmentStatusResponse> AttachmentStatus(const std::string& sha256) override {
    grpc::ClientContext context;
    Prepare(&context, options_.call_deadline);
    v1::AttachmentStatusRequest request;
    request.set_sha256(sha256);
    v1::AttachmentStatusResponse response;
    grpc::Status st = attachments_->Status(&context, request, &response);
    if (!st.ok()) return FromGrpc(st);
    return response;
  }

  Status DownloadAttachment(const std::string& sha256, uint64_t offset,
                            const std::function<Status(const v1::DownloadChunk&)>& on_chunk) override {
    grpc::ClientContext context;
    Prepare(&context, options_.attachment_deadline);
    v1::DownloadRequest request;
    request.set_sha256(sha256);
    request.set_offset(offset);
    std::unique_ptr<grpc::ClientReader<v1::DownloadChunk>> reader = attachments_->Download(&context, request);
    v1::DownloadChunk chunk;
    while (reader->Read(&chunk)) {
      Status st = on_chunk(chunk);
      if (!st.ok()) {
        context.TryCancel();
        while (reader->Read(&chunk)) {
        }
        reader->Finish();
        return st;
      }
    }
    return FromGrpc(reader->Finish());
  }

  StatusOr<v1::ConflictPage> ListConflicts(const v1::ConflictQuery& query, std::chrono::milliseconds timeout) override {
    grpc::ClientContext context;
    Prepare(&context, std::min(timeout, options_.call_deadline));
    v1::ConflictPage page;
    grpc::Status st = integration_->ListConflicts(&context, query, &page);
    if (!st.ok()) return FromGrpc(st);
    return page;
  }

 private:
  void Prepare(grpc::ClientContext* context) const { Prepare(context, options_.call_deadline); }
  void Prepare(grpc::ClientContext* context, std::chrono::milliseconds deadline) const {
    context->set_deadline(std::chrono::system_clock::now() + deadline);
    if (!bearer_.empty()) context->AddMetadata("authorization", bearer_);
  }

  GrpcTransportOptions options_;
  std::string bearer_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SyncService::Stub> stub_;
  std::unique_ptr<grpc::internal::RpcMethod> pull_raw_;  // SyncService.Pull, registered on channel_
  std::unique_ptr<v1::AttachmentService::Stub> attachments_;
  std::unique_ptr<v1::IntegrationService::Stub> integration_;  // ListConflicts only
};

}  // namespace

StatusOr<std::unique_ptr<Transport>> MakeGrpcTransport(const std::string& address,
                                                       const GrpcTransportOptions& options) {
  auto bearer = sdk_internal::BearerHeader(options.token);  // before any call: gRPC aborts on a bad one
  if (!bearer.ok()) return bearer.status();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_receive_bytes);
  // Bound how far the server may stream ahead of a client that stores
  // pages slower than they arrive. With BDP probing, loopback and fast
  // links open the HTTP/2 window wide and whole pull backlogs (tens of MB)
  // pile up in gRPC's buffers; a fixed window of a few pages keeps the
  // pipe full (pages are ~350 KB) without that.
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 2 << 20);
  auto channel = sdk_internal::MakeChannel(address, options, args);
  if (!channel.ok()) return channel.status();
  return std::unique_ptr<Transport>(std::make_unique<GrpcTransport>(options, std::move(*bearer), std::move(*channel)));
}

}  // namespace inspectsync
