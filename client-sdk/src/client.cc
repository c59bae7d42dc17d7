// Client: opening, local writes and reads. Sync lives in sync.cc.
#include <limits>
#include <utility>

#include "client-sdk/src/client_impl.h"
#include "client-sdk/src/record_util.h"
#include "core/lifecycle.h"
#include "core/merge.h"
#include "core/patch.h"
#include "core/schema.h"
#include "core/edit.h"
#include "core/validate.h"
#include "inspectsync/v1/options.pb.h"

namespace inspectsync {

using sdk_internal::CheckHolds;
using sdk_internal::CheckId;
using sdk_internal::Collection;
using sdk_internal::NoSuchRecord;

namespace {

namespace pb = google::protobuf;

class FunctionClock : public core::Clock {
 public:
  explicit FunctionClock(std::function<int64_t()> fn) : fn_(std::move(fn)) {}
  int64_t NowMillis() override { return fn_(); }

 private:
  std::function<int64_t()> fn_;
};

LocalRecord ToLocalRecord(storage::ViewRecord&& v) {
  LocalRecord r;
  r.collection = std::move(v.collection);
  r.id = std::move(v.id);
  r.version = v.version;
  r.pending = v.pending;
  r.body = std::move(v.body);
  return r;
}

// Typed access: the collection name comes from the message's (collection)
// option, so nothing here hard-codes a collection.
template <typename T>
const std::string& CollectionName() {
  return T::descriptor()->options().GetExtension(v1::collection);
}

template <typename T>
v1::RecordBody Wrap(const T& value) {
  v1::RecordBody body;
  core::FindCollection(CollectionName<T>())->Mutable(&body)->CopyFrom(value);
  return body;
}

template <typename T>
Local<T> Unwrap(LocalRecord&& r) {
  Local<T> out;
  out.id = std::move(r.id);
  out.version = r.version;
  out.pending = r.pending;
  out.value.CopyFrom(core::FindCollection(CollectionName<T>())->Get(r.body));
  return out;
}

template <typename T>
StatusOr<std::vector<Local<T>>> UnwrapAll(StatusOr<std::vector<LocalRecord>> records) {
  if (!records.ok()) return records.status();
  std::vector<Local<T>> out;
  out.reserve(records->size());
  for (LocalRecord& r : *records) out.push_back(Unwrap<T>(std::move(r)));
  return out;
}

// The transport of a client whose sync configuration is unusable (a
// malformed token, an unreadable CA file): every call answers why, without
// touching the network. Not transient: background sync does not hammer.
class UnusableTransport : public Transport {
 public:
  explicit UnusableTransport(Status why) : why_(std::move(why)) {}
  Status Push(const v1::PushRequest&, v1::PushResponse*) override { return why_; }
  Status Pull(const v1::PullRequest&, const std::function<Status(const v1::PullResponse&)>&) override { return why_; }
  StatusOr<v1::UploadResult> UploadAttachment(const v1::AttachmentMeta&, uint64_t, const ChunkReader&) override {
    return why_;
  }
  StatusOr<v1::AttachmentStatusResponse> AttachmentStatus(const std::string&) override { return why_; }
  Status DownloadAttachment(const std::string&, uint64_t,
                            const std::function<Status(const v1::DownloadChunk&)>&) override {
    return why_;
  }
  StatusOr<v1::ConflictPage> ListConflicts(const v1::ConflictQuery&, std::chrono::milliseconds) override {
    return why_;
  }

