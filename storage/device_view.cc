// The device's view (what the app reads): FoldView, the one place a record's
// view row is derived (Impl::Recompute), and the reads of the view.
#include <SQLiteCpp/SQLiteCpp.h>

#include "core/edit.h"
#include "core/patch.h"
#include "core/schema.h"
#include "storage/device_store_internal.h"
#include "storage/sqlite_util.h"

namespace inspectsync::storage {

using device_internal::ParseBlob;
using device_internal::Use;

namespace {

// The columns a view read selects, joined with the record's server state for
// rows that keep their body there (schema v2 and v3 rows; v4 writes a view row
// only with its own body, and reads fall back to server_records without one).
constexpr char kViewFrom[] =
    " FROM local_view v LEFT JOIN server_records s ON s.collection = v.collection AND s.id = v.id";

// A view row's body: its own, or (empty) the server state's.
bool ParseViewBody(const SQLite::Column& body, const SQLite::Column& server_record, v1::RecordBody* out) {
  if (body.getBytes() > 0) return ParseBlob(body, out);
  if (server_record.isNull()) return false;
  v1::Record rec;
  if (!ParseBlob(server_record, &rec)) return false;
  *out = std::move(*rec.mutable_body());
  return true;
}

}  // namespace

std::optional<ViewRecord> FoldView(const std::string& collection, const std::string& id, const ViewRecord* server,
                                   const std::vector<v1::Mutation>& pending) {
  // The folding rules (update-vs-delete among them) are core's, the ones the
  // server applies; this only carries the view's own fields around them.
  std::optional<ViewRecord> view;
  core::FoldedRecord rec;
  if (server != nullptr) {
    view = *server;
    view->pending = false;
    rec.exists = true;
    rec.deleted = view->deleted;
    rec.body = std::move(view->body);
  }
  bool shown = false;
  for (const v1::Mutation& m : pending) shown |= core::FoldMutation(m, &rec);
  if (!rec.exists) return std::nullopt;  // edits of a record the device never had cannot show
  if (!view) {
    view.emplace();
    view->collection = collection;
    view->id = id;
  }
  view->body = std::move(rec.body);
  view->deleted = rec.deleted;
  if (shown) view->pending = true;
  return view;
}

// ---- Deriving a record's view (inside the caller's transaction) ----

bool DeviceStore::Impl::LoadServer(const std::string& collection, const std::string& id, ViewRecord* out) {
  Use q(Stmt("SELECT version, deleted, record FROM server_records WHERE collection = ? AND id = ?"));
  q->bind(1, collection);
  q->bind(2, id);
  if (!q->executeStep()) return false;
  v1::Record rec;
  if (!ParseBlob(q->getColumn(2), &rec)) throw std::runtime_error("corrupt server record " + collection + "/" + id);
  out->collection = collection;
  out->id = id;
  out->version = U64(q->getColumn(0));
  out->deleted = q->getColumn(1).getInt() != 0;
  out->pending = false;
  out->body = std::move(*rec.mutable_body());
  return true;
}

std::vector<v1::Mutation> DeviceStore::Impl::LoadPending(const std::string& collection, const std::string& id) {
  Use q(Stmt("SELECT mutation FROM outbox WHERE collection = ? AND record_id = ? ORDER BY mutation_id"));
  q->bind(1, collection);
  q->bind(2, id);
  std::vector<v1::Mutation> out;
  while (q->executeStep()) {
    out.emplace_back();
    if (!ParseBlob(q->getColumn(0), &out.back())) throw std::runtime_error("corrupt outbox row for " + id);
  }
  return out;
}

// `outbox_rows` makes the common case free: an initial sync, or a push that
// emptied the outbox.
bool DeviceStore::Impl::HasPending(const std::string& collection, const std::string& id) {
  if (outbox_rows == 0) return false;
  Use q(Stmt("SELECT 1 FROM outbox WHERE collection = ? AND record_id = ? LIMIT 1"));
  q->bind(1, collection);
  q->bind(2, id);
  return q->executeStep();
}

// A view row with its own body: the record has pending edits that show.
void DeviceStore::Impl::WriteView(const std::string& collection, const std::string& id, uint64_t version,
                                  bool deleted, const v1::RecordBody& body) {
  std::string blob = body.SerializeAsString();
  Use q(Stmt(
      "INSERT OR REPLACE INTO local_view (collection, id, version, deleted, pending, body) VALUES (?, ?, ?, ?, 1, ?)"));
  q->bind(1, collection);
  q->bind(2, id);
  q->bind(3, I64(version));
  q->bind(4, deleted ? 1 : 0);
  q->bind(5, blob.data(), static_cast<int>(blob.size()));
  q->exec();
}

// The record's view is its server state as stored (or nothing, without
// one): no view row (schema v4).
void DeviceStore::Impl::DropView(const std::string& collection, const std::string& id) {
  Use q(Stmt("DELETE FROM local_view WHERE collection = ? AND id = ?"));
  q->bind(1, collection);
  q->bind(2, id);
  q->exec();
}

// The one place a view is derived: server state with the pending mutations
// re-applied (FoldView). Only a view with pending edits that show gets a
// row of its own; otherwise the view is the server_records row and the
// record's view row goes. Invariant (schema v4): every local_view row
// belongs to a record with an outbox row, so an empty outbox means an empty
// local_view. `server` is the record's server state when the caller holds
// it in hand (it just stored it), which saves reading back and re-parsing
// what was just written.
void DeviceStore::Impl::Recompute(const std::string& collection, const std::string& id, const v1::Record* server) {
  if (!HasPending(collection, id)) {
    DropView(collection, id);
    return;
  }
  ViewRecord loaded;
  const ViewRecord* base = nullptr;
  if (server != nullptr) {
    loaded.collection = collection;
    loaded.id = id;
    loaded.version = server->version();
    loaded.deleted = server->deleted();
    loaded.body = server->body();
    base = &loaded;
  } else if (LoadServer(collection, id, &loaded)) {
    base = &loaded;
  }
  std::optional<ViewRecord> view = FoldView(collection, id, base, LoadPending(collection, id));
  if (!view || !view->pending) {
    DropView(collection, id);  // nothing that shows: the view is the server state (or nothing)
    return;
  }
  WriteView(collection, id, view->version, view->deleted, view->body);
}

// ---- Reads ----

StatusOr<std::optional<ViewRecord>> DeviceStore::GetView(const std::string& collection, const std::string& id) {
  std::optional<ViewRecord> out;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("read view", [&]() -> Status {
    static const std::string kSql =
        std::string("SELECT v.version, v.deleted, v.pending, v.body, s.record") + kViewFrom +
        " WHERE v.collection = ? AND v.id = ?";
    {
      Use q(impl_->Stmt(kSql.c_str()));
      q->bind(1, collection);
      q->bind(2, id);
      if (q->executeStep()) {
        out.emplace();
        out->collection = collection;
        out->id = id;
        out->version = U64(q->getColumn(0));
        out->deleted = q->getColumn(1).getInt() != 0;
        out->pending = q->getColumn(2).getInt() != 0;
        if (!ParseViewBody(q->getColumn(3), q->getColumn(4), &out->body))
          return DataLoss("corrupt view row " + collection + "/" + id);
        return Status::Ok();
      }
    }
    // No view row: the view is the server state (schema v4).
    Use q(impl_->Stmt("SELECT version, deleted, record FROM server_records WHERE collection = ? AND id = ?"));
    q->bind(1, collection);
    q->bind(2, id);
    if (!q->executeStep()) return Status::Ok();
    v1::Record rec;
    if (!ParseBlob(q->getColumn(2), &rec)) return DataLoss("corrupt server record " + collection + "/" + id);
    out.emplace();
    out->collection = collection;
    out->id = id;
    out->version = U64(q->getColumn(0));
    out->deleted = q->getColumn(1).getInt() != 0;
    out->pending = false;
    out->body = std::move(*rec.mutable_body());
    return Status::Ok();
  }));
  return out;
}

