// Client::Sync (push the outbox, then pull) and the background sync thread.
//
// Crash safety comes from the store: each push batch's results and each pull
// page are stored in one transaction, and an outbox row is removed only in
// the transaction that stores its result. So a sync interrupted anywhere
// (network error, kill -9) is finished by simply running Sync() again: the
// unanswered mutations go out again with the same ids, and the server answers
// them from its idempotency ledger.
//
// What the server sent (push results, pull pages) is stored without waiting
// for the disk and made durable with ONE fdatasync at the end of the sync
// (DeviceStore::MakeDurable; storage/device_store.h says why a power cut in
// between loses nothing): before Sync() returns and before any listener
// runs, and before a push request whose ack would cover them (the server
// forgets acknowledged results).
#include <future>
#include <set>
#include <utility>

#include "client-sdk/src/client_impl.h"
#include "client-sdk/src/raw_pull.h"
#include "core/backoff.h"

namespace inspectsync {

namespace {
constexpr uint32_t kProtocolVersion = 1;
}  // namespace

StatusOr<SyncReport> Client::Impl::Sync() {
  if (!transport)
    return FailedPrecondition("no sync server configured: set ClientOptions.server_address or .transport");
  SyncReport report;
  Events events;
  Status st;
  {
    std::lock_guard<std::timed_mutex> lock(sync_mu);
    st = SyncLocked(&report, &events);
    // After an error too: whatever was stored is reported, so it must be on the disk.
    Status durable;
    {
      std::lock_guard<std::mutex> store_lock(mu);
      durable = store->MakeDurable();
    }
    if (!durable.ok()) return durable;  // listeners hear of nothing that might not last
  }
  // Whatever was stored before an error is reported; listeners run with no lock held.
  Deliver(events);
  if (!st.ok()) return st;
  return report;
}

Status Client::Impl::SyncLocked(SyncReport* report, Events* events) {
  // Photos queued before the push began: their evidence edits are older
  // than any mutation PushAll reads, so once it returns OK the server has
  // them (a photo attached during this sync waits for the next one, or its
  // upload could reach the server before the finding it belongs to).
  uint64_t uploads_through;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto last = store->attachments().LastUploadSeq();
    if (!last.ok()) return last.status();
    uploads_through = *last;
  }
  INSPECTSYNC_RETURN_IF_ERROR(PushAll(report, events));
  INSPECTSYNC_RETURN_IF_ERROR(PullAll(report));
  // After the pull: a slow upload never holds back the records.
  if (uploads_through > 0) INSPECTSYNC_RETURN_IF_ERROR(UploadQueued(uploads_through, report));
  std::lock_guard<std::mutex> lock(mu);
  auto pending = store->OutboxCount();
  if (!pending.ok()) return pending.status();
  report->pending = *pending;
  auto queued = store->attachments().ListUploads(/*rejected=*/false);
  if (!queued.ok()) return queued.status();
  report->attachments_pending = queued->size();
  report->cursor = store->cursor();
  return Status::Ok();
}

Status Client::Impl::PushAll(SyncReport* report, Events* events) {
  // Push what was written before this sync began; later writes go out on the
  // next one (background sync schedules it), so a busy app cannot keep a
  // sync from ever reaching its pull.
  uint64_t through;
  {
    std::lock_guard<std::mutex> lock(mu);
    through = store->next_mutation_id() - 1;
  }
  // A server stops applying a batch once its response is full and answers a
  // prefix (server/byte_budgets.h); the batch pipelined behind it is refused
  // with ABORTED, since applying it would skip the rest. The rest is still in
  // the outbox: push again from there. A pass that stores no result is a
  // stall; a few in a row end the sync (ABORTED is transient, so background
  // sync retries later) rather than looping on a server that refuses forever.
  constexpr int kMaxStalls = 3;
  Status refused;
  for (int stalls = 0;;) {
    const uint64_t pushed = report->pushed;
    bool again = false;
    INSPECTSYNC_RETURN_IF_ERROR(PushRound(through, report, events, &again, &refused));
    if (!again) return Status::Ok();
    stalls = report->pushed > pushed ? 0 : stalls + 1;
    if (stalls >= kMaxStalls)
      return refused.ok() ? Status(StatusCode::kAborted, "the server answered part of a push " +
                                                             std::to_string(kMaxStalls) +
                                                             " times without progress; the rest stays in the outbox")
                          : refused;
  }
}

