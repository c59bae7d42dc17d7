// The row operations of one write of the SQLite server store, on the writer
// connection inside the group's transaction (sqlite_server_store.cc). Every
// statement here is prepared once (WriterStatements) unless it is rare.
#include <SQLiteCpp/SQLiteCpp.h>

#include "storage/sqlite_server_store_internal.h"
#include "storage/sqlite_util.h"

namespace inspectsync::storage::sqlite_server {

WriterStatements::WriterStatements(SQLite::Database& db)
    : database(db),
      // kRecordColumns' layout, body and meta left empty: GetRecord reads them from history.
      get_record(db, "SELECT collection, id, version, deleted, x'', clocks, x'', scope FROM records "
                     "WHERE collection=? AND id=?"),
      upsert_record(db,
                    "INSERT INTO records(collection, id, version, deleted, body, clocks, meta, last_client, scope) "
                    "VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(collection, id) DO UPDATE SET version=excluded.version, "
                    "deleted=excluded.deleted, body=excluded.body, clocks=excluded.clocks, meta=excluded.meta, "
                    "last_client=excluded.last_client"),
      insert_history(db,
                     "INSERT INTO history(seq, collection, id, deleted, body, meta, client_id, mutation_id, op) "
                     "VALUES(?,?,?,?,?,?,?,?,?)"),
      foreign_since(db, "SELECT 1 FROM history WHERE collection=? AND id=? AND seq>? AND client_id<>? LIMIT 1"),
      bodies_since(db, "SELECT body FROM history WHERE collection=? AND id=? AND seq>? AND client_id<>? ORDER BY seq"),
      last_mutation(db, "SELECT last_mutation_id, resend_from FROM clients WHERE client_id=?"),
      set_resend(db,
                 "INSERT INTO clients(client_id, last_mutation_id, resend_from) VALUES(?,0,?) ON CONFLICT(client_id) "
                 "DO UPDATE SET resend_from=excluded.resend_from"),
      client_device(db, "SELECT device FROM clients WHERE client_id=?"),
      bind_client(db,
                  "INSERT INTO clients(client_id, last_mutation_id, device) VALUES(?,0,?) ON CONFLICT(client_id) "
                  "DO UPDATE SET device=excluded.device WHERE device=''"),
      upsert_client(db,
                    "INSERT INTO clients(client_id, last_mutation_id, acked_through) VALUES(?,?,?) "
                    "ON CONFLICT(client_id) DO UPDATE SET last_mutation_id=MAX(last_mutation_id, "
                    "excluded.last_mutation_id), acked_through=MAX(acked_through, excluded.acked_through)"),
      get_results(db,
                  "SELECT last_mutation_id, results FROM push_results WHERE client_id=? AND last_mutation_id>=? "
                  "ORDER BY last_mutation_id LIMIT 1"),
      get_version(db, "SELECT collection, id, deleted, body, meta FROM history WHERE seq=?"),
      put_results(db, "INSERT OR REPLACE INTO push_results(client_id, last_mutation_id, results) VALUES(?,?,?)"),
      forget_results(db, "DELETE FROM push_results WHERE client_id=? AND last_mutation_id<=?"),
      get_conflict(db, "SELECT body, opened_ms FROM conflicts WHERE id=?"),
      writer_meta(db, "SELECT meta FROM history WHERE collection=? AND id=? AND client_id=? ORDER BY seq DESC"),
      insert_conflict(db,
                      "INSERT INTO conflicts(id, collection, record_id, field, state, version, body, opened_ms) "
                      "VALUES(?,?,?,?,?,?,?,?)"),
      note_push(db,
                "INSERT INTO clients(client_id, last_mutation_id, user_id, last_push_ms, accepted, rejected, "
                "last_reject_code, last_reject_reason, last_reject_ms) VALUES(?1,0,?2,?3,?4,?5,?6,?7,?8) "
                "ON CONFLICT(client_id) DO UPDATE SET user_id=excluded.user_id, last_push_ms=excluded.last_push_ms, "
                "accepted=accepted+excluded.accepted, rejected=rejected+excluded.rejected, "
                "last_reject_code=CASE WHEN excluded.rejected>0 THEN excluded.last_reject_code ELSE last_reject_code END, "
                "last_reject_reason=CASE WHEN excluded.rejected>0 THEN excluded.last_reject_reason "
                "ELSE last_reject_reason END, "
                "last_reject_ms=CASE WHEN excluded.rejected>0 THEN excluded.last_reject_ms ELSE last_reject_ms END"),
      note_pull(db,
                "INSERT INTO clients(client_id, last_mutation_id, user_id, last_pull_ms) VALUES(?1,0,?3,?4) "
                "ON CONFLICT(client_id) DO UPDATE SET user_id=excluded.user_id, last_pull_ms=excluded.last_pull_ms "
                "WHERE device='' OR device=?2") {}

// ---- Records and history ----

StatusOr<std::optional<StoredRecord>> SqliteWriteTxn::GetRecord(const std::string& collection,
                                                                const std::string& id) {
  std::optional<StoredRecord> out;
  Status st = Guard("read record", [&]() -> Status {
    // The records row, then (if there is one) its latest history row by
    // seq: a create's miss never touches history, a hit reads its row once
    // (kRecordColumns' two subqueries read it twice; a join costs a
    // create's miss more than that saves).
    auto& q = s_.get_record;
    Reset r{q};
    q.bind(1, collection);
    q.bind(2, id);
    if (!q.executeStep()) return Status::Ok();
    StoredRecord rec = RecordFromRow(q);
    Reset rv{s_.get_version};
    s_.get_version.bind(1, static_cast<int64_t>(rec.version));
    if (s_.get_version.executeStep()) {  // else as the subqueries gave: empty body and meta
      rec.body = Blob(s_.get_version.getColumn(3));
      rec.meta.ParseFromArray(s_.get_version.getColumn(4).getBlob(), s_.get_version.getColumn(4).getBytes());
    }
    out = std::move(rec);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Status SqliteWriteTxn::AppendVersion(StoredRecord* rec, const std::string& client_id, uint64_t mutation_id,
                                     v1::MutationOp op) {
  return Guard("append version", [&]() -> Status {
    uint64_t seq = (*next_seq_)++;
    rec->version = seq;
    (*touched_)[rec->collection] = seq;  // seqs only grow: the last is the newest
    if (rec->meta.created_version() == 0) rec->meta.set_created_version(seq);
    std::string meta = rec->meta.SerializeAsString();
    {
      Reset r{s_.insert_history};
      auto& q = s_.insert_history;
      q.bind(1, static_cast<int64_t>(seq));
      q.bind(2, rec->collection);
      q.bind(3, rec->id);
      q.bind(4, rec->deleted ? 1 : 0);
      q.bind(5, rec->body.data(), static_cast<int>(rec->body.size()));
      q.bind(6, meta.data(), static_cast<int>(meta.size()));
      q.bind(7, client_id);
      q.bind(8, static_cast<int64_t>(mutation_id));
      q.bind(9, static_cast<int>(op));
      q.exec();
    }
    Reset r{s_.upsert_record};
    auto& q = s_.upsert_record;
    q.bind(1, rec->collection);
    q.bind(2, rec->id);
    q.bind(3, static_cast<int64_t>(seq));
    q.bind(4, rec->deleted ? 1 : 0);
    q.bind(5, "", 0);  // body and meta: in history only (see kRecordColumns)
    q.bind(6, rec->clocks.data(), static_cast<int>(rec->clocks.size()));
    q.bind(7, "", 0);
    q.bind(8, client_id);
    q.bind(9, rec->scope);  // kept from the create: a record's scope never changes
    q.exec();
    return Status::Ok();
  });
}

StatusOr<bool> SqliteWriteTxn::HasForeignVersionsSince(const std::string& collection, const std::string& id,
                                                       uint64_t after_seq, const std::string& device_id) {
  bool found = false;
  Status st = Guard("read history", [&]() -> Status {
    Reset r{s_.foreign_since};
    s_.foreign_since.bind(1, collection);
    s_.foreign_since.bind(2, id);
    s_.foreign_since.bind(3, static_cast<int64_t>(after_seq));
    s_.foreign_since.bind(4, device_id);
    found = s_.foreign_since.executeStep();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return found;
}

Status SqliteWriteTxn::ForeignBodiesSince(const std::string& collection, const std::string& id, uint64_t after_seq,
                                          const std::string& client_id, std::vector<std::string>* out) {
  return Guard("read history", [&]() -> Status {
    Reset r{s_.bodies_since};
    s_.bodies_since.bind(1, collection);
    s_.bodies_since.bind(2, id);
    s_.bodies_since.bind(3, static_cast<int64_t>(after_seq));
    s_.bodies_since.bind(4, client_id);
    while (s_.bodies_since.executeStep()) out->push_back(Blob(s_.bodies_since.getColumn(0)));
    return Status::Ok();
  });
}

StatusOr<std::optional<v1::VersionMeta>> SqliteWriteTxn::WriterMeta(const std::string& collection,
                                                                    const std::string& id,
                                                                    const std::string& client_id, uint64_t hlc) {
  std::optional<v1::VersionMeta> out;
  Status st = Guard("read history", [&]() -> Status {
    // Prepared once: every conflict against a version already stored asks
    // (preparing it per call was ~30 % of recording a conflict).
    SQLite::Statement& q = s_.writer_meta;
    Reset r{q};
    q.bind(1, collection);
    q.bind(2, id);
    q.bind(3, client_id);
    while (q.executeStep()) {
      v1::VersionMeta meta;
      if (meta.ParseFromString(Blob(q.getColumn(0))) && meta.hlc() == hlc) {
        out = std::move(meta);
        break;
      }
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

StatusOr<std::optional<LedgerWriteTxn::HistoryVersion>> SqliteWriteTxn::ReadVersion(uint64_t seq) {
  std::optional<HistoryVersion> out;
  Status st = Guard("read ledger", [&]() -> Status {
    Reset r{s_.get_version};
    s_.get_version.bind(1, static_cast<int64_t>(seq));
    if (!s_.get_version.executeStep()) return Status::Ok();
    HistoryVersion v;
    v.collection = s_.get_version.getColumn(0).getString();
    v.id = s_.get_version.getColumn(1).getString();
    v.deleted = s_.get_version.getColumn(2).getInt() != 0;
    v.body = Blob(s_.get_version.getColumn(3));
    v.meta = Blob(s_.get_version.getColumn(4));
    out = std::move(v);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

// ---- Clients and the idempotency ledger's rows (server_ledger.h) ----

StatusOr<std::string> SqliteWriteTxn::BindClient(const std::string& client_id, const std::string& device) {
  std::string bound;
  Status st = Guard("bind client", [&]() -> Status {
    {
      Reset r{s_.bind_client};
      s_.bind_client.bind(1, client_id);
      s_.bind_client.bind(2, device);
      s_.bind_client.exec();
    }
    Reset r{s_.client_device};
    s_.client_device.bind(1, client_id);
    if (s_.client_device.executeStep()) bound = s_.client_device.getColumn(0).getString();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return bound;
}

Status SqliteWriteTxn::NotePush(const PushTally& t) {
  return Guard("note push", [&]() -> Status {
    auto& q = s_.note_push;
    Reset r{q};
    q.bind(1, t.client_id);
    q.bind(2, t.user_id);
    q.bind(3, static_cast<int64_t>(t.now_ms));
    q.bind(4, static_cast<int64_t>(t.accepted));
    q.bind(5, static_cast<int64_t>(t.rejected));
    q.bind(6, t.last_reject_code);
    q.bind(7, t.last_reject_reason);
    q.bind(8, static_cast<int64_t>(t.rejected > 0 ? t.now_ms : 0));
    q.exec();
    return Status::Ok();
  });
}

Status SqliteWriteTxn::NotePull(const std::string& client_id, const std::string& device, const std::string& user_id,
                                int64_t now_ms) {
  return Guard("note pull", [&]() -> Status {
    auto& q = s_.note_pull;
    Reset r{q};
    q.bind(1, client_id);
    q.bind(2, device);
    q.bind(3, user_id);
    q.bind(4, static_cast<int64_t>(now_ms));
    q.exec();
    return Status::Ok();
  });
}

StatusOr<LedgerWriteTxn::ClientRow> SqliteWriteTxn::ReadClient(const std::string& client_id) {
  ClientRow row;
  Status st = Guard("read ledger", [&]() -> Status {
    Reset r{s_.last_mutation};
    s_.last_mutation.bind(1, client_id);
    if (s_.last_mutation.executeStep()) {
      row.last_mutation_id = static_cast<uint64_t>(s_.last_mutation.getColumn(0).getInt64());
      row.resend_from = static_cast<uint64_t>(s_.last_mutation.getColumn(1).getInt64());
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return row;
}

Status SqliteWriteTxn::WriteResendFrom(const std::string& client_id, uint64_t mutation_id) {
  return Guard("write ledger", [&]() -> Status {
    Reset r{s_.set_resend};
    s_.set_resend.bind(1, client_id);
    s_.set_resend.bind(2, static_cast<int64_t>(mutation_id));
    s_.set_resend.exec();
    return Status::Ok();
  });
}

Status SqliteWriteTxn::RaiseClientMarks(const std::string& client_id, uint64_t last_mutation_id,
                                        uint64_t acked_through) {
  return Guard("write ledger", [&]() -> Status {
    Reset r{s_.upsert_client};
    s_.upsert_client.bind(1, client_id);
    s_.upsert_client.bind(2, static_cast<int64_t>(last_mutation_id));
    s_.upsert_client.bind(3, static_cast<int64_t>(acked_through));
    s_.upsert_client.exec();
    return Status::Ok();
  });
}

StatusOr<uint64_t> SqliteWriteTxn::ReadAckedThrough(const std::string& client_id) {
  uint64_t acked = 0;
  Status st = Guard("read ledger", [&]() -> Status {
    // Read only to explain a refused replay: rare, so not a cached statement.
    SQLite::Statement q(s_.database, "SELECT acked_through FROM clients WHERE client_id=?");
    q.bind(1, client_id);
    if (q.executeStep()) acked = static_cast<uint64_t>(q.getColumn(0).getInt64());
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return acked;
}

StatusOr<std::optional<LedgerWriteTxn::BatchRow>> SqliteWriteTxn::ReadBatchFrom(const std::string& client_id,
                                                                                uint64_t mutation_id) {
  std::optional<BatchRow> out;
  Status st = Guard("read ledger", [&]() -> Status {
    Reset r{s_.get_results};
    s_.get_results.bind(1, client_id);
    s_.get_results.bind(2, static_cast<int64_t>(mutation_id));
    if (!s_.get_results.executeStep()) return Status::Ok();
    out.emplace();
    out->last_mutation_id = static_cast<uint64_t>(s_.get_results.getColumn(0).getInt64());
    out->results = Blob(s_.get_results.getColumn(1));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Status SqliteWriteTxn::WriteBatch(const std::string& client_id, uint64_t last_mutation_id,
                                  const std::string& results) {
  return Guard("write ledger", [&]() -> Status {
    Reset r{s_.put_results};
    s_.put_results.bind(1, client_id);
    s_.put_results.bind(2, static_cast<int64_t>(last_mutation_id));
    s_.put_results.bind(3, results.data(), static_cast<int>(results.size()));
    s_.put_results.exec();
    return Status::Ok();
  });
}

Status SqliteWriteTxn::DeleteBatchesThrough(const std::string& client_id, uint64_t mutation_id) {
  return Guard("prune ledger", [&]() -> Status {
    Reset r{s_.forget_results};
    s_.forget_results.bind(1, client_id);
    s_.forget_results.bind(2, static_cast<int64_t>(mutation_id));
    s_.forget_results.exec();
    return Status::Ok();
  });
}

// ---- Conflicts ----

Status SqliteWriteTxn::AddConflict(const v1::Conflict& c) {
  return Guard("write conflict", [&]() -> Status {
    std::string blob = c.SerializeAsString();
    Reset r{s_.insert_conflict};
    auto& q = s_.insert_conflict;
    q.bind(1, c.id());
    q.bind(2, c.collection());
    q.bind(3, c.record_id());
    q.bind(4, c.field());
    q.bind(5, static_cast<int>(c.state()));
    q.bind(6, static_cast<int64_t>(c.version()));
    q.bind(7, blob.data(), static_cast<int>(blob.size()));
    q.bind(8, static_cast<int64_t>(c.opened_ms()));
    q.exec();
    return Status::Ok();
  });
}

StatusOr<std::optional<v1::Conflict>> SqliteWriteTxn::GetConflict(const std::string& id) {
  std::optional<v1::Conflict> out;
  Status st = Guard("read conflict", [&]() -> Status {
    SQLite::Statement& q = s_.get_conflict;
    Reset r{q};
    q.bind(1, id);
    if (!q.executeStep()) return Status::Ok();
    v1::Conflict c;
    if (!ParseStoredConflict(Blob(q.getColumn(0)), q.getColumn(1).getInt64(), &c))
      return DataLoss("stored conflict " + id + " is corrupt");
    out = std::move(c);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

// Conflict review is rare next to pushes: prepared per call.
Status SqliteWriteTxn::UpdateConflict(const v1::Conflict& c) {
  return Guard("write conflict", [&]() -> Status {
    std::string blob = c.SerializeAsString();
    SQLite::Statement q(s_.database, "UPDATE conflicts SET state=?, body=? WHERE id=?");
    q.bind(1, static_cast<int>(c.state()));
    q.bind(2, blob.data(), static_cast<int>(blob.size()));
    q.bind(3, c.id());
    if (q.exec() != 1) return NotFound("no conflict " + c.id());
    return Status::Ok();
  });
}

}  // namespace inspectsync::storage::sqlite_server
