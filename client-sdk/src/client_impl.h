// Private state of inspectsync::Client. Lock order (never the other way):
//   sync_mu  ->  mu            (a sync holds sync_mu, takes mu per transaction)
//   bg_control_mu  ->  bg_mu  (Start/Stop; the sync thread takes bg_mu only)
//   bg_mu and listeners_mu are leaves: nothing else is taken while they are held.
// Network calls and listener calls happen with only sync_mu held (or none).
#ifndef INSPECTSYNC_CLIENT_SDK_SRC_CLIENT_IMPL_H_
#define INSPECTSYNC_CLIENT_SDK_SRC_CLIENT_IMPL_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "client-sdk/src/attachment_files.h"
#include "core/clock.h"
#include "core/edit.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "inspectsync/client.h"
#include "storage/device_store.h"

namespace inspectsync {

class Client::Impl {
 public:
  ClientOptions options;
  std::unique_ptr<core::Clock> own_clock;  // set when options.now_ms is given
  core::Clock* clock = nullptr;
  std::unique_ptr<core::IdGenerator> ids;
  std::shared_ptr<Transport> transport;    // null: offline only
  std::string client_id;                   // immutable after Open
  std::unique_ptr<sdk_internal::BlobDir> blobs;  // the attachment directory; immutable after Open

  // Guards `store` and `hlc` (the HLC is persisted in the store's write
  // transactions, so it advances under the same lock).
  std::mutex mu;
  std::unique_ptr<storage::DeviceStore> store;
  std::unique_ptr<core::Hlc> hlc;

  // One Sync at a time, and one transport call (Transport's contract); timed
  // so Conflicts() can give up within its deadline while a sync runs.
  std::timed_mutex sync_mu;

  std::mutex listeners_mu;
  std::function<void(const v1::Conflict&)> on_conflict;
  std::function<void(const RejectedMutation&)> on_rejected;

  // Background sync. bg_control_mu serializes Start/Stop (held while joining,
  // never taken by the sync thread); bg_mu guards the fields below.
  std::mutex bg_control_mu;
  std::mutex bg_mu;
  std::condition_variable bg_cv;
  std::thread bg_thread;
  bool bg_stop = false;
  bool bg_dirty = false;  // a local write since the last attempt started
  std::chrono::steady_clock::time_point bg_last_write;
  BackgroundSyncOptions bg_options;
  std::mt19937_64 jitter_rng;

  // ---- writes and reads (client.cc) ----
  StatusOr<std::string> Create(const std::string& collection, const v1::RecordBody& body);
  StatusOr<std::vector<std::string>> CreateAll(const std::string& collection, const std::vector<v1::RecordBody>& bodies);
  Status Update(const std::string& collection, const std::string& id, const v1::RecordBody& values,
                const std::vector<std::string>& fields);
  Status Delete(const std::string& collection, const std::string& id);
  StatusOr<LocalRecord> Get(const std::string& collection, const std::string& id);
  StatusOr<std::vector<LocalRecord>> List(const std::string& collection);

  // ---- atomic batches (edits.cc) and the workflow on top (workflow.cc) ----
  StatusOr<std::vector<std::string>> Apply(const std::vector<Edit>& edits);
  StatusOr<std::string> IssueNotice(const NoticeInput& notice);
  StatusOr<std::string> Verify(const VerificationInput& verification);
  StatusOr<v1::ProblemPage> Problems(const v1::ProblemQuery& query);
  StatusOr<v1::ProblemReport> CountProblems(const v1::ProblemQuery& query);

  // ---- photo evidence (attachments.cc) ----
  StatusOr<std::string> AttachFile(const std::string& finding_id, const std::string& path, const AttachOptions& o);
  StatusOr<std::string> AttachBytes(const std::string& finding_id, const std::string& bytes, const AttachOptions& o);
  StatusOr<std::string> Fetch(const std::string& sha256);
  // Uploads the queued photos with seq <= through, oldest first. Stops at
  // the first transient failure (the rest wait for the next sync); a
  // permanent refusal moves that photo to the dead letter and goes on.
  // REQUIRES: sync_mu held.
  Status UploadQueued(uint64_t through, SyncReport* report);
  // Trims the download cache to options.attachment_cache_bytes, never
  // `keep`. REQUIRES: mu held.
  Status EvictLocked(const std::string& keep);

