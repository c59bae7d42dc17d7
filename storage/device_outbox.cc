// The device's outbox and dead letter: local edits in (one durable
// transaction each), push results in (deferred durability, device_store.h),
// and their reads.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "core/record_bounds.h"
#include "storage/device_store_internal.h"
#include "storage/sqlite_util.h"

namespace inspectsync::storage {

using device_internal::kEvictPending;
using device_internal::kHlc;
using device_internal::kNextMutationId;
using device_internal::ParseBlob;
using device_internal::Use;


// ---- Reads ----

StatusOr<std::vector<v1::Mutation>> DeviceStore::OutboxBatch(uint64_t after, uint64_t through, size_t max_count,
                                                              size_t max_bytes) {
  std::vector<v1::Mutation> out;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("read outbox", [&]() -> Status {
    Use q(impl_->Stmt(
        "SELECT mutation_id, mutation FROM outbox WHERE mutation_id > ? AND mutation_id <= ? "
        "ORDER BY mutation_id LIMIT ?"));
    q->bind(1, I64(after));
    q->bind(2, I64(through));
    q->bind(3, static_cast<int64_t>(std::max<size_t>(max_count, 1)));
    size_t bytes = 0;
    while (q->executeStep()) {
      // As the request carries it: with its tag and length.
      size_t size = core::DelimitedBytes(static_cast<size_t>(q->getColumn(1).getBytes()));
      if (!out.empty() && bytes + size > max_bytes) break;
      v1::Mutation m;
      if (!ParseBlob(q->getColumn(1), &m))
        return DataLoss("corrupt outbox row " + std::to_string(q->getColumn(0).getInt64()));
      bytes += size;
      out.push_back(std::move(m));
    }
    return Status::Ok();
  }));
  return out;
}

StatusOr<uint64_t> DeviceStore::OutboxCount() {
  uint64_t n = 0;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("count outbox", [&]() -> Status {
    Use q(impl_->Stmt("SELECT COUNT(*) FROM outbox"));
    q->executeStep();
    n = U64(q->getColumn(0));
    return Status::Ok();
  }));
  return n;
}

StatusOr<uint64_t> DeviceStore::AckThrough() {
  uint64_t ack = 0;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("read ack", [&]() -> Status {
    ack = impl_->CurrentAck();
    // Results stored since the last fdatasync are not acknowledged yet: the
    // server forgets what it is acknowledged, and a power cut could still
    // take them (the mutations would then go out again, and only the
    // server's ledger can answer them).
    if (impl_->deferred && impl_->ack_snapshot) ack = std::min(ack, impl_->durable_ack);
    return Status::Ok();
  }));
  return ack;
}

StatusOr<std::vector<DeadLetter>> DeviceStore::ListRejected() {
  std::vector<DeadLetter> out;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("list rejected", [&]() -> Status {
    Use q(impl_->Stmt(
        "SELECT mutation_id, mutation, reject_code, reason, rejected_at_ms FROM rejected ORDER BY mutation_id"));
    while (q->executeStep()) {
      DeadLetter d;
      if (!ParseBlob(q->getColumn(1), &d.mutation))
        return DataLoss("corrupt dead letter " + std::to_string(q->getColumn(0).getInt64()));
      int code = q->getColumn(2).getInt();
      d.code = v1::RejectCode_IsValid(code) ? static_cast<v1::RejectCode>(code) : v1::REJECT_CODE_UNSPECIFIED;
      d.reason = q->getColumn(3).getString();
      d.rejected_at_ms = q->getColumn(4).getInt64();
      out.push_back(std::move(d));
    }
    return Status::Ok();
  }));
  return out;
}

// ---- Writes ----

