#include "server/sync_service.h"

namespace inspectsync::server {

namespace {

// Streams pages one at a time: at most one page is in memory per call,
// whatever the size of the change set. Each page is read, encoded and
// started on the read pool (server/rpc.h): a read never waits for the
// writer (WAL readers), and with a pool of its own it never queues behind
// pushes waiting for their group commit either. A page is built as a
// PullPageOut (the stored bodies moved in, never parsed) and serialized
// here into the buffer gRPC sends: the bodies are copied once, not parsed
// and serialized again.
//
// Before each page the caller is admitted again (a revoked or expired token,
// a deactivated user end the pull) and each page's bytes are reserved in the
// StreamGuard, which cancels the call if its client leaves a page unread
// for --stall-timeout-s.
class PullReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  PullReactor(SyncEngine* engine, grpc::CallbackServerContext* ctx, std::unique_ptr<StreamCall> call,
              v1::PullRequest req, const Caller& caller)
      : engine_(engine), ctx_(ctx), call_(std::move(call)), req_(std::move(req)), caller_(caller) {
    call_->Run([this] { Start(); });
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
    call_->Run([this] { NextPage(); });
  }

  void OnDone() override {
    call_->Close();
    delete this;
  }

 private:
  // On the read pool, as every step below.
  void Start() {
    auto plan = engine_->StartPull(req_, caller_);
    if (!plan.ok()) {
      Finish(ToGrpc(plan.status()));
      return;
    }
    plan_ = std::move(*plan);
    NextPage();
  }

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
  const Caller caller_;
  v1::PullPageOut page_;     // reused: its records keep their capacity
  grpc::ByteBuffer buffer_;  // the page being written
  PullPlan plan_;
};

}  // namespace

grpc::ServerUnaryReactor* SyncServiceImpl::Push(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                grpc::ByteBuffer* resp) {
  // The request's own arena (UnaryMethod says why); the task waits until
  // the group commit that holds the push is durable.
  static constexpr UnaryMethod kPush{"SyncService/Push", Pool::kWrites, nullptr, 64 << 10, 1 << 20};
  return HandleUnary<v1::PushRequest, v1::PushResponse>(
      env_, kPush, ctx, req, resp,
      [engine = engine_](const Caller& caller, const v1::PushRequest& r) { return engine->Push(r, caller); });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* SyncServiceImpl::Pull(grpc::CallbackServerContext* ctx,
                                                                  const grpc::ByteBuffer* req) {
  using Refuse = RefuseCall<grpc::ServerWriteReactor<grpc::ByteBuffer>>;
  Caller caller;
  auto call = StreamCall::Open(env_, ctx, "SyncService/Pull", nullptr, /*bounded=*/true, Pool::kReads, &caller);
  if (!call.ok()) return new Refuse(ToGrpc(call.status()));
  v1::PullRequest request;
  if (Status st = ParseRequest(ctx, caller, "SyncService/Pull", *req, &request); !st.ok())
    return new Refuse(ToGrpc(st));
  return new PullReactor(engine_, ctx, std::move(*call), std::move(request), caller);
}

}  // namespace inspectsync::server
