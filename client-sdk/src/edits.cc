// Local writes: every Create / Update / Delete, CreateAll and Apply goes
// through one path, ApplyLocked, so a batch is checked exactly as the same
// edits one by one would be. Each edit runs the edit pipeline of core/edit.h
// (CheckMutation in Stamp, then ApplyEdit), the very functions the server
// runs on a push, so a tablet refuses what the server would, in its words.
#include <map>
#include <optional>
#include <utility>

#include "client-sdk/src/client_impl.h"
#include "client-sdk/src/record_util.h"
#include "core/edit.h"
#include "core/patch.h"

namespace inspectsync {

using sdk_internal::CheckHolds;
using sdk_internal::CheckId;
using sdk_internal::Collection;
using sdk_internal::NoSuchRecord;

namespace pb = google::protobuf;

// What one ApplyLocked has done so far: the mutations it will store and the
// records they touched, as the view will show them after the batch. Reads of
// the workflow rules go through it, so an edit sees the earlier ones (a
// notice created first, then a finding moved to NOTIFIED naming it).
struct Client::Impl::Batch : public core::RecordLookup {
  explicit Batch(storage::DeviceStore* s) : store(s) {}

  storage::DeviceStore* store;
  std::vector<v1::Mutation> mutations;
  // (collection, id) -> the record after the batch's edits so far; nullopt
  // would mean "no row", which an edit never produces.
  std::map<std::pair<std::string, std::string>, storage::ViewRecord> touched;

  // The record as the batch sees it: touched, or the store's view row.
  StatusOr<std::optional<storage::ViewRecord>> View(const std::string& collection, const std::string& id) {
    auto it = touched.find({collection, id});
    if (it != touched.end()) return std::optional<storage::ViewRecord>(it->second);
    return store->GetView(collection, id);
  }

  // Records `m` (already checked) and what it does to its record's view.
  void Add(v1::Mutation m, const std::optional<storage::ViewRecord>& before) {
    core::FoldedRecord rec;
    storage::ViewRecord view;
    if (before) {
      view = *before;
      rec.exists = true;
      rec.deleted = before->deleted;
      rec.body = before->body;
    } else {
      view.collection = m.collection();
      view.id = m.record_id();
    }
    if (core::FoldMutation(m, &rec)) {
      view.body = std::move(rec.body);
      view.deleted = rec.deleted;
      view.pending = true;
      touched[{m.collection(), m.record_id()}] = std::move(view);
    }
    mutations.push_back(std::move(m));
  }

