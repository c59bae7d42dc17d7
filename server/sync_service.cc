#include "server/sync_service.h"

namespace inspectsync::server {

grpc::Status ToGrpc(const Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), s.message());
}

StatusOr<Caller> Authenticate(auth::Authenticator* authenticator, grpc::CallbackServerContext* ctx) {
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  std::string header = it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
  auto id = authenticator->Authenticate(header);
  if (!id.ok()) return id.status();
  // Every token names a real role: the empty (in-process, all-powerful) role
  // is never reachable over the network.
  auto role = ParseRole(id->role);
  if (!role.ok()) return role.status();
  if (*role == Role::kSystem)
    return Status(StatusCode::kPermissionDenied, std::string("the token carries no role; roles are: ") + TokenRoleNames());
  return Caller(id->user, id->role, id->device);
}

namespace {

// Push requests are parsed into a protobuf arena per call: a batch of 1,000
// findings is thousands of strings and sub-messages, and allocating and
// freeing them one by one was a fifth of the server's push CPU. The response
// stays on the heap: the engine builds it there, and moving a message into
// an arena would copy it.
class ArenaPushAllocator final : public grpc::MessageAllocator<v1::PushRequest, v1::PushResponse> {
 public:
  grpc::MessageHolder<v1::PushRequest, v1::PushResponse>* AllocateMessages() override { return new Holder(); }

 private:
  static google::protobuf::ArenaOptions Options() {
    google::protobuf::ArenaOptions o;
    o.start_block_size = 64 << 10;
    o.max_block_size = 1 << 20;
    return o;
  }

  class Holder final : public grpc::MessageHolder<v1::PushRequest, v1::PushResponse> {
   public:
    Holder() : arena_(Options()) {
      set_request(google::protobuf::Arena::CreateMessage<v1::PushRequest>(&arena_));
      set_response(&response_);
    }
    void Release() override { delete this; }

   private:
    google::protobuf::Arena arena_;
    v1::PushResponse response_;
  };
};

// Streams pages one at a time: at most one page is in memory per call,
// whatever the size of the change set. Pages are read on gRPC's threads: a
// read never waits for the writer (WAL readers), only, briefly, for one of
// the reader connections; a hop to the storage executor would add a thread
// switch to every noop sync for nothing. A page is built as a PullPageOut (the
// stored bodies moved in, never parsed) and serialized here into the buffer
// gRPC sends: the bodies are copied once, not parsed and serialized again.
class PullReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  PullReactor(SyncEngine* engine, grpc::CallbackServerContext* ctx, v1::PullRequest req, const Caller& caller)
      : engine_(engine), ctx_(ctx), req_(std::move(req)) {
    auto plan = engine_->StartPull(req_, caller);
    if (!plan.ok()) {
      Finish(ToGrpc(plan.status()));
      return;
    }
    plan_ = std::move(*plan);
    NextPage();
  }

  void OnWriteDone(bool ok) override {
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

  void OnDone() override { delete this; }

 private:
  void NextPage() {
    if (ctx_->IsCancelled()) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    if (Status st = engine_->NextPageOut(req_, &plan_, &page_); !st.ok()) {
      Finish(ToGrpc(st));
      return;
    }
    buffer_.Clear();
    bool own = false;
    grpc::Status st = grpc::SerializationTraits<v1::PullPageOut>::Serialize(page_, &buffer_, &own);
    if (!st.ok()) {
      Finish(st);
      return;
    }
    StartWrite(&buffer_);
  }

  SyncEngine* engine_;
  grpc::CallbackServerContext* ctx_;
  const v1::PullRequest req_;
  v1::PullPageOut page_;     // reused: its records keep their capacity
  grpc::ByteBuffer buffer_;  // the page being written
  PullPlan plan_;
};

// A reactor that only reports an error.
class RefusePull : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit RefusePull(const grpc::Status& s) { Finish(s); }
  void OnDone() override { delete this; }
};

}  // namespace

SyncServiceImpl::SyncServiceImpl(SyncEngine* engine, auth::Authenticator* authenticator, size_t storage_threads)
    : engine_(engine), authenticator_(authenticator), executor_(storage_threads) {
  static ArenaPushAllocator* const allocator = new ArenaPushAllocator();  // stateless; outlives every server
  SetMessageAllocatorFor_Push(allocator);
}

grpc::ServerUnaryReactor* SyncServiceImpl::Push(grpc::CallbackServerContext* ctx, const v1::PushRequest* req,
                                                v1::PushResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto caller = Authenticate(authenticator_, ctx);
  if (!caller.ok()) {
    reactor->Finish(ToGrpc(caller.status()));
    return reactor;
  }
  // The request and response stay gRPC's until Finish: the task may use them.
  executor_.Submit([this, reactor, req, resp, caller = std::move(*caller)] {
    auto result = engine_->Push(*req, caller);
    if (!result.ok()) {
      reactor->Finish(ToGrpc(result.status()));
    } else {
      *resp = std::move(*result);
      reactor->Finish(grpc::Status::OK);
    }
  });
  return reactor;
}

void SyncServiceImpl::StopStorageThreads() { executor_.Stop(); }

grpc::ServerWriteReactor<grpc::ByteBuffer>* SyncServiceImpl::Pull(grpc::CallbackServerContext* ctx,
                                                                  const grpc::ByteBuffer* req) {
  auto caller = Authenticate(authenticator_, ctx);
  if (!caller.ok()) return new RefusePull(ToGrpc(caller.status()));
  v1::PullRequest request;
  grpc::ByteBuffer copy(*req);  // Deserialize consumes its buffer; gRPC owns `req`
  if (grpc::Status st = grpc::SerializationTraits<v1::PullRequest>::Deserialize(&copy, &request); !st.ok())
    return new RefusePull(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the pull request does not parse"));
  return new PullReactor(engine_, ctx, std::move(request), *caller);
}

}  // namespace inspectsync::server