// Moves a rejected mutation to the dead letter (inside the caller's transaction).
DeadLetter DeviceStore::Impl::StoreDeadLetter(const v1::Mutation& m, const v1::MutationResult& r, int64_t now_ms) {
  DeadLetter d;
  d.mutation = m;
  d.code = r.reject_code();
  d.reason = r.reason().empty() ? "rejected by the server without a reason" : r.reason();
  d.rejected_at_ms = now_ms;
  std::string blob = m.SerializeAsString();
  Use q(Stmt(
      "INSERT OR REPLACE INTO rejected (mutation_id, collection, record_id, mutation, reject_code, reason, "
      "rejected_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  q->bind(1, I64(m.mutation_id()));
  q->bind(2, m.collection());
  q->bind(3, m.record_id());
  q->bind(4, blob.data(), static_cast<int>(blob.size()));
  q->bind(5, static_cast<int>(d.code));
  q->bind(6, d.reason);
  q->bind(7, static_cast<int64_t>(now_ms));
  q->exec();
  return d;
}


Status DeviceStore::AppendMutation(const v1::Mutation& m, uint64_t hlc) { return AppendMutations({m}, hlc); }

Status DeviceStore::AppendMutations(const std::vector<v1::Mutation>& ms, uint64_t hlc,
                                    const AttachmentUpload* upload) {
  if (ms.empty() && upload == nullptr) return Status::Ok();
  uint64_t new_hlc = std::max(impl_->hlc, hlc);
  for (size_t i = 0; i < ms.size(); ++i) {
    const uint64_t expected = impl_->next_mutation_id + i;
    if (ms[i].mutation_id() != expected)
      return Internal("mutation_id " + std::to_string(ms[i].mutation_id()) + " is out of order; next is " +
                      std::to_string(expected));
    new_hlc = std::max(new_hlc, ms[i].hlc());
  }
  const uint64_t next_id = ms.empty() ? impl_->next_mutation_id : ms.back().mutation_id() + 1;
  const int64_t rows_before = impl_->outbox_rows;
  Status st = Guard("append mutation", [&]() -> Status {
    impl_->outbox_rows = rows_before;
    impl_->SetNormal(false);  // a local edit is durable when this returns: synchronous=FULL
    SQLite::Transaction txn(*impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    std::string blob;
    for (const v1::Mutation& m : ms) {
      m.SerializeToString(&blob);
      Use q(impl_->Stmt(
          "INSERT INTO outbox (mutation_id, collection, record_id, hlc, mutation) VALUES (?, ?, ?, ?, ?)"));
      q->bind(1, I64(m.mutation_id()));
      q->bind(2, m.collection());
      q->bind(3, m.record_id());
      q->bind(4, I64(m.hlc()));
      q->bind(5, blob.data(), static_cast<int>(blob.size()));
      q->exec();
      ++impl_->outbox_rows;
    }
    impl_->PutKv(kNextMutationId, I64(next_id));
    impl_->PutKv(kHlc, I64(new_hlc));
    std::set<std::pair<std::string, std::string>> records;
    for (const v1::Mutation& m : ms) records.emplace(m.collection(), m.record_id());
    for (const auto& [collection, id] : records) impl_->Recompute(collection, id);
    if (upload != nullptr) impl_->attachments->QueueInTransaction(*upload);
    txn.commit();
    return Status::Ok();
  });
  if (!st.ok()) {
    impl_->outbox_rows = rows_before;  // rolled back
    return st;
  }
  // Only after the commit: a failed transaction leaves the cache as it was.
  // The commit's fdatasync of the WAL made every deferred commit before it
  // durable too.
  impl_->deferred = false;
  impl_->ack_snapshot = false;
  impl_->next_mutation_id = next_id;
  impl_->hlc = new_hlc;
  return Status::Ok();
}

StatusOr<PushApplied> DeviceStore::ApplyPushResults(const std::vector<v1::MutationResult>& results, uint64_t hlc,
                                                    int64_t now_ms) {
  PushApplied applied;
  uint64_t new_hlc = std::max(impl_->hlc, hlc);
  const int64_t rows_before = impl_->outbox_rows;
  bool evict_check = false;  // a stored record lies outside the synced scope
  Status st = Guard("store push results", [&]() -> Status {
    applied = PushApplied();
    evict_check = false;
    impl_->outbox_rows = rows_before;
    // What the disk holds is acknowledged until MakeDurable (AckThrough).
    if (!impl_->ack_snapshot) {
      impl_->durable_ack = impl_->CurrentAck();
      impl_->ack_snapshot = true;
    }
    DeferredCommit deferred(*impl_);
    SQLite::Transaction txn(*impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    // Per record the batch answered: the server state it stored last (the
    // record's current server row, since older versions are never stored
    // over newer ones), or null.
    std::map<std::pair<std::string, std::string>, const v1::Record*> touched;
    for (size_t i = 0; i < results.size(); ++i) {
      const v1::MutationResult& r = results[i];
      switch (r.outcome()) {
        case v1::APPLIED:
        case v1::MERGED:
        case v1::CONFLICT:
        case v1::REJECTED:
          break;
        default:
          continue;  // an outcome this build does not know: keep the mutation and re-send it later
      }
      std::string collection, record_id;
      v1::Mutation m;  // parsed only for a dead letter
      {
        Use q(impl_->Stmt("SELECT collection, record_id, mutation FROM outbox WHERE mutation_id = ?"));
        q->bind(1, I64(r.mutation_id()));
        if (!q->executeStep()) continue;  // already processed (a duplicate answer)
        collection = q->getColumn(0).getString();
        record_id = q->getColumn(1).getString();
        if (r.outcome() == v1::REJECTED && !ParseBlob(q->getColumn(2), &m))
          return DataLoss("corrupt outbox row " + std::to_string(r.mutation_id()));
      }
      {
        Use q(impl_->Stmt("DELETE FROM outbox WHERE mutation_id = ?"));
        q->bind(1, I64(r.mutation_id()));
        q->exec();
      }
      --impl_->outbox_rows;
      const v1::Record*& stored = touched[{collection, record_id}];
      // Only a record that is the one the mutation names may become server state.
      if (r.has_record() && r.record().collection() == collection && r.record().id() == record_id &&
          impl_->UpsertServer(r.record())) {
        stored = &r.record();
        // A record of a scope the device never synced (it created it at a
        // site it was assigned to only between two scope pages) must be
        // checked by the next scope page, which may well equal the last one.
        if (!evict_check && impl_->OutsideSyncedScope(r.record())) evict_check = true;
      }
      if (r.outcome() == v1::REJECTED) applied.rejected.push_back(impl_->StoreDeadLetter(m, r, now_ms));
      applied.processed.push_back(i);
    }
    // A record with nothing left pending loses its view row (its view is
    // the server state now); one with more edits pending is folded again.
    for (const auto& [key, stored] : touched) impl_->Recompute(key.first, key.second, stored);
    impl_->PutKv(kHlc, I64(new_hlc));
    if (evict_check && !impl_->evict_pending) impl_->PutKv(kEvictPending, 1);
    txn.commit();
    return Status::Ok();
  });
  if (!st.ok()) {
    impl_->outbox_rows = rows_before;  // rolled back
    return st;
  }
  impl_->hlc = new_hlc;
  if (evict_check) impl_->evict_pending = true;
  return applied;
}

Status DeviceStore::DismissRejected(uint64_t mutation_id) {
  bool found = false;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("dismiss rejected", [&]() -> Status {
    Use q(impl_->Stmt("DELETE FROM rejected WHERE mutation_id = ?"));
    q->bind(1, I64(mutation_id));
    found = q->exec() > 0;
    return Status::Ok();
  }));
  if (!found) return NotFound("no rejected mutation " + std::to_string(mutation_id));
  return Status::Ok();
}

}  // namespace inspectsync::storage
