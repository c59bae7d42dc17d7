// The DeviceStore: opening (migrations, the counters, the checkpointer) and
// deferred durability. storage/device_store_internal.h maps the other files.
#include "storage/device_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>

#include "storage/device_store_internal.h"
#include "storage/sqlite_util.h"

namespace inspectsync::storage {

using device_internal::kClientId;
using device_internal::kCursor;
using device_internal::kEvictPending;
using device_internal::kHlc;
using device_internal::kNextMutationId;
using device_internal::kScope;
using device_internal::ParseBlob;
using device_internal::Use;

// ---- Impl basics ----

void DeviceStore::Impl::SetNormal(bool on) {
  if (normal == on) return;
  db->exec(on ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
  normal = on;
}

uint64_t DeviceStore::Impl::CurrentAck() {
  Use q(Stmt("SELECT MIN(mutation_id) FROM outbox"));
  q->executeStep();
  return q->getColumn(0).isNull() ? next_mutation_id - 1 : U64(q->getColumn(0)) - 1;
}

SQLite::Statement& DeviceStore::Impl::Stmt(const char* sql) {
  auto& s = stmts[sql];
  if (!s) s = std::make_unique<SQLite::Statement>(*db, sql);
  return *s;
}

void DeviceStore::Impl::PutKv(const char* key, int64_t value) {
  Use q(Stmt("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  q->bind(1, key);
  q->bind(2, value);
  q->exec();
}

void DeviceStore::Impl::PutKv(const char* key, const std::string& value) {
  Use q(Stmt("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  q->bind(1, key);
  q->bind(2, value);
  q->exec();
}

void DeviceStore::Impl::Load(const std::string& new_client_id) {
  SQLite::Transaction txn(*db, SQLite::TransactionBehavior::IMMEDIATE);
  {
    Use q(Stmt("SELECT key, value FROM kv"));
    while (q->executeStep()) {
      std::string key = q->getColumn(0).getString();
      if (key == kClientId) client_id = q->getColumn(1).getString();
      if (key == kNextMutationId) next_mutation_id = U64(q->getColumn(1));
      if (key == kCursor) cursor = U64(q->getColumn(1));
      if (key == kHlc) hlc = U64(q->getColumn(1));
      if (key == kScope) has_scope = ParseBlob(q->getColumn(1), &scope);
      if (key == kEvictPending) evict_pending = q->getColumn(1).getInt64() != 0;
    }
  }
  if (client_id.empty()) {
    client_id = new_client_id;
    PutKv(kClientId, client_id);
  }
  // Belt and braces: never hand out an id or HLC at or below one in the outbox.
  uint64_t max_id = static_cast<uint64_t>(db->execAndGet("SELECT COALESCE(MAX(mutation_id), 0) FROM outbox").getInt64());
  uint64_t max_hlc = static_cast<uint64_t>(db->execAndGet("SELECT COALESCE(MAX(hlc), 0) FROM outbox").getInt64());
  outbox_rows = db->execAndGet("SELECT COUNT(*) FROM outbox").getInt64();
  next_mutation_id = std::max(next_mutation_id, max_id + 1);
  hlc = std::max(hlc, max_hlc);
  txn.commit();
}

// ---- Deferred durability ----

DeviceStore::DeferredCommit::DeferredCommit(Impl& s) : s_(s) {
  s_.SetNormal(true);
  s_.deferred = true;  // from here on, until MakeDurable, something may not be on the disk
}

DeviceStore::DeferredCommit::~DeferredCommit() {
  try {
    s_.SetNormal(false);
  } catch (...) {
    // `normal` stays true: AppendMutations sets FULL again before its
    // transaction (and fails rather than commit a local edit without it).
  }
}

Status DeviceStore::MakeDurable() {
  if (!impl_->deferred) return Status::Ok();
  // The WAL holds the deferred commits in order after every earlier one;
  // one fdatasync of it makes them all durable (what a FULL commit does, on
  // the same file handle, with the same flags).
  sqlite3_file* wal = nullptr;
  int rc = sqlite3_file_control(impl_->db->getHandle(), "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
  if (rc == SQLITE_OK && wal != nullptr && wal->pMethods != nullptr) rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK)
    return Status(StatusCode::kUnavailable,
                  std::string("make synced state durable: fsync of the WAL failed: ") + sqlite3_errstr(rc));
  impl_->deferred = false;
  impl_->ack_snapshot = false;
  return Status::Ok();
}

// ---- Opening, identity and counters ----

DeviceStore::DeviceStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DeviceStore::~DeviceStore() = default;

StatusOr<std::unique_ptr<DeviceStore>> DeviceStore::Open(const std::string& path, const std::string& new_client_id) {
  auto db = OpenDatabase(path, /*synchronous_full=*/true);
  if (!db.ok()) return db.status();
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  impl->attachments.reset(new DeviceAttachments(impl->db.get()));
  INSPECTSYNC_RETURN_IF_ERROR(Migrate(*impl->db, device_internal::Migrations(), "device database '" + path + "'"));
  INSPECTSYNC_RETURN_IF_ERROR(Guard("load device state", [&]() -> Status {
    impl->Load(new_client_id);
    return Status::Ok();
  }));
  if (path != ":memory:" && !path.empty()) {
    auto checkpointer = WalCheckpointer::Start(*impl->db, path);
    if (!checkpointer.ok()) return checkpointer.status();
    impl->checkpointer = std::move(*checkpointer);
  }
  return std::unique_ptr<DeviceStore>(new DeviceStore(std::move(impl)));
}

const v1::ScopeSet* DeviceStore::synced_scope() const { return impl_->has_scope ? &impl_->scope : nullptr; }

const std::string& DeviceStore::client_id() const { return impl_->client_id; }
uint64_t DeviceStore::next_mutation_id() const { return impl_->next_mutation_id; }
uint64_t DeviceStore::cursor() const { return impl_->cursor; }
uint64_t DeviceStore::last_hlc() const { return impl_->hlc; }
DeviceAttachments& DeviceStore::attachments() { return *impl_->attachments; }

}  // namespace inspectsync::storage