  // ---- conflicts on the server (conflicts.cc) ----
  StatusOr<std::vector<ConflictInfo>> Conflicts(const ConflictsOptions& asked);

  // ---- sync (sync.cc) ----
  StatusOr<SyncReport> Sync();
  Status StartBackground(BackgroundSyncOptions opts);
  void StopBackground();
  // Wakes the background thread after a local write (debounced there).
  void NoteLocalWrite();

 private:
  struct Events {
    std::vector<v1::Conflict> conflicts;
    std::vector<RejectedMutation> rejected;
  };
  Status SyncLocked(SyncReport* report, Events* events);
  Status PushAll(SyncReport* report, Events* events);
  // One pass of pipelined pushes over the outbox (up to `through`). Sets
  // *again when the server answered only a prefix of a batch or refused one
  // with ABORTED (kept in *refused): the rest is pushed in a next pass.
  Status PushRound(uint64_t through, SyncReport* report, Events* events, bool* again, Status* refused);
  // Reads the next outbox batch after *after (up to `through`) into `request`
  // (left empty when none) and moves *after past it. Takes mu.
  Status NextPushBatch(uint64_t* after, uint64_t through, v1::PushRequest* request);
  // Stores one batch's results and counts them into the report; moves the
  // results out of *response. Sets *cut when they answer only a prefix of
  // the batch (the server's response filled up). Takes mu.
  Status StorePushResults(const v1::PushRequest& request, v1::PushResponse* response, SyncReport* report,
                          Events* events, bool* cut);
  Status PullAll(SyncReport* report);
  void Deliver(const Events& events);
  void BackgroundLoop();
  // Checks `edits` in order, each against the view the earlier ones leave
  // (the device's records, pending edits included), exactly as the server
  // will check them, then stores their mutations in ONE transaction; all or
  // none. An error names the edit as "<label> i: " unless label is null.
  // Returns the record ids, in order; *stored (optional) gets the number of
  // mutations stored (an update to equal values stores none). REQUIRES: mu held.
  // With `upload`, the same transaction queues that photo (AttachPhoto).
  StatusOr<std::vector<std::string>> ApplyLocked(const std::vector<Edit>& edits, const char* label,
                                                 size_t* stored = nullptr,
                                                 const storage::AttachmentUpload* upload = nullptr);
  // A photo written to a synced temporary file, not yet attached.
  struct StagedBlob {
    std::string tmp;  // removed by AttachStaged, whatever happens
    std::string sha256;
    uint64_t size = 0;
    std::string media_type;
  };
  StatusOr<std::string> AttachStaged(const std::string& finding_id, const StagedBlob& staged, const AttachOptions& o);
  // Checks the finding exists before any bytes are copied. Takes mu.
  Status CheckAttachable(const std::string& finding_id);
  Status DownloadLocked(const std::string& sha256);
  struct Batch;  // the state of one ApplyLocked (edits.cc)
  Status PlanCreate(Batch& batch, const Edit& e, std::string* id);
  Status PlanUpdate(Batch& batch, const Edit& e);
  Status PlanDelete(Batch& batch, const Edit& e);
  Status RunEdit(Batch& batch, const core::CollectionSpec& spec, const v1::Mutation& m,
                 const core::EditTarget& target);
  // Stamps and validates `m` as the `index`-th of a batch about to be stored
  // (mutation ids follow the store's next one). REQUIRES: mu held.
  Status Stamp(v1::Mutation* m, uint64_t index);
  // The CREATE mutation of `body`, its lifecycle status defaulted. No id yet.
  StatusOr<v1::Mutation> CreateMutation(const std::string& collection, const v1::RecordBody& body);
};

}  // namespace inspectsync

#endif  // INSPECTSYNC_CLIENT_SDK_SRC_CLIENT_IMPL_H_
