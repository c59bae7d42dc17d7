#include "server/sync_service.h"

namespace inspectsync::server {

namespace {

// A push's request, parsed into a protobuf arena of its own: a batch of
// 1,000 findings is thousands of strings and sub-messages, and allocating
// and freeing them one by one was a fifth of the server's push CPU. It lives
// until the push's storage task is done with it.
struct PushCall {
  static google::protobuf::ArenaOptions Options() {
    google::protobuf::ArenaOptions o;
    o.start_block_size = 64 << 10;
    o.max_block_size = 1 << 20;
    return o;
  }
  PushCall() : arena(Options()), request(google::protobuf::Arena::CreateMessage<v1::PushRequest>(&arena)) {}
  google::protobuf::Arena arena;
  v1::PushRequest* request;
};

// Streams pages one at a time: at most one page is in memory per call,
// whatever the size of the change set. Pages are read on gRPC's threads: a
// read never waits for the writer (WAL readers), only, briefly, for one of
// the reader connections; a hop to the storage executor would add a thread
// switch to every noop sync for nothing. A page is built as a PullPageOut (the
// stored bodies moved in, never parsed) and serialized here into the buffer
// gRPC sends: the bodies are copied once, not parsed and serialized again.
//
// Before each page the caller is admitted again (a revoked or expired token,
// a deactivated user end the pull) and each page's bytes are reserved in the
// StreamGuard, which cancels the call if its client leaves a page unread
// for --stall-timeout-s.
class PullReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  PullReactor(SyncEngine* engine, grpc::CallbackServerContext* ctx, std::unique_ptr<StreamCall> call,
              v1::PullRequest req, const Caller& caller)
      : engine_(engine), ctx_(ctx), call_(std::move(call)), req_(std::move(req)) {
    auto plan = engine_->StartPull(req_, caller);
    if (!plan.ok()) {
      Finish(ToGrpc(plan.status()));
      return;
    }
    plan_ = std::move(*plan);
    NextPage();
  }

  void OnWriteDone(bool ok) override {
    call_->EndWrite();
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the client went away during the pull"));
      return;
    }
    if (plan_.done) {
      Finish(grpc::Status::OK);
      return;
    }
    NextPage();
  }

  void OnDone() override {
    call_->Close();
    delete this;
  }

 private:
  void NextPage() {
    if (ctx_->IsCancelled()) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    Status st = call_->Check();
    if (st.ok()) st = engine_->NextPageOut(req_, &plan_, &page_);
    if (st.ok()) st = SerializeMessage(page_, &buffer_);
    if (st.ok()) st = call_->BeginWrite(buffer_);
    if (!st.ok()) {
      Finish(ToGrpc(st));
      return;
    }
    StartWrite(&buffer_);
  }

  SyncEngine* engine_;
  grpc::CallbackServerContext* ctx_;
  std::unique_ptr<StreamCall> call_;
  const v1::PullRequest req_;
  v1::PullPageOut page_;     // reused: its records keep their capacity
  grpc::ByteBuffer buffer_;  // the page being written
  PullPlan plan_;
};

}  // namespace

SyncServiceImpl::SyncServiceImpl(SyncEngine* engine, RpcEnv env, size_t storage_threads)
    : engine_(engine), env_(env), executor_(storage_threads) {}

grpc::ServerUnaryReactor* SyncServiceImpl::Push(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                grpc::ByteBuffer* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto caller = Admit(env_, ctx);
  if (!caller.ok()) {
    reactor->Finish(ToGrpc(caller.status()));
    return reactor;
  }
  auto call = std::make_shared<PushCall>();
  if (Status st = ParseRequest(ctx, *caller, "SyncService/Push", *req, call->request); !st.ok()) {
    reactor->Finish(ToGrpc(st));
    return reactor;
  }
  // `resp` stays gRPC's until Finish: the task may fill it.
  executor_.Submit([this, reactor, resp, call, caller = std::move(*caller)] {
    auto result = engine_->Push(*call->request, caller);
    Status st = result.ok() ? SerializeMessage(*result, resp) : result.status();
    reactor->Finish(ToGrpc(st));
  });
  return reactor;
}

void SyncServiceImpl::StopStorageThreads() { executor_.Stop(); }

grpc::ServerWriteReactor<grpc::ByteBuffer>* SyncServiceImpl::Pull(grpc::CallbackServerContext* ctx,
                                                                  const grpc::ByteBuffer* req) {
  using Refuse = RefuseCall<grpc::ServerWriteReactor<grpc::ByteBuffer>>;
  Caller caller;
  auto call = StreamCall::Open(env_, ctx, "SyncService/Pull", nullptr, /*bounded=*/true, &caller);
  if (!call.ok()) return new Refuse(ToGrpc(call.status()));
  v1::PullRequest request;
  if (Status st = ParseRequest(ctx, caller, "SyncService/Pull", *req, &request); !st.ok())
    return new Refuse(ToGrpc(st));
  return new PullReactor(engine_, ctx, std::move(*call), std::move(request), caller);
}

}  // namespace inspectsync::server
