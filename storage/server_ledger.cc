#include "storage/server_ledger.h"

#include <algorithm>
#include <utility>

#include "core/schema.h"

namespace inspectsync::storage {

namespace {

// The result of `mutation_id` in a batch (sorted by mutation id), or null.
const v1::MutationResult* Find(const pb::LedgerBatch& batch, uint64_t mutation_id) {
  auto it = std::lower_bound(batch.results().begin(), batch.results().end(), mutation_id,
                             [](const v1::MutationResult& r, uint64_t id) { return r.mutation_id() < id; });
  return it != batch.results().end() && it->mutation_id() == mutation_id ? &*it : nullptr;
}

// `res` as the ledger keeps it: without its record's body and meta (the
// record of a result is always one version of the history, the seq in its
// version, so a replay — rare: a lost response — rebuilds it from there) and
// with its conflicts by id only.
void SlimResult(const v1::MutationResult& res, v1::MutationResult* slim) {
  if (!res.has_record()) {
    *slim = res;
    return;
  }
  // Field by field, so the record's body is never copied. A field added to
  // MutationResult must be added here (tests/server/engine_test.cc
  // LedgerRowsCopyEveryFieldOfAResult checks the count).
  slim->set_mutation_id(res.mutation_id());
  slim->set_outcome(res.outcome());
  slim->set_reject_code(res.reject_code());
  slim->set_reason(res.reason());
  // Conflicts by id only: the conflicts table holds each whole (a replay
  // reads them from there, as they stand then); copying their values here
  // wrote every contested value twice.
  for (const v1::Conflict& c : res.conflicts()) slim->add_conflicts()->set_id(c.id());
  v1::Record* key = slim->mutable_record();
  key->set_collection(res.record().collection());
  key->set_id(res.record().id());
  key->set_version(res.record().version());
  key->set_deleted(res.record().deleted());
}

}  // namespace

StatusOr<uint64_t> LedgerWriteTxn::LastMutationIdInStore(const std::string& client_id) {
  auto row = ReadClient(client_id);
  if (!row.ok()) return row.status();
  resend_.emplace(client_id, row->resend_from);  // a mark set in this transaction stays
  return row->last_mutation_id;
}

StatusOr<uint64_t> LedgerWriteTxn::LastMutationId(const std::string& client_id) {
  auto it = last_ids_.find(client_id);
  if (it != last_ids_.end()) return it->second;
  return LastMutationIdInStore(client_id);
}

StatusOr<uint64_t> LedgerWriteTxn::ResendFrom(const std::string& client_id) {
  if (auto it = resend_.find(client_id); it != resend_.end()) return it->second;
  auto last = LastMutationIdInStore(client_id);
  if (!last.ok()) return last.status();
  return resend_[client_id];
}

Status LedgerWriteTxn::SetResendFrom(const std::string& client_id, uint64_t mutation_id) {
  INSPECTSYNC_RETURN_IF_ERROR(WriteResendFrom(client_id, mutation_id));
  resend_[client_id] = mutation_id;
  return Status::Ok();
}

StatusOr<std::optional<v1::MutationResult>> LedgerWriteTxn::StoredResult(const std::string& client_id,
                                                                          uint64_t mutation_id) {
  const v1::MutationResult* found = nullptr;
  if (auto p = pending_.find(client_id); p != pending_.end()) found = Find(p->second, mutation_id);
  if (found == nullptr) {
    // The batch holding it is the client's first with a last id >= it.
    // Replays come in id order: the batch read last usually has it.
    if (!(cached_client_ == client_id && cached_first_ <= mutation_id && mutation_id <= cached_last_)) {
      auto row = ReadBatchFrom(client_id, mutation_id);
      if (!row.ok()) return row.status();
      if (!row->has_value()) return std::optional<v1::MutationResult>();
      cached_client_.clear();
      if (!cached_.ParseFromString((*row)->results))
        return DataLoss("stored results of client " + client_id + " through mutation " +
                        std::to_string((*row)->last_mutation_id) + " are corrupt");
      cached_client_ = client_id;
      cached_last_ = (*row)->last_mutation_id;
      // Ids between the previous batch and this one's first belong to it
      // or to none: a miss below is a miss either way.
      cached_first_ = cached_.results_size() > 0 ? cached_.results(0).mutation_id() : cached_last_;
    }
    found = Find(cached_, mutation_id);
  }
  if (found == nullptr) return std::optional<v1::MutationResult>();
  v1::MutationResult res = *found;
  // Ledger rows keep only the record's key and version and the ids of the
  // conflicts (SlimResult); older rows hold the whole record (it has meta)
  // and whole conflicts (they name their record).
  if (res.has_record() && !res.record().has_meta())
    INSPECTSYNC_RETURN_IF_ERROR(FillRecordFromHistory(res.mutable_record()));
  for (v1::Conflict& c : *res.mutable_conflicts()) {
    if (!c.record_id().empty()) continue;
    auto whole = GetConflict(c.id());
    if (!whole.ok()) return whole.status();
    if (!whole->has_value())
      return DataLoss("stored result of mutation " + std::to_string(mutation_id) + " names conflict " + c.id() +
                      ", which is not stored");
    c = std::move(**whole);
  }
  return std::optional<v1::MutationResult>(std::move(res));
}

Status LedgerWriteTxn::RecordResult(const std::string& client_id, uint64_t mutation_id,
                                    const v1::MutationResult& res) {
  uint64_t& last = last_ids_[client_id];
  if (last == 0) {
    auto stored = LastMutationIdInStore(client_id);
    if (!stored.ok()) return stored.status();
    last = *stored;
  }
  if (mutation_id <= last)
    return Internal("mutation " + std::to_string(mutation_id) + " of client " + client_id +
                    " is not after the last recorded one (" + std::to_string(last) + ")");
  last = mutation_id;
  SlimResult(res, pending_[client_id].add_results());
  return Status::Ok();
}

Status LedgerWriteTxn::Flush() {
  for (const auto& [client_id, batch] : pending_) {
    if (batch.results_size() == 0) continue;
    INSPECTSYNC_RETURN_IF_ERROR(
        WriteBatch(client_id, batch.results(batch.results_size() - 1).mutation_id(), batch.SerializeAsString()));
  }
  std::map<std::string, std::pair<uint64_t, uint64_t>> clients;  // last id, acked through
  for (const auto& [client_id, last] : last_ids_) clients[client_id].first = last;
  for (const auto& [client_id, acked] : acked_) clients[client_id].second = acked;
  for (const auto& [client_id, marks] : clients)
    INSPECTSYNC_RETURN_IF_ERROR(RaiseClientMarks(client_id, marks.first, marks.second));
  return Status::Ok();
}

// Drops whole ledger rows only: a row with results after `mutation_id`
// stays until the client acknowledges its last one.
Status LedgerWriteTxn::ForgetResultsThrough(const std::string& client_id, uint64_t mutation_id) {
  INSPECTSYNC_RETURN_IF_ERROR(DeleteBatchesThrough(client_id, mutation_id));
  if (cached_client_ == client_id && cached_last_ <= mutation_id) cached_client_.clear();
  uint64_t& acked = acked_[client_id];
  acked = std::max(acked, mutation_id);  // written with the last id (Flush)
  return Status::Ok();
}

StatusOr<uint64_t> LedgerWriteTxn::AckedThrough(const std::string& client_id) {
  uint64_t acked = 0;
  if (auto it = acked_.find(client_id); it != acked_.end()) acked = it->second;
  auto stored = ReadAckedThrough(client_id);
  if (!stored.ok()) return stored.status();
  return std::max(acked, *stored);
}

Status LedgerWriteTxn::FillRecordFromHistory(v1::Record* rec) {
  auto version = ReadVersion(rec->version());
  if (!version.ok()) return version.status();
  if (!version->has_value())
    return DataLoss("stored result names version " + std::to_string(rec->version()) + ", which is not in history");
  HistoryVersion& v = **version;
  rec->set_collection(v.collection);
  rec->set_id(v.id);
  rec->set_deleted(v.deleted);
  const core::CollectionSpec* spec = core::FindCollection(rec->collection());
  if (spec == nullptr) return Internal("stored record in unknown collection '" + rec->collection() + "'");
  if (!spec->Mutable(rec->mutable_body())->ParseFromString(v.body) || !rec->mutable_meta()->ParseFromString(v.meta))
    return DataLoss("history version " + std::to_string(rec->version()) + " is corrupt");
  return Status::Ok();
}

}  // namespace inspectsync::storage
