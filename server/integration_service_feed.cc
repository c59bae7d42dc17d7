// IntegrationService: the change feed (the work is in change_feed.h).
//
// A watch is a ServerWriteReactor that never holds a thread while idle: it
// reads a batch, writes it, and when caught up hands a wake-up to the feed's
// dispatcher (a commit, a heartbeat, or the server's shutdown) and returns.
// Every read (and the start, which may read a consumer's cursor) runs on the
// read pool (server/rpc.h), never on gRPC's threads or the dispatcher's.
// Exactly one of {a write in flight, a pending wait, a read} is active at a
// time, so the reactor's own state needs its lock only against OnCancel.
//
// Every step — a batch, a heartbeat — re-admits the caller, so a watch ends
// (UNAUTHENTICATED / PERMISSION_DENIED) within a heartbeat of its token
// being revoked or expiring, its key removed, or its user deactivated; a
// watcher that stops reading is cut by the StreamGuard. Watches are not
// bounded in time (they follow the feed for as long as the client wants).
#include <optional>

#include "server/change_feed.h"
#include "server/integration_service.h"

namespace inspectsync::server {

namespace {

constexpr std::string_view kWatch = "IntegrationService/WatchChanges";

class WatchReactor : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  WatchReactor(ChangeFeed* feed, std::unique_ptr<StreamCall> call, v1::WatchRequest request)
      : feed_(feed), call_(std::move(call)), request_(std::move(request)) {}

  void Begin() {
    call_->Run([this] {
      auto watch = feed_->Start(request_);
      if (!watch.ok()) return End(ToGrpc(watch.status()));
      watch_ = std::move(*watch);
      Step(false);
    });
  }

  void OnWriteDone(bool ok) override {
    call_->EndWrite();
    if (!ok) return End(grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away"));
    if (watch_.done()) return End(grpc::Status::OK);
    call_->Run([this] { Step(false); });
  }

  void OnCancel() override {
    bool end = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      // A pending wait is taken back here; if its wake-up is already on its
      // way, that wake-up sees cancelled_ and ends the call instead.
      if (ticket_ != 0 && feed_->CancelWait(ticket_)) {
        ticket_ = 0;
        end = true;
      }
    }
    if (end) End(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    call_->Close();
    delete this;
  }

 private:
  // Reads the next batch and writes it, or waits when there is nothing new.
  // `heartbeat`: write even an empty batch. On the read pool.
  void Step(bool heartbeat) {
    if (Cancelled()) return End(grpc::Status::CANCELLED);
    if (feed_->stopped()) return End(ShuttingDown());
    if (Status st = call_->Check(); !st.ok()) return End(ToGrpc(st));
    auto batch = feed_->Next(&watch_);
    if (!batch.ok()) return End(ToGrpc(batch.status()));
    bool nothing_new = batch->changes().empty() && batch->caught_up() && told_caught_up_;
    if (nothing_new && !heartbeat && !watch_.done()) {
      std::optional<grpc::Status> end;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (cancelled_) {
          end = grpc::Status::CANCELLED;
        } else {
          ticket_ = feed_->WaitAsync(watch_.cursor, [this](ChangeFeed::Wake why) { OnWake(why); });
          if (ticket_ == 0) end = ShuttingDown();
        }
      }
      // Once the wait is registered its wake-up may run (and end the call)
      // at any moment: nothing of `this` is touched after the lock.
      if (end) End(*end);
      return;
    }
    told_caught_up_ = batch->caught_up();
    Status st = SerializeMessage(*batch, &buffer_);
    if (st.ok()) st = call_->BeginWrite(buffer_);
    if (!st.ok()) return End(ToGrpc(st));
    StartWrite(&buffer_);
  }

  bool Cancelled() {
    std::lock_guard<std::mutex> lock(mu_);
    return cancelled_;
  }

  void OnWake(ChangeFeed::Wake why) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ticket_ = 0;
    }
    if (why == ChangeFeed::Wake::kStopped) return End(ShuttingDown());
    bool heartbeat = why == ChangeFeed::Wake::kHeartbeat;
    call_->Run([this, heartbeat] { Step(heartbeat); });
  }

  grpc::Status ShuttingDown() const {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down; resume the watch after cursor " +
                                                           std::to_string(watch_.cursor));
  }

  // Finishes the call once. Not under mu_: OnDone may delete this at once.
  void End(const grpc::Status& s) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(s);
  }
  ChangeFeed* feed_;
  std::unique_ptr<StreamCall> call_;
  const v1::WatchRequest request_;
  Watch watch_;
  grpc::ByteBuffer buffer_;
  bool told_caught_up_ = false;  // the last batch written said caught_up
  std::mutex mu_;
  bool cancelled_ = false;
  bool finished_ = false;
  uint64_t ticket_ = 0;
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* IntegrationServiceImpl::WatchChanges(Ctx* ctx, const Bytes* req) {
  using Refuse = RefuseCall<grpc::ServerWriteReactor<grpc::ByteBuffer>>;
  Caller caller;
  auto call = StreamCall::Open(env_, ctx, kWatch, &CheckIntegrationCaller, /*bounded=*/false, Pool::kReads, &caller);
  if (!call.ok()) return new Refuse(ToGrpc(call.status()));
  v1::WatchRequest request;
  if (Status st = ParseRequest(ctx, caller, kWatch, *req, &request); !st.ok()) return new Refuse(ToGrpc(st));
  auto* reactor = new WatchReactor(feed_, std::move(*call), std::move(request));
  reactor->Begin();
  return reactor;
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::AckCursor(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::AckCursorRequest, v1::ConsumerCursor>(
      ctx, req, resp, "IntegrationService/AckCursor", Pool::kWrites,
      [this](const Caller& caller, const v1::AckCursorRequest& r) { return feed_->Ack(r, caller); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListConsumers(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::ListConsumersRequest, v1::ConsumerList>(
      ctx, req, resp, "IntegrationService/ListConsumers", Pool::kReads,
      [this](const Caller&, const v1::ListConsumersRequest&) { return feed_->ListConsumers(); });
}

}  // namespace inspectsync::server