 private:
  const Status why_;
};

}  // namespace

// ---------------------------------------------------------------- Impl

Status Client::Impl::Stamp(v1::Mutation* m, uint64_t index) {
  m->set_client_id(client_id);
  m->set_mutation_id(store->next_mutation_id() + index);
  m->set_hlc(hlc->Now());
  // Step 1 of the edit pipeline (core/edit.h), as on the server, so a bad edit fails here, in the app,
  // instead of turning into a dead letter later. Drift is the server's call:
  // our HLC runs ahead of our own wall clock only after observing the
  // server's clock, which is exactly when our wall clock is the wrong judge.
  core::ValidationLimits limits;
  limits.max_clock_drift_ms = std::numeric_limits<int64_t>::max();
  return core::RejectionStatus(core::CheckMutation(*m, limits, clock->NowMillis()), m->op());
}

StatusOr<v1::Mutation> Client::Impl::CreateMutation(const std::string& collection, const v1::RecordBody& body) {
  auto spec = Collection(collection);
  if (!spec.ok()) return spec.status();
  INSPECTSYNC_RETURN_IF_ERROR(CheckHolds(**spec, body));
  v1::Mutation m;
  m.set_collection(collection);
  m.set_op(v1::CREATE);
  *m.mutable_body() = body;
  if (const core::FieldSpec* status = (*spec)->lifecycle_field()) {
    pb::Message* rec = (*spec)->Mutable(m.mutable_body());
    const pb::Reflection* r = rec->GetReflection();
    if (r->GetEnumValue(*rec, status->field) == v1::FINDING_STATUS_UNSPECIFIED)
      r->SetEnumValue(rec, status->field, v1::OPEN);
  }
  return m;
}

StatusOr<LocalRecord> Client::Impl::Get(const std::string& collection, const std::string& id) {
  auto spec = Collection(collection);
  if (!spec.ok()) return spec.status();
  INSPECTSYNC_RETURN_IF_ERROR(CheckId(**spec, id));
  std::lock_guard<std::mutex> lock(mu);
  auto view = store->GetView(collection, id);
  if (!view.ok()) return view.status();
  if (!view->has_value() || (*view)->deleted) return NoSuchRecord(**spec, id);
  return ToLocalRecord(std::move(**view));
}

StatusOr<std::vector<LocalRecord>> Client::Impl::List(const std::string& collection) {
  auto spec = Collection(collection);
  if (!spec.ok()) return spec.status();
  std::lock_guard<std::mutex> lock(mu);
  auto rows = store->ListView(collection);
  if (!rows.ok()) return rows.status();
  std::vector<LocalRecord> out;
  out.reserve(rows->size());
  for (storage::ViewRecord& v : *rows) out.push_back(ToLocalRecord(std::move(v)));
  return out;
}

// ---------------------------------------------------------------- Client

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() { impl_->StopBackground(); }

StatusOr<std::unique_ptr<Client>> Client::Open(ClientOptions options) {
  if (options.db_path.empty()) return InvalidArgument("ClientOptions.db_path is required");
  auto impl = std::make_unique<Impl>();
  if (options.now_ms) {
    impl->own_clock = std::make_unique<FunctionClock>(options.now_ms);
    impl->clock = impl->own_clock.get();
  } else {
    impl->clock = core::SystemClock();
  }
  impl->ids = std::make_unique<core::IdGenerator>(impl->clock, options.rng_seed);
  // Distinct streams for ids and jitter, both reproducible from one seed.
  impl->jitter_rng.seed(options.rng_seed != 0 ? options.rng_seed ^ 0x9e3779b97f4a7c15ull : std::random_device()());

  auto store = storage::DeviceStore::Open(options.db_path, impl->ids->NewUuidV7());
  if (!store.ok()) return store.status();
  impl->store = std::move(*store);
  impl->client_id = impl->store->client_id();
  impl->hlc = std::make_unique<core::Hlc>(impl->clock, impl->store->last_hlc());
  impl->blobs = std::make_unique<sdk_internal::BlobDir>(
      options.attachment_dir.empty() ? options.db_path + ".attachments" : options.attachment_dir);

  if (options.transport) {
    impl->transport = options.transport;
  } else if (!options.server_address.empty()) {
    auto transport = MakeGrpcTransport(options.server_address, options.grpc);
    // A malformed token or an unreadable CA file must not cost the device
    // its local work: the store opens, edits go on, and every sync answers
    // the configuration error until the app opens again with a fixed one.
    if (transport.ok()) {
      impl->transport = std::move(*transport);
    } else {
      impl->transport = std::make_shared<UnusableTransport>(
          Status(transport.status().code(), "cannot sync with " + options.server_address + ": " +
                                                transport.status().message()));
    }
  }
  impl->options = std::move(options);
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

const std::string& Client::client_id() const { return impl_->client_id; }

StatusOr<std::string> Client::CreateFinding(const v1::Finding& finding) {
  return impl_->Create(CollectionName<v1::Finding>(), Wrap(finding));
}
StatusOr<std::vector<std::string>> Client::CreateFindings(const std::vector<v1::Finding>& findings) {
  std::vector<v1::RecordBody> bodies;
  bodies.reserve(findings.size());
  for (const v1::Finding& f : findings) bodies.push_back(Wrap(f));
  return impl_->CreateAll(CollectionName<v1::Finding>(), bodies);
}
Status Client::UpdateFinding(const std::string& id, const v1::Finding& values, const std::vector<std::string>& fields) {
  return impl_->Update(CollectionName<v1::Finding>(), id, Wrap(values), fields);
}
Status Client::VoidFinding(const std::string& id, const std::string& reason) {
  v1::Finding values;
  values.set_status(v1::VOIDED);
  values.set_void_reason(reason);
  return UpdateFinding(id, values, {"status", "void_reason"});
}
StatusOr<LocalFinding> Client::GetFinding(const std::string& id) {
  auto r = impl_->Get(CollectionName<v1::Finding>(), id);
  if (!r.ok()) return r.status();
  return Unwrap<v1::Finding>(std::move(*r));
}
StatusOr<std::vector<LocalFinding>> Client::ListFindings() {
  return UnwrapAll<v1::Finding>(impl_->List(CollectionName<v1::Finding>()));
}

StatusOr<std::string> Client::CreateInspection(const v1::Inspection& inspection) {
  return impl_->Create(CollectionName<v1::Inspection>(), Wrap(inspection));
}
Status Client::UpdateInspection(const std::string& id, const v1::Inspection& values,
                                const std::vector<std::string>& fields) {
  return impl_->Update(CollectionName<v1::Inspection>(), id, Wrap(values), fields);
}
Status Client::DeleteInspection(const std::string& id) { return impl_->Delete(CollectionName<v1::Inspection>(), id); }
StatusOr<LocalInspection> Client::GetInspection(const std::string& id) {
  auto r = impl_->Get(CollectionName<v1::Inspection>(), id);
  if (!r.ok()) return r.status();
  return Unwrap<v1::Inspection>(std::move(*r));
}
StatusOr<std::vector<LocalInspection>> Client::ListInspections() {
  return UnwrapAll<v1::Inspection>(impl_->List(CollectionName<v1::Inspection>()));
}

StatusOr<std::string> Client::Create(const std::string& collection, const v1::RecordBody& body) {
  return impl_->Create(collection, body);
}
StatusOr<std::vector<std::string>> Client::CreateAll(const std::string& collection,
                                                     const std::vector<v1::RecordBody>& bodies) {
  return impl_->CreateAll(collection, bodies);
}
Status Client::Update(const std::string& collection, const std::string& id, const v1::RecordBody& values,
                      const std::vector<std::string>& fields) {
  return impl_->Update(collection, id, values, fields);
}
Status Client::Delete(const std::string& collection, const std::string& id) { return impl_->Delete(collection, id); }
StatusOr<LocalRecord> Client::Get(const std::string& collection, const std::string& id) {
  return impl_->Get(collection, id);
}
StatusOr<std::vector<LocalRecord>> Client::List(const std::string& collection) { return impl_->List(collection); }

StatusOr<std::vector<std::string>> Client::Apply(const std::vector<Edit>& edits) { return impl_->Apply(edits); }
StatusOr<std::string> Client::IssueNotice(const NoticeInput& notice) { return impl_->IssueNotice(notice); }
StatusOr<std::string> Client::Verify(const VerificationInput& verification) { return impl_->Verify(verification); }
StatusOr<v1::ProblemPage> Client::Problems(const v1::ProblemQuery& query) { return impl_->Problems(query); }
StatusOr<v1::ProblemReport> Client::CountProblems(const v1::ProblemQuery& query) {
  return impl_->CountProblems(query);
}

StatusOr<SyncReport> Client::Sync() { return impl_->Sync(); }

StatusOr<uint64_t> Client::PendingCount() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->store->OutboxCount();
}

StatusOr<std::vector<RejectedMutation>> Client::Rejected() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto letters = impl_->store->ListRejected();
  if (!letters.ok()) return letters.status();
  std::vector<RejectedMutation> out;
  for (storage::DeadLetter& d : *letters)
    out.push_back(RejectedMutation{std::move(d.mutation), d.code, std::move(d.reason), d.rejected_at_ms});
  return out;
}

Status Client::DismissRejected(uint64_t mutation_id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->store->DismissRejected(mutation_id);
}

uint64_t Client::cursor() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->store->cursor();
}

void Client::OnConflict(std::function<void(const v1::Conflict&)> listener) {
  std::lock_guard<std::mutex> lock(impl_->listeners_mu);
  impl_->on_conflict = std::move(listener);
}

void Client::OnRejected(std::function<void(const RejectedMutation&)> listener) {
  std::lock_guard<std::mutex> lock(impl_->listeners_mu);
  impl_->on_rejected = std::move(listener);
}

Status Client::StartBackgroundSync(BackgroundSyncOptions options) { return impl_->StartBackground(std::move(options)); }
void Client::StopBackgroundSync() { impl_->StopBackground(); }

}  // namespace inspectsync
