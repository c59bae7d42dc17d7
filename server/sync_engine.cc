#include "server/sync_engine.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>

#include "core/edit.h"
#include "core/merge.h"
#include "core/patch.h"
#include "core/quote.h"
#include "core/schema.h"
#include "core/workflow.h"
#include "server/byte_budgets.h"

namespace inspectsync::server {

namespace pb = google::protobuf;

namespace {

v1::MutationResult Rejected(const v1::Mutation& m, v1::RejectCode code, std::string reason) {
  v1::MutationResult r;
  r.set_mutation_id(m.mutation_id());
  r.set_outcome(v1::REJECTED);
  r.set_reject_code(code);
  r.set_reason(std::move(reason));
  return r;
}

v1::VersionMeta MetaOf(const v1::Mutation& m, const Caller& caller) {
  v1::VersionMeta meta;
  meta.set_author(caller.user);
  meta.set_device_id(caller.device.empty() ? m.client_id() : caller.device);
  meta.set_hlc(m.hlc());
  return meta;
}

// A parsed, mutable copy of a stored record body.
StatusOr<std::unique_ptr<pb::Message>> ParseBody(const core::CollectionSpec& spec, const storage::StoredRecord& r) {
  std::unique_ptr<pb::Message> msg(pb::MessageFactory::generated_factory()->GetPrototype(spec.descriptor())->New());
  if (!msg->ParseFromString(r.body))
    return DataLoss("stored body of " + r.collection + "/" + r.id + " v" + std::to_string(r.version) + " is corrupt");
  return msg;
}

// The conflict recorded when an update and a delete of one record race: the
// update wins; `kept` is the record as it stands, the loser is the deletion.
v1::Conflict DeleteConflict(const std::string& id, const v1::Mutation& m, const core::CollectionSpec& spec,
                            const pb::Message& kept, const v1::VersionMeta& winner, const v1::VersionMeta& loser,
                            uint64_t version) {
  v1::Conflict c;
  c.set_id(id);
  c.set_collection(m.collection());
  c.set_record_id(m.record_id());
  c.set_field("deleted");
  c.set_state(v1::CONFLICT_AUTO_RESOLVED);
  spec.Mutable(c.mutable_winner_value())->CopyFrom(kept);
  spec.Mutable(c.mutable_loser_value());  // the deletion: no value
  *c.mutable_winner() = winner;
  *c.mutable_loser() = loser;
  c.set_version(version);
  return c;
}

// "findings/<id>" for a message about mutation `m`; quoted and bounded when
// the caller sent something else than a known collection and a UUID.
std::string NamedInMessage(const v1::Mutation& m) {
  std::string name = m.collection() + "/" + m.record_id();
  if (core::FindCollection(m.collection()) != nullptr && core::IsUuid(m.record_id())) return name;
  return core::Quote(name);
}

// The answer to a patch or delete of a record the caller cannot change
// because it does not exist or is outside its scope. A caller that sees
// everything learns nothing from the difference, and hears which it is.
v1::MutationResult NoRecordForCaller(const v1::Mutation& m, const Scope& scope) {
  if (scope.all)
    return Rejected(m, v1::NOT_FOUND,
                    "no " + m.collection() + " record " + m.record_id() +
                        " on the server (was the create of it rejected?)");
  return Rejected(m, v1::PERMISSION_DENIED,
                  "no " + m.collection() + " record " + m.record_id() +
                      " that you may change: it is at a site you are not assigned to, or it is not on the server "
                      "(was the create of it rejected?)");
}

// The answer to mutation `m` of a client whose last processed mutation is
// `last` >= m's id. A replay (a lost response) gets the original result from
// the ledger. Otherwise it says what happened — the ledger knows: a
// processed id above the client's acknowledgement mark always has its
// result stored (ServerWriteTxn::AckedThrough) — and what the device must do.
StatusOr<v1::MutationResult> AnswerBelowLast(storage::ServerWriteTxn& txn, const v1::Mutation& m, uint64_t last) {
  auto stored = txn.StoredResult(m.client_id(), m.mutation_id());
  if (!stored.ok()) return stored.status();
  const std::string mutation = "mutation " + std::to_string(m.mutation_id()) + " of this device";
  const std::string reused =
      "If it is a new edit, this device reused a mutation id (was its database restored from a backup or copied "
      "from another device?): make the edit again so that it gets a new id.";
  if (stored->has_value()) {
    // A result names its mutation's record: a different one means the id
    // was used twice, and this edit was never applied.
    const v1::MutationResult& was = **stored;
    if (was.has_record() && (was.record().collection() != m.collection() || was.record().id() != m.record_id()))
      return Rejected(m, v1::INVALID,
                      mutation + " was processed earlier for " + was.record().collection() + " record " +
                          was.record().id() + ", not for " + NamedInMessage(m) + "; this one was not applied. " +
                          reused);
    return was;
  }
  auto acked = txn.AckedThrough(m.client_id());
  if (!acked.ok()) return acked.status();
  if (m.mutation_id() > *acked)
    return Rejected(m, v1::INVALID,
                    mutation + " was never processed and is not applied: it arrived after mutation " +
                        std::to_string(last) +
                        " had been, and a device's mutations must reach the server in the order it made them "
                        "(ids increasing). Make the edit again so that it gets a new id, after " +
                        std::to_string(last) + ".");
  return Rejected(m, v1::INVALID,
                  mutation + " is not applied: this device acknowledged the results of its mutations through " +
                      std::to_string(*acked) +
                      ", so the server no longer keeps them and cannot answer it again. If it was sent before, it "
                      "was processed then. " + reused);
}

// The workflow rules' view of other records: the push transaction's own
// state, limited to the caller's scope, so a rule's answer never reveals a
// record the caller may not see (it reads as missing).
class TxnLookup : public core::RecordLookup {
 public:
  TxnLookup(storage::ServerWriteTxn& txn, const Scope& scope) : txn_(txn), scope_(scope) {}
  StatusOr<std::unique_ptr<pb::Message>> Find(const core::CollectionSpec& spec, const std::string& id) override {
    auto rec = txn_.GetRecord(spec.name(), id);
    if (!rec.ok()) return rec.status();
    if (!rec->has_value() || (*rec)->deleted || !scope_.Sees((*rec)->scope)) return std::unique_ptr<pb::Message>();
    return ParseBody(spec, **rec);
  }

