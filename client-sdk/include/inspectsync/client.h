// Client: the tablet side of InspectSync. An app opens one Client per device
// database and edits findings and inspections through it, online or not.
//
//   inspectsync::ClientOptions options;
//   options.db_path = "/data/inspect.db";
//   options.server_address = "sync.district:7443";
//   auto client = inspectsync::Client::Open(options);
//   auto id = (*client)->CreateFinding(finding);   // works offline
//   (*client)->StartBackgroundSync();              // or call Sync() yourself
//
// Every local write is one SQLite transaction that stores the edit in the
// outbox and updates what the app reads. Reads return the latest server state
// with the device's pending edits re-applied, so an edit is visible at once
// and stays visible until the server answers. Sync() pushes the outbox
// (idempotently: an interrupted sync re-sends the same mutation ids) and
// pulls the server's changes. A mutation the server rejects leaves the view
// but stays listed in Rejected() with the reason: nothing vanishes silently.
//
// Errors: a write the server would refuse is refused locally with the same
// words and changes nothing: INVALID_ARGUMENT for a malformed edit (bad id,
// unknown field, too long, not deletable), FAILED_PRECONDITION for a move the
// record's current state forbids (e.g. OPEN -> CLOSED) or the workflow
// rules of core/workflow.h refuse (NOTIFIED without a notice listing the
// finding, CLOSED without a passed verification of it, an inspection on an
// unpublished template), judged against the records this device holds,
// pending edits included; NOT_FOUND for a record this device does not have.
//
// Thread-safety: a Client is safe to use from several threads. Writes and
// reads are serialized on the device database; Sync() never holds that lock
// during network calls, so the app keeps writing while a sync runs. One Sync
// runs at a time; a concurrent caller waits for it.
#ifndef INSPECTSYNC_CLIENT_H_
#define INSPECTSYNC_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "inspectsync/status.h"
#include "inspectsync/transport.h"
#include "inspectsync/v1/office.pb.h"
#include "inspectsync/v1/records.pb.h"
#include "inspectsync/v1/sync.pb.h"