Status Client::Impl::PushRound(uint64_t through, SyncReport* report, Events* events, bool* again, Status* refused) {
  // Batches are pipelined: batch i+1 is on the wire while the results of
  // batch i are stored, so the server and the device work at the same time
  // instead of taking turns. Nothing of the outbox guarantees changes: a row
  // leaves the outbox only with its stored result, and ack_through is read
  // from the outbox, so it never covers a result not stored yet (it lags one
  // batch behind instead). A failure anywhere leaves the rest to be re-sent
  // with the same ids and answered from the server's ledger.
  auto aborted = [&](const Status& st) {
    if (st.code() != StatusCode::kAborted) return false;
    *refused = st;
    *again = true;
    return true;
  };
  uint64_t after = 0;
  v1::PushRequest request;
  INSPECTSYNC_RETURN_IF_ERROR(NextPushBatch(&after, through, &request));
  if (request.mutations_size() == 0) return Status::Ok();
  v1::PushResponse response;
  Status first = transport->Push(request, &response);  // no lock held
  if (aborted(first)) return Status::Ok();
  INSPECTSYNC_RETURN_IF_ERROR(first);
  for (;;) {
    v1::PushRequest next_request;
    INSPECTSYNC_RETURN_IF_ERROR(NextPushBatch(&after, through, &next_request));
    const bool more = next_request.mutations_size() > 0;
    v1::PushResponse next_response;
    std::future<Status> in_flight;
    // One call at a time still: this thread does not use the transport until it has joined.
    if (more)
      in_flight = std::async(std::launch::async, [&] { return transport->Push(next_request, &next_response); });
    bool cut = false;
    Status stored = StorePushResults(request, &response, report, events, &cut);
    Status sent = more ? in_flight.get() : Status::Ok();
    INSPECTSYNC_RETURN_IF_ERROR(stored);
    if (aborted(sent)) return Status::Ok();
    INSPECTSYNC_RETURN_IF_ERROR(sent);
    if (cut) {
      // The batch in flight was applied after all (the server had processed
      // the unanswered ones before): keep its results, then resend the rest.
      if (more) INSPECTSYNC_RETURN_IF_ERROR(StorePushResults(next_request, &next_response, report, events, &cut));
      *again = true;
      return Status::Ok();
    }
    if (!more) return Status::Ok();
    request = std::move(next_request);
    response = std::move(next_response);
  }
}

Status Client::Impl::NextPushBatch(uint64_t* after, uint64_t through, v1::PushRequest* request) {
  std::lock_guard<std::mutex> lock(mu);
  auto batch = store->OutboxBatch(*after, through, options.push_batch_size, options.push_batch_bytes);
  if (!batch.ok()) return batch.status();
  if (batch->empty()) return Status::Ok();
  // Results stored by this sync are acknowledged only once durable (the
  // server forgets what is acked): from the third batch on, one fdatasync
  // here, while the batch before is still on the wire. A sync of one or two
  // batches pays none here.
  INSPECTSYNC_RETURN_IF_ERROR(store->MakeDurable());
  auto ack = store->AckThrough();
  if (!ack.ok()) return ack.status();
  request->set_protocol_version(kProtocolVersion);
  request->set_ack_through(*ack);
  for (v1::Mutation& m : *batch) *request->add_mutations() = std::move(m);
  *after = request->mutations(request->mutations_size() - 1).mutation_id();
  return Status::Ok();
}