  // core::RecordLookup: live records only.
  StatusOr<std::unique_ptr<pb::Message>> Find(const core::CollectionSpec& spec, const std::string& id) override {
    auto view = View(spec.name(), id);
    if (!view.ok()) return view.status();
    if (!view->has_value() || (*view)->deleted || !spec.Holds((*view)->body)) return std::unique_ptr<pb::Message>();
    const pb::Message& rec = spec.Get((*view)->body);
    std::unique_ptr<pb::Message> out(rec.New());
    out->CopyFrom(rec);
    return out;
  }
};

StatusOr<std::vector<std::string>> Client::Impl::ApplyLocked(const std::vector<Edit>& edits, const char* label,
                                                             size_t* stored,
                                                             const storage::AttachmentUpload* upload) {
  Batch batch(store.get());
  std::vector<std::string> ids_out;
  ids_out.reserve(edits.size());
  for (size_t i = 0; i < edits.size(); ++i) {
    const Edit& e = edits[i];
    std::string id = e.id;
    Status st;
    switch (e.op) {
      case Edit::Op::kCreate: st = PlanCreate(batch, e, &id); break;
      case Edit::Op::kUpdate: st = PlanUpdate(batch, e); break;
      case Edit::Op::kDelete: st = PlanDelete(batch, e); break;
      default: st = InvalidArgument("unknown edit op " + std::to_string(static_cast<int>(e.op))); break;
    }
    if (!st.ok()) {
      if (label == nullptr) return st;
      return Status(st.code(), std::string(label) + " " + std::to_string(i) + ": " + st.message());
    }
    ids_out.push_back(std::move(id));
  }
  INSPECTSYNC_RETURN_IF_ERROR(store->AppendMutations(batch.mutations, hlc->last(), upload));
  if (stored != nullptr) *stored = batch.mutations.size();
  return ids_out;
}

// Step 2 of the edit pipeline (core/edit.h) for `m`, stamped and checked
// alone by Stamp: the rules against the device's records as the batch has
// them so far. The device's own edits are never concurrent with each other.
Status Client::Impl::RunEdit(Batch& batch, const core::CollectionSpec& spec, const v1::Mutation& m,
                             const core::EditTarget& target) {
  auto outcome = core::ApplyEdit(spec, m, target, core::Writer{m.hlc(), m.client_id()}, batch);
  if (!outcome.ok()) return outcome.status();
  return core::RejectionStatus(outcome->rejection, m.op());
}

Status Client::Impl::PlanCreate(Batch& batch, const Edit& e, std::string* id) {
  auto m = CreateMutation(e.collection, e.body);
  if (!m.ok()) return m.status();
  const core::CollectionSpec& spec = *core::FindCollection(e.collection);
  StatusOr<std::optional<storage::ViewRecord>> existing = std::optional<storage::ViewRecord>();
  if (e.id.empty()) {
    // A fresh id, never one this device already holds: a generator reseeded
    // with the same seed at the same clock reading (a restarted app with a
    // fixed rng_seed, as in tests) repeats its ids, and the server would
    // refuse the second create as ALREADY_EXISTS.
    for (int attempt = 0; attempt < 16; ++attempt) {
      *id = ids->NewUuidV7();
      existing = batch.View(e.collection, *id);
      if (!existing.ok() || !existing->has_value()) break;
    }
  } else {
    // A caller-chosen id: a template version's derived id, a notice's id
    // named by the findings of the same batch.
    INSPECTSYNC_RETURN_IF_ERROR(CheckId(spec, e.id));
    *id = e.id;
    existing = batch.View(e.collection, *id);
  }
  if (!existing.ok()) return existing.status();
  if (existing->has_value())  // deleted ones too: the server never reuses an id
    return AlreadyExists("a " + e.collection + " record with id " + *id + " already exists");
  m->set_record_id(*id);
  INSPECTSYNC_RETURN_IF_ERROR(Stamp(&*m, batch.mutations.size()));
  INSPECTSYNC_RETURN_IF_ERROR(RunEdit(batch, spec, *m, core::EditTarget{}));
  // New work only at sites in service, as this device knows them now (the
  // server does not judge a push by it: core/workflow.h says why).
  auto open = core::CheckNewWorkSite(spec, spec.Get(m->body()), batch);
  if (!open.ok()) return open.status();
  INSPECTSYNC_RETURN_IF_ERROR(core::RejectionStatus(*open, v1::CREATE));
  batch.Add(std::move(*m), std::nullopt);
  return Status::Ok();
}

Status Client::Impl::PlanUpdate(Batch& batch, const Edit& e) {
  auto spec_or = Collection(e.collection);
  if (!spec_or.ok()) return spec_or.status();
  const core::CollectionSpec& spec = **spec_or;
  INSPECTSYNC_RETURN_IF_ERROR(CheckId(spec, e.id));
  INSPECTSYNC_RETURN_IF_ERROR(CheckHolds(spec, e.body));
  v1::Mutation m;
  for (const std::string& f : e.fields) m.mutable_mask()->add_paths(f);
  auto mask = core::ResolveMask(spec, m.mask());
  if (!mask.ok()) return mask.status();
  const pb::Message& incoming = spec.Get(e.body);

  auto view = batch.View(e.collection, e.id);
  if (!view.ok()) return view.status();
  if (!view->has_value() || (*view)->deleted) return NoSuchRecord(spec, e.id);
  const pb::Message& current = spec.Get((*view)->body);

  bool changed = false;
  for (const core::FieldSpec* f : *mask) changed |= !core::FieldEquals(incoming, current, *f);
  if (!changed) return Status::Ok();  // nothing to send; the server would ignore it too

  auto base_version = store->ServerVersion(e.collection, e.id);
  if (!base_version.ok()) return base_version.status();
  m.set_collection(e.collection);
  m.set_record_id(e.id);
  m.set_op(v1::PATCH);
  m.set_base_version(*base_version);
  // Only the masked fields travel: the new values, and the values this
  // device showed before the edit (what the server merges against).
  core::CopyFields(incoming, *mask, spec.Mutable(m.mutable_body()));
  core::CopyFields(current, *mask, spec.Mutable(m.mutable_base_body()));
  INSPECTSYNC_RETURN_IF_ERROR(Stamp(&m, batch.mutations.size()));
  core::EditTarget target;
  target.current = &current;  // a tombstone was refused above: NOT_FOUND on the device
  INSPECTSYNC_RETURN_IF_ERROR(RunEdit(batch, spec, m, target));
  batch.Add(std::move(m), *view);
  return Status::Ok();
}

Status Client::Impl::PlanDelete(Batch& batch, const Edit& e) {
  auto spec_or = Collection(e.collection);
  if (!spec_or.ok()) return spec_or.status();
  const core::CollectionSpec& spec = **spec_or;
  INSPECTSYNC_RETURN_IF_ERROR(CheckId(spec, e.id));
  auto view = batch.View(e.collection, e.id);
  if (!view.ok()) return view.status();
  if (!view->has_value() || (*view)->deleted) return NoSuchRecord(spec, e.id);
  auto base_version = store->ServerVersion(e.collection, e.id);
  if (!base_version.ok()) return base_version.status();
  v1::Mutation m;
  m.set_collection(e.collection);
  m.set_record_id(e.id);
  m.set_op(v1::DELETE);
  m.set_base_version(*base_version);
  INSPECTSYNC_RETURN_IF_ERROR(Stamp(&m, batch.mutations.size()));  // refuses findings: NOT_DELETABLE
  core::EditTarget target;
  target.current = &spec.Get((*view)->body);
  INSPECTSYNC_RETURN_IF_ERROR(RunEdit(batch, spec, m, target));
  batch.Add(std::move(m), *view);
  return Status::Ok();
}

// ---------------------------------------------------------------- entry points

StatusOr<std::vector<std::string>> Client::Impl::Apply(const std::vector<Edit>& edits) {
  size_t stored = 0;
  std::unique_lock<std::mutex> lock(mu);
  StatusOr<std::vector<std::string>> out = ApplyLocked(edits, edits.size() > 1 ? "edit" : nullptr, &stored);
  lock.unlock();
  if (stored > 0) NoteLocalWrite();
  return out;
}

StatusOr<std::string> Client::Impl::Create(const std::string& collection, const v1::RecordBody& body) {
  Edit e;
  e.op = Edit::Op::kCreate;
  e.collection = collection;
  e.body = body;
  auto ids_out = Apply({e});
  if (!ids_out.ok()) return ids_out.status();
  return std::move(ids_out->front());
}

StatusOr<std::vector<std::string>> Client::Impl::CreateAll(const std::string& collection,
                                                           const std::vector<v1::RecordBody>& bodies) {
  std::vector<Edit> edits(bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    edits[i].op = Edit::Op::kCreate;
    edits[i].collection = collection;
    edits[i].body = bodies[i];
  }
  size_t stored = 0;
  std::unique_lock<std::mutex> lock(mu);
  StatusOr<std::vector<std::string>> out = ApplyLocked(edits, "record", &stored);
  lock.unlock();
  if (stored > 0) NoteLocalWrite();
  return out;
}

Status Client::Impl::Update(const std::string& collection, const std::string& id, const v1::RecordBody& values,
                            const std::vector<std::string>& fields) {
  Edit e;
  e.op = Edit::Op::kUpdate;
  e.collection = collection;
  e.id = id;
  e.body = values;
  e.fields = fields;
  return Apply({e}).status();
}

Status Client::Impl::Delete(const std::string& collection, const std::string& id) {
  Edit e;
  e.op = Edit::Op::kDelete;
  e.collection = collection;
  e.id = id;
  return Apply({e}).status();
}

}  // namespace inspectsync