namespace inspectsync {

// A record as the app sees it on this device.
template <typename T>
struct Local {
  std::string id;
  uint64_t version = 0;  // server version it builds on; 0 = the server has not sent it yet
  bool pending = false;  // has local edits the server has not acknowledged yet
  T value;
};
using LocalFinding = Local<v1::Finding>;
using LocalInspection = Local<v1::Inspection>;

// Any collection, by name ("findings", "inspections", ...).
struct LocalRecord {
  std::string collection;
  std::string id;
  uint64_t version = 0;
  bool pending = false;
  v1::RecordBody body;
};

// An edit the server refused. It no longer shows in reads; it stays here
// until the app dismisses it, so a person can see what was lost and why.
struct RejectedMutation {
  v1::Mutation mutation;  // as sent: collection, record_id, op, mask, body
  v1::RejectCode code = v1::REJECT_CODE_UNSPECIFIED;
  std::string reason;     // for people
  int64_t rejected_at_ms = 0;  // device clock
};

// What one Sync() did.
struct SyncReport {
  uint64_t pushed = 0;     // mutations whose result was stored
  uint64_t applied = 0;    // ... of which APPLIED
  uint64_t merged = 0;     // ... MERGED
  uint64_t conflicts = 0;  // ... CONFLICT (applied, some field settled by policy)
  uint64_t rejected = 0;   // ... REJECTED (see Rejected())
  uint64_t push_batches = 0;
  uint64_t pulled = 0;     // records received from the server
  uint64_t pull_pages = 0;
  uint64_t cursor = 0;     // pull cursor after the sync
  uint64_t pending = 0;    // mutations still in the outbox (e.g. written during the sync)
  uint64_t attachments_uploaded = 0;       // photos the server confirmed holding
  uint64_t attachment_bytes_uploaded = 0;  // bytes sent for them (a resumed upload sends the rest only)
  uint64_t attachments_rejected = 0;       // photos refused for good (see RejectedAttachments())
  uint64_t attachments_pending = 0;        // photos still queued after the sync
};

// How to attach a photo (Client::AttachPhoto).
struct AttachOptions {
  // "" = detected from the bytes. Given, it must agree with them.
  std::string media_type;
  bool has_position = false;  // where it was taken, if the device knows
  double latitude = 0;
  double longitude = 0;
};

// A photo attached on this device that the server has not confirmed yet
// (queued), or has refused for good (the dead letter: code and reason set).
struct AttachmentUploadInfo {
  std::string sha256;      // lowercase hex: the photo's name everywhere
  std::string finding_id;  // the finding it was first attached to
  uint64_t size = 0;
  std::string media_type;
  int64_t queued_at_ms = 0;  // device clock
  StatusCode code = StatusCode::kOk;  // refused: the server's code...
  std::string reason;                 // ... and words
  int64_t rejected_at_ms = 0;
};

// One edit of an atomic batch (Client::Apply).
struct Edit {
  enum class Op { kCreate, kUpdate, kDelete };
  Op op = Op::kCreate;
  std::string collection;
  std::string id;                   // kCreate: "" makes a new id
  v1::RecordBody body;              // kCreate: the record; kUpdate: new values of `fields`
  std::vector<std::string> fields;  // kUpdate: the top-level fields it sets
};

// A rectification notice to one site (Client::IssueNotice).
struct NoticeInput {
  std::string site_id;
  std::vector<std::string> finding_ids;  // OPEN findings of that site
  int64_t deadline_ms = 0;               // the rectification deadline
  std::string reference_no;              // the office's register number
  std::string text;
};

// The check of a rectified finding (Client::Verify).
struct VerificationInput {
  std::string finding_id;                // a RECTIFIED finding
  v1::VerificationMethod method = v1::VERIFICATION_METHOD_UNSPECIFIED;
  v1::VerificationResult result = v1::VERIFICATION_RESULT_UNSPECIFIED;
  std::string verifier;                  // user id
  std::string note;
  int64_t new_deadline_ms = 0;           // FAILED: the new deadline
  std::vector<std::string> evidence;
};

// One side of a conflict (ConflictInfo): the value and who wrote it.
struct ConflictSide {
  std::string value;      // the field's value as text for people ("HIGH", "[a, b]", the text itself)
  std::string user_id;    // the author (from their token)
  std::string user_name;  // as in the office's users directory; "" when it does not know them
  std::string device_id;
  int64_t written_ms = 0;  // when, by the writer's clock (its HLC's wall part): tablets' clocks may be wrong
};

// A conflict on a record of this tablet's scope (Client::Conflicts): two
// edits changed one field differently; the merge kept one value and the
// other is kept here. Names come from the server's directories ("" when
// unknown), so an app never has to show an id.
struct ConflictInfo {
  std::string id;
  std::string collection;    // "findings", "inspections", ...
  std::string record_id;
  std::string record_title;  // a finding's title; "" for records without one
  std::string site_id;       // "" for records of a zone
  std::string site_code;
  std::string site_name;
  std::string zone_id;
  std::string zone_name;
  std::string field;                                       // "description", "severity", ...
  v1::MergePolicy policy = v1::MERGE_POLICY_UNSPECIFIED;   // the rule that picked the winner
  std::string why;          // that rule in words: "the later edit stands; a person should review it"
  ConflictSide kept;        // the winning value, now in the record
  ConflictSide lost;        // the losing value, kept only here
  int64_t opened_ms = 0;    // when the server recorded it (server clock)
  // CONFLICT_OPEN: waits for a person; CONFLICT_AUTO_RESOLVED: settled by the
  // policy; CONFLICT_RESOLVED: a person settled it (below).
  v1::ConflictState state = v1::CONFLICT_STATE_UNSPECIFIED;
  std::string resolved_by;       // user id
  std::string resolved_by_name;
  int64_t resolved_ms = 0;
  std::string resolution_note;
};

// Which conflicts Client::Conflicts returns.
struct ConflictsOptions {
  // false: the conflicts no person has settled yet (open ones and those
  // settled by policy: both lost someone's value); true: resolved ones too.
  bool include_resolved = false;
  size_t max_conflicts = 1000;  // at most this many, oldest first
};

struct BackgroundSyncEvent {
  Status status;                      // of this attempt
  SyncReport report;                  // valid when status.ok()
  int consecutive_failures = 0;       // 0 after a success
  std::chrono::milliseconds next_delay{0};  // until the next scheduled attempt
};

struct BackgroundSyncOptions {
  std::chrono::milliseconds interval{30'000};  // sync at least this often
  // After a local write, sync once no further write came for this long.
  std::chrono::milliseconds debounce{1'000};
  // Transient failures (Status::transient()) retry after an exponentially
  // growing delay, base * 2^(failures-1) capped at backoff_max, with random
  // jitter in its upper half. Other failures wait backoff_max: retrying
  // soon will not fix them.
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_max{60'000};
  // Called on the sync thread after every attempt (optional).
  std::function<void(const BackgroundSyncEvent&)> on_attempt;
};

struct ClientOptions {
  std::string db_path;         // REQUIRED: the device database file
  std::string server_address;  // "host:port" of the SyncService
  // TLS trust, bearer token, deadlines for server_address. A malformed token
  // (INVALID_ARGUMENT, see CheckBearerToken) or an unreadable CA file
  // (FAILED_PRECONDITION) does not fail Open: the device keeps working
  // offline, and every Sync() (and FetchAttachment) returns that error,
  // sending nothing and leaving pending edits as they are, until the app
  // opens the Client again with a fixed one. Neither code is transient, so
  // background sync waits backoff_max between attempts. Check a token before
  // Open with CheckBearerToken / ReadTokenFile to tell the user at once.
  GrpcTransportOptions grpc;
  // Overrides server_address (tests, simulation, custom networks). With
  // neither, the client works offline only and Sync() fails.
  std::shared_ptr<Transport> transport;
  // Wall clock, unix milliseconds; empty = the system clock. Feeds the HLC,
  // record ids and dead-letter times; tablets' clocks may be wrong.
  std::function<int64_t()> now_ms;
  size_t push_batch_size = 1000;        // mutations per Push (the server's default max_batch)
  size_t push_batch_bytes = 1 << 20;    // and about this many bytes (gRPC's default limit is 4 MiB)
  uint32_t pull_page_size = 500;        // records per pull page
  uint64_t rng_seed = 0;                // record ids and jitter; 0 = random
  // Photo evidence. Attached photos and downloaded ones live, named by
  // their SHA-256, in this directory; "" = db_path + ".attachments".
  std::string attachment_dir;
  uint64_t max_attachment_bytes = 25ull << 20;     // larger photos are refused (the server's default limit)
  // Downloaded photos (and uploaded ones) beyond this many bytes are evicted,
  // least recently used first. Photos still queued for upload are never
  // evicted and do not count.
  uint64_t attachment_cache_bytes = 256ull << 20;
};

class Client {
 public:
  // Opens (or creates) the device database. The first open of a file makes
  // the device's client_id; later opens resume its outbox, cursor and clock.
  // Fails for the database only: a sync configuration the transport cannot
  // use (ClientOptions::grpc) is reported by Sync().
  static StatusOr<std::unique_ptr<Client>> Open(ClientOptions options);
  // Stops background sync and waits for an attempt in flight to finish.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& client_id() const;

  // ---- Findings ----
  // Returns the new id. A finding created without a status is OPEN; only
  // DRAFT and OPEN are allowed.
  StatusOr<std::string> CreateFinding(const v1::Finding& finding);
  // Creates all of `findings` in ONE local transaction, all or none (an
  // import, a restore from backup): each is checked as by CreateFinding, and
  // if any is refused nothing is stored. Returns the new ids, in order. Far
  // faster than one CreateFinding per finding, which commits (and fsyncs)
  // each one.
  StatusOr<std::vector<std::string>> CreateFindings(const std::vector<v1::Finding>& findings);
  // Sets the named top-level `fields` of the finding to their values in
  // `values` (other fields of `values` are ignored). Setting values equal to
  // the current ones records nothing.
  Status UpdateFinding(const std::string& id, const v1::Finding& values, const std::vector<std::string>& fields);
  // Withdraws a finding (only before a notice). REQUIRES: a reason.
  Status VoidFinding(const std::string& id, const std::string& reason);
  StatusOr<LocalFinding> GetFinding(const std::string& id);
  StatusOr<std::vector<LocalFinding>> ListFindings();  // ordered by id (creation time)

  // ---- Inspections ----
  StatusOr<std::string> CreateInspection(const v1::Inspection& inspection);
  Status UpdateInspection(const std::string& id, const v1::Inspection& values, const std::vector<std::string>& fields);
  Status DeleteInspection(const std::string& id);
  StatusOr<LocalInspection> GetInspection(const std::string& id);
  StatusOr<std::vector<LocalInspection>> ListInspections();

  // ---- Any collection ----
  StatusOr<std::string> Create(const std::string& collection, const v1::RecordBody& body);
  // Like CreateFindings, for any collection.
  StatusOr<std::vector<std::string>> CreateAll(const std::string& collection, const std::vector<v1::RecordBody>& bodies);
  Status Update(const std::string& collection, const std::string& id, const v1::RecordBody& values,
                const std::vector<std::string>& fields);
  Status Delete(const std::string& collection, const std::string& id);
  // NOT_FOUND for records never seen and for deleted ones.
  StatusOr<LocalRecord> Get(const std::string& collection, const std::string& id);
  StatusOr<std::vector<LocalRecord>> List(const std::string& collection);

  // Applies all `edits` in ONE local transaction, in order, all or none:
  // each is checked as by Create/Update/Delete against the state the earlier
  // ones left (a notice created first, then findings moved to NOTIFIED
  // naming it). Returns the record ids, in order (new ids for creates).
  // A refusal names the edit ("edit 2: ...") when there are several, and
  // stores nothing. A create with a chosen id (e.g. core::TemplateRecordId)
  // that this device already holds is ALREADY_EXISTS. An update to the
  // values a record already has records nothing, as UpdateFinding.
  // The server still answers each mutation on its own: a batch is atomic on
  // the device, and in order on the wire.
  StatusOr<std::vector<std::string>> Apply(const std::vector<Edit>& edits);

  // ---- Workflow (core/workflow.h; the server enforces the same rules) ----
  // Creates the notice and moves each listed finding OPEN -> NOTIFIED with
  // the notice's deadline, atomically. Returns the notice id. NOT_FOUND for a
  // finding this device does not hold; FAILED_PRECONDITION for one that is
  // not OPEN or is at another site; INVALID_ARGUMENT for no site, no
  // findings, a finding listed twice or no deadline. Nothing is stored then.
  StatusOr<std::string> IssueNotice(const NoticeInput& notice);
  // Records the verification and moves the RECTIFIED finding to CLOSED
  // (PASSED) or REOPENED with the new deadline (FAILED), atomically; the
  // verification's site is the finding's, a non-empty note is also the
  // finding's verification_note. Returns the verification id. NOT_FOUND for
  // an unknown finding, FAILED_PRECONDITION if it is not RECTIFIED or the
  // new deadline is not later than its current one, INVALID_ARGUMENT for a
  // missing method, result, verifier or (FAILED) new deadline.
  StatusOr<std::string> Verify(const VerificationInput& verification);
  // The problem list over this device's records (core/problems.h): the
  // same filters, order and pages as the server's OfficeService, overdue
  // judged by the device clock. Zones and site names come from the sites
  // this device holds. One pass over the device's findings, memory of one
  // page. INVALID_ARGUMENT for a bad query (core::CheckProblemQuery).
  StatusOr<v1::ProblemPage> Problems(const v1::ProblemQuery& query);
  StatusOr<v1::ProblemReport> CountProblems(const v1::ProblemQuery& query);

  // ---- Photo evidence ----
  // Attaches a photo to a finding, offline: copies it into the attachment
  // directory (named by its SHA-256; the same bytes are stored once) and, in
  // ONE local transaction, queues its upload and adds the hash to the
  // finding's `evidence` (an ordinary edit, synced like UpdateFinding's).
  // Returns the hash. Sync() uploads it after pushing the finding.
  // JPEG, PNG, WebP, HEIC and PDF, recognised by their bytes; anything else
  // is INVALID_ARGUMENT, as is a finding whose evidence list is full.
  // NOT_FOUND for a finding this device does not hold (or an unreadable
  // file); RESOURCE_EXHAUSTED for a photo over max_attachment_bytes. A
  // refusal stores nothing. Memory stays bounded for a file: it is read in
  // chunks. (Bytes in memory: AttachPhotoBytes; a distinct name because two
  // std::string overloads would be ambiguous.)
  StatusOr<std::string> AttachPhoto(const std::string& finding_id, const std::filesystem::path& path,
                                    const AttachOptions& options = AttachOptions());
  StatusOr<std::string> AttachPhotoBytes(const std::string& finding_id, const std::string& bytes,
                                         const AttachOptions& options = AttachOptions());
  // The queue of photos not yet confirmed by the server, oldest first.
  StatusOr<std::vector<AttachmentUploadInfo>> PendingAttachments();
  // Photos the server refused for good (INVALID_ARGUMENT, PERMISSION_DENIED,
  // RESOURCE_EXHAUSTED, FAILED_PRECONDITION: its finding's create was
  // refused), with its reason; they stay until dismissed, and
  // their bytes stay on the device. Retry puts one back in the queue (e.g.
  // after the office raised a quota). NOT_FOUND if there is none.
  StatusOr<std::vector<AttachmentUploadInfo>> RejectedAttachments();
  Status DismissRejectedAttachment(const std::string& sha256);
  Status RetryRejectedAttachment(const std::string& sha256);
  // A local file holding the photo `sha256`: this device's own copy, or
  // downloaded from the server (resuming a cut download) into the cache,
  // its hash verified before it becomes visible. INVALID_ARGUMENT for a
  // malformed hash, DATA_LOSS for a download whose bytes do not match it
  // (nothing is kept), the server's NOT_FOUND / PERMISSION_DENIED, or
  // FAILED_PRECONDITION offline without a copy. Waits for a running Sync.
  // The path stays valid until a later download evicts the photo from the
  // cache: open it promptly (an open file survives eviction).
  StatusOr<std::string> FetchAttachment(const std::string& sha256);

  // ---- Conflicts ----
  // The conflicts of records in this tablet's scope (the sites its user is
  // assigned to, as its pulls), asked of the server: they live there, with
  // both values, not on the device. Oldest first. Needs the network: offline
  // (server unreachable) it is UNAVAILABLE saying so, and FAILED_PRECONDITION
  // without a server configured. It never blocks longer than the call
  // deadline (ClientOptions::grpc.call_deadline), waiting for a running
  // Sync() included; it does not touch the device database.
  StatusOr<std::vector<ConflictInfo>> Conflicts(const ConflictsOptions& options = ConflictsOptions());

  // ---- Sync ----
  // Pushes the outbox, then pulls until caught up, then uploads the photos
  // queued before the sync began (each resumed from what the server holds).
  // On error, everything stored before it stays stored and calling Sync()
  // again is safe.
  StatusOr<SyncReport> Sync();
  StatusOr<uint64_t> PendingCount();
  StatusOr<std::vector<RejectedMutation>> Rejected();
  Status DismissRejected(uint64_t mutation_id);
  uint64_t cursor();

  // Listeners are called after the results are stored, outside every lock of
  // the Client, on the thread running Sync(), once that sync has finished
  // (so they may call any method). They are notifications: Rejected() is the
  // durable record. Setting a listener replaces the previous one.
  void OnConflict(std::function<void(const v1::Conflict&)> listener);
  void OnRejected(std::function<void(const RejectedMutation&)> listener);

  // Runs Sync() on a thread of the Client: at once, then every interval and
  // shortly after local writes, backing off on failures. FAILED_PRECONDITION
  // if already running.
  Status StartBackgroundSync(BackgroundSyncOptions options = BackgroundSyncOptions());
  // Stops it and waits for an attempt in flight. Idempotent.
  void StopBackgroundSync();

 private:
  class Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace inspectsync

#endif  // INSPECTSYNC_CLIENT_H_