// Consumes `response`: its results are moved out, not copied (each carries a
// whole record, and its conflicts with their values).
Status Client::Impl::StorePushResults(const v1::PushRequest& request, v1::PushResponse* response,
                                      SyncReport* report, Events* events, bool* cut) {
  std::set<uint64_t> sent;
  for (const v1::Mutation& m : request.mutations()) sent.insert(m.mutation_id());
  std::vector<v1::MutationResult> results;
  results.reserve(static_cast<size_t>(response->results_size()));
  std::set<uint64_t> answered;
  for (v1::MutationResult& r : *response->mutable_results()) {
    if (!sent.count(r.mutation_id())) continue;  // not ours to store
    answered.insert(r.mutation_id());
    results.push_back(std::move(r));
  }
  storage::PushApplied applied;
  {
    std::lock_guard<std::mutex> lock(mu);
    hlc->Observe(response->server_hlc());
    auto stored = store->ApplyPushResults(results, hlc->last(), clock->NowMillis());
    if (!stored.ok()) return stored.status();
    applied = std::move(*stored);
  }
  ++report->push_batches;
  for (size_t i : applied.processed) {
    v1::MutationResult& r = results[i];
    ++report->pushed;
    switch (r.outcome()) {
      case v1::APPLIED: ++report->applied; break;
      case v1::MERGED: ++report->merged; break;
      case v1::CONFLICT:
        ++report->conflicts;
        for (v1::Conflict& c : *r.mutable_conflicts()) events->conflicts.push_back(std::move(c));
        break;
      case v1::REJECTED: ++report->rejected; break;
      default: break;
    }
  }
  for (storage::DeadLetter& d : applied.rejected)
    events->rejected.push_back(RejectedMutation{std::move(d.mutation), d.code, std::move(d.reason), d.rejected_at_ms});
  // Results for a prefix of the batch: the server's response filled up and
  // it stopped there; the rest stays in the outbox and goes out again.
  size_t prefix = 0;
  while (prefix < static_cast<size_t>(request.mutations_size()) &&
         answered.count(request.mutations(static_cast<int>(prefix)).mutation_id()))
    ++prefix;
  if (prefix > 0 && prefix == answered.size() && prefix < sent.size()) *cut = true;
  for (uint64_t id : sent) {
    if (!answered.count(id) && !*cut)
      return Internal("the server returned no result for mutation " + std::to_string(id) +
                      "; it stays in the outbox and goes out again on the next sync");
  }
  return Status::Ok();
}

Status Client::Impl::PullAll(SyncReport* report) {
  uint64_t cursor;
  for (;;) {
    v1::PullRequest request;
    {
      std::lock_guard<std::mutex> lock(mu);
      cursor = store->cursor();
      // What the device holds records of: the server backfills what the
      // device's scope has gained since.
      if (const v1::ScopeSet* scope = store->synced_scope()) *request.mutable_synced_scope() = *scope;
    }
    request.set_protocol_version(kProtocolVersion);
    request.set_client_id(client_id);
    request.set_cursor(cursor);
    request.set_page_size(options.pull_page_size);
    const uint64_t start = cursor;
    bool more = false;
    // Each page is stored as it arrives: a stream cut halfway keeps its
    // earlier pages, and the next pull resumes after them.
    Status pulled = sdk_internal::PullPages(transport.get(), request, [&](const v1::PullPageIn& page) -> Status {
      std::lock_guard<std::mutex> lock(mu);
      hlc->Observe(page.server_hlc());
      INSPECTSYNC_RETURN_IF_ERROR(store->ApplyPullPage(page, hlc->last()));
      report->pulled += static_cast<uint64_t>(page.records_size());
      ++report->pull_pages;
      more = page.has_more();
      cursor = store->cursor();
      return Status::Ok();
    });
    if (!pulled.ok()) return pulled;
    if (!more) return Status::Ok();
    // The stream ended while more was announced: ask again from where we are.
    if (cursor == start)
      return Internal("the server announced more changes after cursor " + std::to_string(cursor) +
                      " but sent none; stopping the pull");
  }
}

// Pull's pages with their records encoded: the fast path where the transport
// has it, else Pull's parsed pages encoded again.
Status sdk_internal::PullPages(Transport* transport, const v1::PullRequest& request,
                               const RawPageHandler& on_page) {
  if (auto* raw_transport = dynamic_cast<RawPullTransport*>(transport))
    return raw_transport->PullRaw(request, on_page);
  v1::PullPageIn raw;
  return transport->Pull(request, [&](const v1::PullResponse& page) -> Status {
    // The two encode alike: every field, present and future, carries over.
    if (!raw.ParseFromString(page.SerializeAsString()))
      return Status(StatusCode::kInternal, "a pull page does not re-encode");
    return on_page(raw);
  });
}