StatusOr<std::vector<ViewRecord>> DeviceStore::ListView(const std::string& collection) {
  std::vector<ViewRecord> out;
  INSPECTSYNC_RETURN_IF_ERROR(ForEachView(collection, [&](ViewRecord&& r) -> Status {
    out.push_back(std::move(r));
    return Status::Ok();
  }));
  return out;
}

Status DeviceStore::ForEachView(const std::string& collection, const std::function<Status(ViewRecord&&)>& fn) {
  return Guard("scan view", [&]() -> Status {
    // Two scans in id order (both tables are keyed by (collection, id)),
    // merged: a view row (pending edits, tombstones included) stands for its
    // record; every other record's view is its server row (schema v4).
    // SQLite's BINARY order of TEXT is std::string's order.
    static const std::string kViews = std::string("SELECT v.id, v.version, v.deleted, v.pending, v.body, s.record") +
                                      kViewFrom + " WHERE v.collection = ? ORDER BY v.id";
    Use views(impl_->Stmt(kViews.c_str()));
    Use servers(impl_->Stmt(
        "SELECT id, version, deleted, record FROM server_records WHERE collection = ? ORDER BY id"));
    views->bind(1, collection);
    servers->bind(1, collection);
    bool has_view = views->executeStep();
    bool has_server = servers->executeStep();
    std::string view_id = has_view ? views->getColumn(0).getString() : std::string();
    std::string server_id;
    while (has_view || has_server) {
      if (has_server) server_id = servers->getColumn(0).getString();
      const int order = !has_view ? 1 : !has_server ? -1 : view_id.compare(server_id);
      ViewRecord r;
      r.collection = collection;
      bool live = false;
      if (order <= 0) {  // the view row (and, if equal, the server row it stands for)
        live = views->getColumn(2).getInt() == 0;
        if (live) {
          r.id = view_id;
          r.version = U64(views->getColumn(1));
          r.pending = views->getColumn(3).getInt() != 0;
          if (!ParseViewBody(views->getColumn(4), views->getColumn(5), &r.body))
            return DataLoss("corrupt view row " + collection + "/" + view_id);
        }
        has_view = views->executeStep();
        if (has_view) view_id = views->getColumn(0).getString();
        if (order == 0) has_server = servers->executeStep();
      } else {
        live = servers->getColumn(2).getInt() == 0;
        if (live) {
          v1::Record rec;
          if (!ParseBlob(servers->getColumn(3), &rec))
            return DataLoss("corrupt server record " + collection + "/" + server_id);
          r.id = server_id;
          r.version = U64(servers->getColumn(1));
          r.body = std::move(*rec.mutable_body());
        }
        has_server = servers->executeStep();
      }
      if (live) INSPECTSYNC_RETURN_IF_ERROR(fn(std::move(r)));
    }
    return Status::Ok();
  });
}

StatusOr<uint64_t> DeviceStore::ServerVersion(const std::string& collection, const std::string& id) {
  uint64_t version = 0;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("read server version", [&]() -> Status {
    Use q(impl_->Stmt("SELECT version FROM server_records WHERE collection = ? AND id = ?"));
    q->bind(1, collection);
    q->bind(2, id);
    if (q->executeStep()) version = U64(q->getColumn(0));
    return Status::Ok();
  }));
  return version;
}

}  // namespace inspectsync::storage
