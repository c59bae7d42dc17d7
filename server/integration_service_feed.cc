// IntegrationService: the change feed (the work is in change_feed.h).
//
// A watch is a ServerWriteReactor that never holds a thread while idle: it
// reads a batch, writes it, and when caught up hands a wake-up to the feed's
// dispatcher (a commit, a heartbeat, or the server's shutdown) and returns.
// Exactly one of {a write in flight, a pending wait, a read} is active at a
// time, so the reactor's own state needs its lock only against OnCancel.
#include <optional>

#include "server/change_feed.h"
#include "server/integration_service.h"
#include "server/sync_service.h"

namespace inspectsync::server {

namespace {

class RefuseWatch : public grpc::ServerWriteReactor<v1::ChangeBatch> {
 public:
  explicit RefuseWatch(const grpc::Status& s) { Finish(s); }
  void OnDone() override { delete this; }
};

class WatchReactor : public grpc::ServerWriteReactor<v1::ChangeBatch> {
 public:
  WatchReactor(ChangeFeed* feed, Watch watch) : feed_(feed), watch_(std::move(watch)) {}

  void Begin() { Step(false); }

  void OnWriteDone(bool ok) override {
    if (!ok) return End(grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away"));
    if (watch_.done()) return End(grpc::Status::OK);
    Step(false);
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

  void OnDone() override { delete this; }

 private:
  // Reads the next batch and writes it, or waits when there is nothing new.
  // `heartbeat`: write even an empty batch.
  void Step(bool heartbeat) {
    if (Cancelled()) return End(grpc::Status::CANCELLED);
    if (feed_->stopped()) return End(ShuttingDown());
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
    batch_ = std::move(*batch);
    StartWrite(&batch_);
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
    Step(why == ChangeFeed::Wake::kHeartbeat);
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
  Watch watch_;
  v1::ChangeBatch batch_;
  bool told_caught_up_ = false;  // the last batch written said caught_up
  std::mutex mu_;
  bool cancelled_ = false;
  bool finished_ = false;
  uint64_t ticket_ = 0;
};

}  // namespace

grpc::ServerWriteReactor<v1::ChangeBatch>* IntegrationServiceImpl::WatchChanges(grpc::CallbackServerContext* ctx,
                                                                               const v1::WatchRequest* req) {
  auto caller = Admit(ctx);
  if (!caller.ok()) return new RefuseWatch(ToGrpc(caller.status()));
  auto watch = feed_->Start(*req);
  if (!watch.ok()) return new RefuseWatch(ToGrpc(watch.status()));
  auto* reactor = new WatchReactor(feed_, std::move(*watch));
  reactor->Begin();
  return reactor;
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::AckCursor(grpc::CallbackServerContext* ctx,
                                                            const v1::AckCursorRequest* req, v1::ConsumerCursor* resp) {
  return Unary(ctx, [&](const Caller& caller) -> Status {
    auto out = feed_->Ack(*req, caller);
    if (!out.ok()) return out.status();
    *resp = std::move(*out);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListConsumers(grpc::CallbackServerContext* ctx,
                                                                const v1::ListConsumersRequest*,
                                                                v1::ConsumerList* resp) {
  return Unary(ctx, [&](const Caller&) -> Status {
    auto out = feed_->ListConsumers();
    if (!out.ok()) return out.status();
    *resp = std::move(*out);
    return Status::Ok();
  });
}

}  // namespace inspectsync::server