void Client::Impl::Deliver(const Events& events) {
  if (events.conflicts.empty() && events.rejected.empty()) return;
  std::function<void(const v1::Conflict&)> conflict_listener;
  std::function<void(const RejectedMutation&)> rejected_listener;
  {
    std::lock_guard<std::mutex> lock(listeners_mu);
    conflict_listener = on_conflict;
    rejected_listener = on_rejected;
  }
  if (conflict_listener)
    for (const v1::Conflict& c : events.conflicts) conflict_listener(c);
  if (rejected_listener)
    for (const RejectedMutation& r : events.rejected) rejected_listener(r);
}

// ---------------------------------------------------------------- background

Status Client::Impl::StartBackground(BackgroundSyncOptions opts) {
  if (!transport)
    return FailedPrecondition("no sync server configured: set ClientOptions.server_address or .transport");
  std::lock_guard<std::mutex> control(bg_control_mu);
  std::thread old;
  {
    std::lock_guard<std::mutex> lock(bg_mu);
    if (bg_thread.joinable() && !bg_stop) return FailedPrecondition("background sync is already running");
    if (bg_thread.get_id() == std::this_thread::get_id())
      return FailedPrecondition("StartBackgroundSync cannot be called from on_attempt");
    old = std::move(bg_thread);
  }
  if (old.joinable()) old.join();  // a loop that was stopped from its own callback
  std::lock_guard<std::mutex> lock(bg_mu);
  bg_options = std::move(opts);
  bg_stop = false;
  bg_dirty = false;
  bg_thread = std::thread([this] { BackgroundLoop(); });
  return Status::Ok();
}

void Client::Impl::StopBackground() {
  {
    std::lock_guard<std::mutex> lock(bg_mu);
    bg_stop = true;
    bg_cv.notify_all();
    // From on_attempt: the loop ends when the callback returns; the thread
    // is joined by the next Start/Stop or the destructor.
    if (bg_thread.get_id() == std::this_thread::get_id()) return;
  }
  std::lock_guard<std::mutex> control(bg_control_mu);
  std::thread t;
  {
    std::lock_guard<std::mutex> lock(bg_mu);
    t = std::move(bg_thread);
  }
  if (t.joinable()) t.join();
}

void Client::Impl::NoteLocalWrite() {
  std::lock_guard<std::mutex> lock(bg_mu);
  if (!bg_thread.joinable() || bg_stop) return;
  bg_dirty = true;
  bg_last_write = std::chrono::steady_clock::now();
  bg_cv.notify_all();
}

void Client::Impl::BackgroundLoop() {
  using SteadyClock = std::chrono::steady_clock;
  std::unique_lock<std::mutex> lock(bg_mu);
  const BackgroundSyncOptions opts = bg_options;
  SteadyClock::time_point next_due = SteadyClock::now();  // first attempt at once
  bool backing_off = false;
  int failures = 0;
  while (!bg_stop) {
    SteadyClock::time_point due = next_due;
    // A local write brings the next attempt forward, but never into a backoff.
    if (bg_dirty && !backing_off) due = std::min(due, bg_last_write + opts.debounce);
    if (SteadyClock::now() < due) {
      bg_cv.wait_until(lock, due);  // woken by Stop or a write; re-evaluate
      continue;
    }
    bg_dirty = false;
    lock.unlock();

    StatusOr<SyncReport> result = Sync();
    BackgroundSyncEvent event;
    event.status = result.status();
    if (result.ok()) {
      event.report = *result;
      failures = 0;
      backing_off = false;
      event.next_delay = opts.interval;
    } else {
      ++failures;
      backing_off = true;
      // Only transient failures retry soon; others (auth, a server bug)
      // will not be fixed by hammering.
      event.next_delay = result.status().transient()
                             ? core::BackoffDelay(failures, opts.backoff_base, opts.backoff_max, jitter_rng)
                             : opts.backoff_max;
    }
    event.consecutive_failures = failures;
    next_due = SteadyClock::now() + event.next_delay;
    if (opts.on_attempt) opts.on_attempt(event);
    lock.lock();
  }
}

}  // namespace inspectsync