 private:
  storage::ServerWriteTxn& txn_;
  const Scope& scope_;
};

// Whether a lifecycle move in `m` comes from before a REOPENED of the record
// (core::MergeContext): read only for status moves made on an older version,
// which are rare, from the versions since the editor's base.
StatusOr<bool> ReopenedSince(storage::ServerWriteTxn& txn, const core::CollectionSpec& spec, const v1::Mutation& m,
                             const std::vector<const core::FieldSpec*>& mask) {
  const core::FieldSpec* status = spec.lifecycle_field();
  if (status == nullptr || std::find(mask.begin(), mask.end(), status) == mask.end()) return false;
  std::vector<std::string> bodies;
  // The editor's own reopen is part of its view (its base_body shows it).
  INSPECTSYNC_RETURN_IF_ERROR(
      txn.ForeignBodiesSince(m.collection(), m.record_id(), m.base_version(), m.client_id(), &bodies));
  std::unique_ptr<pb::Message> v(pb::MessageFactory::generated_factory()->GetPrototype(spec.descriptor())->New());
  for (const std::string& b : bodies) {
    if (!v->ParseFromString(b)) return DataLoss("stored body of " + m.collection() + "/" + m.record_id() + " is corrupt");
    if (v->GetReflection()->GetEnumValue(*v, status->field) == v1::REOPENED) return true;
  }
  return false;
}

}  // namespace

Status ToWireRecord(const storage::StoredRecord& stored, v1::Record* out) {
  const core::CollectionSpec* spec = core::FindCollection(stored.collection);
  if (spec == nullptr) return Internal("stored record in unknown collection '" + stored.collection + "'");
  out->set_collection(stored.collection);
  out->set_id(stored.id);
  out->set_version(stored.version);
  out->set_deleted(stored.deleted);
  if (!spec->Mutable(out->mutable_body())->ParseFromString(stored.body))
    return DataLoss("stored body of " + stored.collection + "/" + stored.id + " is corrupt");
  *out->mutable_meta() = stored.meta;
  return Status::Ok();
}

Status ToRecordOut(storage::StoredRecord&& stored, v1::RecordOut* out) {
  const core::CollectionSpec* spec = core::FindCollection(stored.collection);
  if (spec == nullptr) return Internal("stored record in unknown collection '" + stored.collection + "'");
  // The RecordBodyBytes member numbered as the collection's RecordBody member.
  static const auto* const body_fields = [] {
    auto* m = new std::map<const core::CollectionSpec*, const pb::FieldDescriptor*>();
    for (const core::CollectionSpec* c : core::AllCollections())
      (*m)[c] = v1::RecordBodyBytes::descriptor()->FindFieldByNumber(c->body_field()->number());
    return m;
  }();
  auto it = body_fields->find(spec);
  if (it == body_fields->end() || it->second == nullptr)
    return Internal("collection '" + stored.collection + "' has no member in RecordBodyBytes");
  out->set_version(stored.version);
  out->set_deleted(stored.deleted);
  // Stored meta always has its author and device: never empty, so it is sent
  // as PullResponse would send it.
  stored.meta.SerializeToString(out->mutable_meta());
  v1::RecordBodyBytes* body = out->mutable_body();
  body->GetReflection()->SetString(body, it->second, std::move(stored.body));
  out->set_collection(std::move(stored.collection));
  out->set_id(std::move(stored.id));
  return Status::Ok();
}

// The wire form of a record whose body the caller holds parsed (it just
// serialized it, or parsed it to merge): saves parsing `stored.body` again.
void WireRecordFrom(const storage::StoredRecord& stored, const core::CollectionSpec& spec, const pb::Message& body,
                    v1::Record* out) {
  out->set_collection(stored.collection);
  out->set_id(stored.id);
  out->set_version(stored.version);
  out->set_deleted(stored.deleted);
  spec.Mutable(out->mutable_body())->CopyFrom(body);
  *out->mutable_meta() = stored.meta;
}

SyncEngine::SyncEngine(storage::ServerStore* store, EngineOptions options)
    : store_(store),
      options_(options),
      hlc_(options.clock),
      ids_(options.clock, options.id_seed),
      scopes_(store) {}

StatusOr<Scope> SyncEngine::ScopeOf(const Caller& caller) {
  auto role = ParseRole(caller.role);
  if (!role.ok()) return role.status();
  return scopes_.Resolve(*role, caller.user, options_.clock->NowMillis());
}

Status SyncEngine::CheckCaller(const Caller& caller) {
  auto role = ParseRole(caller.role);
  if (!role.ok()) return role.status();
  return scopes_.CheckUser(*role, caller.user);
}

Status SyncEngine::CheckProtocol(uint32_t v) const {
  if (v >= kMinProtocolVersion && v <= kMaxProtocolVersion) return Status::Ok();
  return FailedPrecondition("protocol version " + std::to_string(v) + " is not supported; this server supports " +
                            std::to_string(kMinProtocolVersion) + ".." + std::to_string(kMaxProtocolVersion) +
                            (v > kMaxProtocolVersion ? " (update the server)" : " (update the app)"));
}

StatusOr<v1::PushResponse> SyncEngine::Push(const v1::PushRequest& req, const Caller& caller) {
  INSPECTSYNC_RETURN_IF_ERROR(CheckProtocol(req.protocol_version()));
  if (static_cast<size_t>(req.mutations_size()) > options_.max_batch)
    return InvalidArgument("push of " + std::to_string(req.mutations_size()) + " mutations exceeds the limit of " +
                           std::to_string(options_.max_batch) + " per call (max_batch); send smaller batches");
  std::map<std::string, uint64_t> seen;
  for (const auto& m : req.mutations()) {
    // A client id is bound to the device and keys the ledger: one that is not
    // a device's UUID must not get a row (its mutations could only be
    // refused), so the whole call is.
    if (!core::IsUuid(m.client_id()))
      return InvalidArgument("client_id " + core::Quote(m.client_id()) +
                             " is not a lowercase UUID; nothing of this push was applied");
    // Ids are stored as SQL integers (signed 64-bit).
    if (m.mutation_id() > static_cast<uint64_t>(INT64_MAX))
      return InvalidArgument("mutation_id " + std::to_string(m.mutation_id()) + " is out of range (at most 2^63-1)");
    uint64_t& prev = seen[m.client_id()];
    if (m.mutation_id() <= prev)
      return InvalidArgument("mutation ids of client " + core::Quote(m.client_id()) + " must increase within a batch (" +
                             std::to_string(m.mutation_id()) + " after " + std::to_string(prev) + ")");
    prev = m.mutation_id();
  }
  std::string ack_client = !req.mutations().empty() ? req.mutations(0).client_id() : std::string();
  int64_t now_ms = options_.clock->NowMillis();
  auto role = ParseRole(caller.role);
  if (!role.ok()) return role.status();
  // Resolved once per batch: an assignment pushed in this very batch counts
  // from the next one.
  auto scope = scopes_.Resolve(*role, caller.user, now_ms);
  if (!scope.ok()) return scope.status();

  v1::PushResponse resp;
  Status st = store_->Write([&](storage::ServerWriteTxn& txn) -> Status {
    resp.clear_results();
    if (!caller.device.empty()) {
      // A client id (one install's outbox) belongs to the device that first
      // used it: another device's token cannot push under it, nor make its
      // real mutations look like duplicates.
      for (const auto& [client, unused] : seen) {
        auto bound = txn.BindClient(client, caller.device);
        if (!bound.ok()) return bound.status();
        if (*bound != caller.device)
          return Status(StatusCode::kPermissionDenied, "client id " + core::Quote(client) + " belongs to device " +
                                                           core::Quote(*bound) + "; this token is for device " +
                                                           core::Quote(caller.device));
      }
    }
    std::map<std::string, uint64_t> last_applied;
    std::map<std::string, storage::PushTally> tallies;
    PushBudget budget(options_.max_page_bytes);  // the response's size (byte_budgets.h)
    for (int i = 0; i < req.mutations_size(); ++i) {
      const v1::Mutation& m = req.mutations(i);
      if (budget.Full(resp)) {  // the rest waits for the device's next push
        INSPECTSYNC_RETURN_IF_ERROR(budget.Cut(txn, req, i, last_applied));
        break;
      }
      auto it = last_applied.find(m.client_id());
      if (it == last_applied.end()) {
        auto last = txn.LastMutationId(m.client_id());
        if (!last.ok()) return last.status();
        INSPECTSYNC_RETURN_IF_ERROR(budget.Admit(txn, m));
        it = last_applied.emplace(m.client_id(), *last).first;
      }
      if (m.mutation_id() <= it->second) {
        // At or below the last one processed: never applied (again); a
        // replay gets its original result, anything else what happened.
        auto answer = AnswerBelowLast(txn, m, it->second);
        if (!answer.ok()) return answer.status();
        *resp.add_results() = std::move(*answer);
        continue;
      }
      auto r = Apply(txn, m, caller, *role, *scope, now_ms);
      if (!r.ok()) return r.status();
      storage::PushTally& tally = tallies[m.client_id()];
      if (r->outcome() == v1::REJECTED) {
        ++tally.rejected;
        tally.last_reject_code = r->reject_code();
        tally.last_reject_reason = r->reason();
      } else {
        ++tally.accepted;
      }
      INSPECTSYNC_RETURN_IF_ERROR(txn.RecordResult(m.client_id(), m.mutation_id(), *r));
      INSPECTSYNC_RETURN_IF_ERROR(budget.Processed(txn, m));
      it->second = m.mutation_id();
      *resp.add_results() = std::move(*r);
    }
    // The office's device list: each client's counts and last push.
    for (const auto& [client, unused] : seen) {
      storage::PushTally& t = tallies[client];
      t.client_id = client;
      t.user_id = caller.user;
      t.now_ms = now_ms;
      INSPECTSYNC_RETURN_IF_ERROR(txn.NotePush(t));
    }
    if (req.ack_through() > 0 && !ack_client.empty()) {
      // Never forget a result of this very batch, whatever the client claims.
      uint64_t through = std::min<uint64_t>(req.ack_through(), req.mutations(0).mutation_id() - 1);
      INSPECTSYNC_RETURN_IF_ERROR(txn.ForgetResultsThrough(ack_client, through));
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  NotifyCommitted();
  resp.set_server_hlc(hlc_.Now());
  return resp;
}

uint64_t SyncEngine::AddCommitListener(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  uint64_t id = next_listener_++;
  listeners_.emplace(id, std::move(fn));
  return id;
}

void SyncEngine::RemoveCommitListener(uint64_t id) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_.erase(id);
}

void SyncEngine::NotifyCommitted() {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  for (auto& [id, fn] : listeners_) fn();
}

StatusOr<v1::MutationResult> SyncEngine::Apply(storage::ServerWriteTxn& txn, const v1::Mutation& m,
                                               const Caller& caller, Role role, const Scope& scope, int64_t now_ms) {
  core::Rejection rej = core::CheckMutation(m, options_.limits, now_ms);  // edit pipeline, step 1
  if (!rej.ok()) return Rejected(m, rej.code, rej.reason);
  const core::CollectionSpec& spec = *core::FindCollection(m.collection());
  if (std::string why = WriteDenied(role, spec); !why.empty()) return Rejected(m, v1::PERMISSION_DENIED, why);
  if (m.op() == v1::CREATE) {
    std::string key = spec.ScopeOf(spec.Get(m.body()), m.record_id());
    if (!scope.Sees(key))
      return Rejected(m, v1::PERMISSION_DENIED,
                      std::string("you are not assigned to ") + (spec.scope_is_id() ? "this site" : "site or zone '" + key + "'") +
                          "; your role " + RoleName(role) + " may create " + m.collection() +
                          " only at the sites you are assigned to");
  }
  hlc_.Observe(m.hlc());
  auto cur = txn.GetRecord(m.collection(), m.record_id());
  if (!cur.ok()) return cur.status();
  if (m.op() == v1::CREATE) return ApplyCreate(txn, m, caller, spec, *cur, scope);

  // A record outside the caller's scope and one that does not exist get the
  // same answer, code and words: a patch or delete never tells whether an id
  // exists at a site the caller may not see.
  if (!cur->has_value() || !scope.Sees((*cur)->scope)) return NoRecordForCaller(m, scope);
  const storage::StoredRecord& rec = **cur;
  if (m.base_version() > rec.version)
    return Rejected(m, v1::BASE_AHEAD,
                    "base_version " + std::to_string(m.base_version()) + " is newer than the server's version " +
                        std::to_string(rec.version) + " of this record");
  if (m.op() == v1::PATCH) return ApplyPatch(txn, m, caller, spec, rec, scope);
  return ApplyDelete(txn, m, caller, spec, rec, scope);
}

StatusOr<v1::MutationResult> SyncEngine::ApplyCreate(storage::ServerWriteTxn& txn, const v1::Mutation& m,
                                                     const Caller& caller, const core::CollectionSpec& spec,
                                                     const std::optional<storage::StoredRecord>& cur,
                                                     const Scope& scope) {
  if (cur.has_value()) {
    v1::MutationResult r = Rejected(m, v1::ALREADY_EXISTS,
                                    "a " + m.collection() + " record with id " + m.record_id() + " already exists");
    if (scope.Sees(cur->scope)) INSPECTSYNC_RETURN_IF_ERROR(ToWireRecord(*cur, r.mutable_record()));
    return r;
  }
  TxnLookup lookup(txn, scope);
  auto outcome = core::ApplyEdit(spec, m, core::EditTarget{}, core::Writer{m.hlc(), m.client_id()}, lookup);
  if (!outcome.ok()) return outcome.status();
  if (!outcome->rejection.ok()) return Rejected(m, outcome->rejection.code, outcome->rejection.reason);
  storage::StoredRecord rec;
  rec.collection = m.collection();
  rec.id = m.record_id();
  rec.body = spec.Get(m.body()).SerializeAsString();
  rec.scope = spec.ScopeOf(spec.Get(m.body()), m.record_id());
  v1::FieldClocks clocks;
  clocks.set_created_hlc(m.hlc());
  clocks.set_created_device_id(m.client_id());
  rec.clocks = clocks.SerializeAsString();
  rec.meta = MetaOf(m, caller);
  INSPECTSYNC_RETURN_IF_ERROR(txn.AppendVersion(&rec, m.client_id(), m.mutation_id(), v1::CREATE));
  v1::MutationResult r;
  r.set_mutation_id(m.mutation_id());
  r.set_outcome(v1::APPLIED);
  WireRecordFrom(rec, spec, spec.Get(m.body()), r.mutable_record());
  return r;
}

StatusOr<v1::MutationResult> SyncEngine::ApplyPatch(storage::ServerWriteTxn& txn, const v1::Mutation& m,
                                                    const Caller& caller, const core::CollectionSpec& spec,
                                                    const storage::StoredRecord& cur, const Scope& scope) {
  auto current = ParseBody(spec, cur);
  if (!current.ok()) return current.status();
  v1::FieldClocks clocks;
  clocks.ParseFromString(cur.clocks);
  auto mask = core::ResolveMask(spec, m.mask());  // validated already; cannot fail here
  if (!mask.ok()) return Rejected(m, v1::INVALID, mask.status().message());
  v1::VersionMeta in_meta = MetaOf(m, caller);
  core::EditTarget target;
  target.current = current->get();
  target.deleted = cur.deleted;
  target.clocks = &clocks;
  if (m.base_version() < cur.version) {
    auto reopened = ReopenedSince(txn, spec, m, *mask);
    if (!reopened.ok()) return reopened.status();
    target.context.reopened_since_base = *reopened;
  }
  // Edit pipeline, step 2: transition, merge, invariants, workflow rules.
  TxnLookup lookup(txn, scope);
  auto outcome = core::ApplyEdit(spec, m, target, core::Writer{m.hlc(), m.client_id()}, lookup);
  if (!outcome.ok()) return outcome.status();
  if (!outcome->rejection.ok()) {
    v1::MutationResult r = Rejected(m, outcome->rejection.code, outcome->rejection.reason);
    WireRecordFrom(cur, spec, **current, r.mutable_record());
    return r;
  }
  const core::MergeResult& mr = outcome->merge;
  const bool restored = outcome->restored;  // update vs delete: the update wins, the record comes back
  storage::StoredRecord rec = cur;
  if (!mr.changed.empty() || restored) {
    rec.body = mr.merged->SerializeAsString();
    rec.clocks = mr.clocks.SerializeAsString();
    rec.deleted = false;
    v1::VersionMeta meta = in_meta;
    meta.set_created_version(cur.meta.created_version());
    rec.meta = meta;
    INSPECTSYNC_RETURN_IF_ERROR(txn.AppendVersion(&rec, m.client_id(), m.mutation_id(), v1::PATCH));
  }

  v1::MutationResult r;
  r.set_mutation_id(m.mutation_id());
  for (const core::FieldConflict& fc : mr.conflicts) {
    v1::Conflict c;
    c.set_id(ids_.NewUuidV7());
    c.set_collection(m.collection());
    c.set_record_id(m.record_id());
    c.set_field(fc.field->field->name());
    c.set_policy(fc.field->policy);
    c.set_state(fc.state);
    spec.Mutable(c.mutable_base_value())->CopyFrom(*fc.base);
    spec.Mutable(c.mutable_winner_value())->CopyFrom(*fc.winner);
    spec.Mutable(c.mutable_loser_value())->CopyFrom(*fc.loser);
    v1::VersionMeta cur_meta;
    cur_meta.set_device_id(fc.current_writer.device_id);
    cur_meta.set_hlc(fc.current_writer.hlc);
    *c.mutable_winner() = fc.incoming_won ? in_meta : cur_meta;
    *c.mutable_loser() = fc.incoming_won ? cur_meta : in_meta;
    c.set_version(rec.version);
    INSPECTSYNC_RETURN_IF_ERROR(RecordConflict(txn, &c));
    *r.add_conflicts() = std::move(c);
  }
  if (restored) {
    v1::Conflict c = DeleteConflict(ids_.NewUuidV7(), m, spec, *mr.merged, in_meta, cur.meta, rec.version);
    INSPECTSYNC_RETURN_IF_ERROR(RecordConflict(txn, &c));
    *r.add_conflicts() = std::move(c);
  }

  if (r.conflicts_size() > 0) {
    r.set_outcome(v1::CONFLICT);
  } else if (mr.concurrent) {
    r.set_outcome(v1::MERGED);
  } else if (m.base_version() < cur.version) {
    auto foreign = txn.HasForeignVersionsSince(m.collection(), m.record_id(), m.base_version(), m.client_id());
    if (!foreign.ok()) return foreign.status();
    r.set_outcome(*foreign ? v1::MERGED : v1::APPLIED);
  } else {
    r.set_outcome(v1::APPLIED);
  }
  // Unchanged (and not restored), rec is cur and mr.merged equals **current.
  WireRecordFrom(rec, spec, mr.merged ? *mr.merged : **current, r.mutable_record());
  return r;
}

StatusOr<v1::MutationResult> SyncEngine::ApplyDelete(storage::ServerWriteTxn& txn, const v1::Mutation& m,
                                                     const Caller& caller, const core::CollectionSpec& spec,
                                                     const storage::StoredRecord& cur, const Scope& scope) {
  v1::MutationResult r;
  r.set_mutation_id(m.mutation_id());
  core::EditTarget target;
  target.deleted = cur.deleted;
  if (!cur.deleted && m.base_version() < cur.version) {
    auto foreign = txn.HasForeignVersionsSince(m.collection(), m.record_id(), m.base_version(), m.client_id());
    if (!foreign.ok()) return foreign.status();
    target.changed_by_others_since_base = *foreign;
  }
  // Edit pipeline, step 2 (the body is not needed to decide a delete).
  TxnLookup lookup(txn, scope);
  auto outcome = core::ApplyEdit(spec, m, target, core::Writer{m.hlc(), m.client_id()}, lookup);
  if (!outcome.ok()) return outcome.status();
  if (outcome->del == core::DeleteDecision::kAlreadyDeleted) {  // nothing more to do
    r.set_outcome(v1::APPLIED);
    INSPECTSYNC_RETURN_IF_ERROR(ToWireRecord(cur, r.mutable_record()));
    return r;
  }
  if (outcome->del == core::DeleteDecision::kLosesToUpdate) {
    // Delete vs update: the update wins; the deletion is kept as the loser.
    auto current = ParseBody(spec, cur);
    if (!current.ok()) return current.status();
    v1::Conflict c = DeleteConflict(ids_.NewUuidV7(), m, spec, **current, cur.meta, MetaOf(m, caller), cur.version);
    INSPECTSYNC_RETURN_IF_ERROR(RecordConflict(txn, &c));
    *r.add_conflicts() = std::move(c);
    r.set_outcome(v1::CONFLICT);
    INSPECTSYNC_RETURN_IF_ERROR(ToWireRecord(cur, r.mutable_record()));
    return r;
  }
  storage::StoredRecord rec = cur;
  rec.deleted = true;  // the body keeps the last live state for audit and restore
  v1::VersionMeta meta = MetaOf(m, caller);
  meta.set_created_version(cur.meta.created_version());
  rec.meta = meta;
  INSPECTSYNC_RETURN_IF_ERROR(txn.AppendVersion(&rec, m.client_id(), m.mutation_id(), v1::DELETE));
  r.set_outcome(v1::APPLIED);
  INSPECTSYNC_RETURN_IF_ERROR(ToWireRecord(rec, r.mutable_record()));
  return r;
}

Status SyncEngine::RecordConflict(storage::ServerWriteTxn& txn, v1::Conflict* c) {
  c->set_opened_ms(options_.clock->NowMillis());
  for (v1::VersionMeta* side : {c->mutable_winner(), c->mutable_loser()}) {
    if (!side->author().empty() || side->device_id().empty()) continue;
    // The side already on the server is known by its field clock (the
    // writer's client id and HLC, which LWW orders by); who wrote it is in
    // that version's meta: the token's user and device, the identity history
    // and the other side record too (a client id is one install's outbox,
    // not the device the office issued the token to).
    auto meta = txn.WriterMeta(c->collection(), c->record_id(), side->device_id(), side->hlc());
    if (!meta.ok()) return meta.status();
    if (!meta->has_value()) continue;
    side->set_author((*meta)->author());
    if (!(*meta)->device_id().empty()) side->set_device_id((*meta)->device_id());
  }
  return txn.AddConflict(*c);
}

namespace {

// The status a refused server-side write fails with: a conflict asks for a
// fresh read (ABORTED); a refusal maps by core's one table (core/rejection.h).
StatusCode WriteRefusalCode(const v1::MutationResult& r, v1::MutationOp op) {
  if (r.outcome() == v1::CONFLICT) return StatusCode::kAborted;
  return core::RejectStatusCode(r.reject_code(), op);
}

}  // namespace

StatusOr<std::vector<v1::MutationResult>> SyncEngine::WriteAll(std::vector<v1::Mutation> mutations,
                                                               const Caller& caller, const WriteExtra& extra,
                                                               const WriteOptions& write_options) {
  if (mutations.empty()) return InvalidArgument("nothing to write");
  const size_t limit = write_options.max_mutations > 0 ? write_options.max_mutations : options_.max_batch;
  if (mutations.size() > limit)
    return InvalidArgument("a server-side write of " + std::to_string(mutations.size()) +
                           " changes exceeds the limit of " + std::to_string(limit));
  auto role = ParseRole(caller.role);
  if (!role.ok()) return role.status();
  int64_t now_ms = options_.clock->NowMillis();
  auto scope = scopes_.Resolve(*role, caller.user, now_ms);
  if (!scope.ok()) return scope.status();
  const std::string client = ids_.NewUuidV7();  // this call's own client id
  // These are the office's integration operations: what the integration
  // role may not push from a device, it may do through them.
  const Role write_role = *role == Role::kIntegration ? Role::kOffice : *role;

  std::vector<v1::MutationResult> results;
  Status st = store_->Write([&](storage::ServerWriteTxn& txn) -> Status {
    results.clear();
    for (size_t i = 0; i < mutations.size(); ++i) {
      v1::Mutation& m = mutations[i];
      m.set_client_id(client);
      m.set_mutation_id(i + 1);
      m.set_hlc(hlc_.Now());
      std::string what = "change " + std::to_string(i + 1) + " of " + std::to_string(mutations.size()) + " (" +
                         v1::MutationOp_Name(m.op()) + " " + NamedInMessage(m) + ")";
      const core::CollectionSpec* spec = core::FindCollection(m.collection());
      uint64_t base_version = 0;
      if (spec != nullptr && m.op() != v1::CREATE) {
        // The edit is made on the record as it is now.
        auto cur = txn.GetRecord(m.collection(), m.record_id());
        if (!cur.ok()) return cur.status();
        if (cur->has_value()) {
          const storage::StoredRecord& rec = **cur;
          if (rec.deleted && m.op() == v1::PATCH)
            return FailedPrecondition(what + ": the record is deleted; a server-side edit does not bring it back");
          base_version = rec.version;
          m.set_base_version(rec.version);
          m.clear_base_body();
          if (m.op() == v1::PATCH) {
            auto body = ParseBody(*spec, rec);
            if (!body.ok()) return body.status();
            pb::Message* base = spec->Mutable(m.mutable_base_body());
            auto mask = core::ResolveMask(*spec, m.mask());
            if (mask.ok())  // a bad mask is refused by validation below
              for (const core::FieldSpec* fs : *mask) core::CopyField(**body, fs->field, base);
          }
        }
      }
      if (spec != nullptr && m.op() == v1::CREATE && spec->Holds(m.body())) {
        // A server-side create knows the site as it is now: new work at a
        // deactivated one is refused (pushes are not: core/workflow.h).
        TxnLookup lookup(txn, *scope);
        auto open = core::CheckNewWorkSite(*spec, spec->Get(m.body()), lookup);
        if (!open.ok()) return open.status();
        if (!open->ok())
          return Status(core::RejectionStatus(*open, v1::CREATE).code(),
                        what + " was refused (" + v1::RejectCode_Name(open->code) + ": " + open->reason +
                            "); nothing was written");
      }
      auto r = Apply(txn, m, caller, write_role, *scope, now_ms);
      if (!r.ok()) return r.status();
      if (r->outcome() != v1::APPLIED && r->outcome() != v1::MERGED) {
        std::string why = r->outcome() == v1::CONFLICT
                              ? "it conflicted with a concurrent change"
                              : v1::RejectCode_Name(r->reject_code()) + ": " + r->reason();
        if (write_options.refused_index != nullptr) *write_options.refused_index = i;
        return Status(WriteRefusalCode(*r, m.op()), what + " was refused (" + why + "); nothing was written");
      }
      if (write_options.version_unchanged && m.op() == v1::PATCH && r->record().version() == base_version)
        INSPECTSYNC_RETURN_IF_ERROR(AppendUnchanged(txn, m, caller, &*r));
      results.push_back(std::move(*r));
    }
    if (extra) INSPECTSYNC_RETURN_IF_ERROR(extra(txn, results));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  NotifyCommitted();
  return results;
}

Status SyncEngine::AppendUnchanged(storage::ServerWriteTxn& txn, const v1::Mutation& m, const Caller& caller,
                                   v1::MutationResult* r) {
  const core::CollectionSpec& spec = *core::FindCollection(m.collection());
  auto cur = txn.GetRecord(m.collection(), m.record_id());
  if (!cur.ok()) return cur.status();
  if (!cur->has_value()) return Internal("record " + m.record_id() + " vanished inside its transaction");
  storage::StoredRecord rec = **cur;
  v1::FieldClocks clocks;
  clocks.ParseFromString(rec.clocks);
  auto mask = core::ResolveMask(spec, m.mask());
  if (!mask.ok()) return mask.status();
  for (const core::FieldSpec* fs : *mask) core::StampField(&clocks, fs->field->number(), core::Writer{m.hlc(), m.client_id()});
  rec.clocks = clocks.SerializeAsString();
  v1::VersionMeta meta = MetaOf(m, caller);
  meta.set_created_version(rec.meta.created_version());
  rec.meta = meta;
  INSPECTSYNC_RETURN_IF_ERROR(txn.AppendVersion(&rec, m.client_id(), m.mutation_id(), v1::PATCH));
  return ToWireRecord(rec, r->mutable_record());
}

}  // namespace inspectsync::server
