// Client::Conflicts: the conflicts of the tablet's records, read from the
// server (IntegrationService.ListConflicts, which narrows a tablet's query to
// its scope). Conflicts live on the server only: the device keeps the value
// the merge chose, so a person who lost an edit learns of it here.
#include <algorithm>
#include <chrono>
#include <mutex>

#include "client-sdk/src/client_impl.h"
#include "core/hlc.h"
#include "core/patch.h"
#include "core/schema.h"

namespace inspectsync {

namespace {

using Millis = std::chrono::milliseconds;

// The one field a conflict value holds, as text; a side that does not hold
// the field carries its empty value.
std::string ValueText(const v1::RecordBody& body, const std::string& field) {
  const core::CollectionSpec* spec = core::CollectionOf(body);
  if (spec == nullptr) return "";
  const core::FieldSpec* fs = spec->FindField(field);
  if (fs == nullptr) return "";
  return core::FieldToString(spec->Get(body), fs->field);
}

// Why the kept value won, in the words of DESIGN.md "Push".
std::string Why(const v1::Conflict& c) {
  if (c.field() == "deleted") return "an edit wins over a deletion: the record was kept";
  switch (c.policy()) {
    case v1::LWW: return "the later edit wins";
    case v1::LIFECYCLE: return "the status further along the lifecycle wins";
    case v1::MAX: return "the safer (higher) value wins";
    case v1::SET: return "both lists' additions and removals are kept";
    case v1::REVIEW: return "the later edit stands; a person should review it";
    default: return "settled by the field's merge rule";
  }
}

ConflictSide Side(const v1::RecordBody& value, const v1::VersionMeta& meta, const std::string& field,
                  const std::string& name) {
  ConflictSide s;
  s.value = field == "deleted" ? "" : ValueText(value, field);
  s.user_id = meta.author();
  s.user_name = name;
  s.device_id = meta.device_id();
  s.written_ms = core::Hlc::Millis(meta.hlc());
  return s;
}

ConflictInfo FromRow(const v1::ConflictRow& row) {
  const v1::Conflict& c = row.conflict();
  ConflictInfo out;
  out.id = c.id();
  out.collection = c.collection();
  out.record_id = c.record_id();
  out.record_title = row.record_title();
  out.site_id = row.site_id();
  out.site_code = row.site_code();
  out.site_name = row.site_name();
  out.zone_id = row.zone_id();
  out.zone_name = row.zone_name();
  out.field = c.field();
  out.policy = c.policy();
  out.why = Why(c);
  out.kept = Side(c.winner_value(), c.winner(), c.field(), row.winner_name());
  out.lost = Side(c.loser_value(), c.loser(), c.field(), row.loser_name());
  if (c.field() == "deleted") {
    out.kept.value = "(kept)";
    out.lost.value = "(deleted)";
  }
  out.opened_ms = row.opened_ms();
  out.state = c.state();
  out.resolved_by = row.resolved_by();
  out.resolved_by_name = row.resolved_by_name();
  out.resolved_ms = row.resolved_ms();
  out.resolution_note = row.resolution_note();
  return out;
}

}  // namespace

StatusOr<std::vector<ConflictInfo>> Client::Impl::Conflicts(const ConflictsOptions& asked) {
  if (!transport)
    return FailedPrecondition("no sync server configured: conflicts are kept on the server; set "
                              "ClientOptions.server_address or .transport");
  // One deadline for the whole call, the wait for a running sync included.
  const auto deadline = std::chrono::steady_clock::now() + options.grpc.call_deadline;
  auto left = [&] { return std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now()); };
  std::unique_lock<std::timed_mutex> lock(sync_mu, std::defer_lock);
  if (!lock.try_lock_until(deadline))
    return Unavailable("a sync is still running; conflicts were not listed: try again when it is done");

  v1::ConflictQuery q;
  q.add_states(v1::CONFLICT_OPEN);
  q.add_states(v1::CONFLICT_AUTO_RESOLVED);
  if (asked.include_resolved) q.add_states(v1::CONFLICT_RESOLVED);
  std::vector<ConflictInfo> out;
  while (out.size() < asked.max_conflicts) {
    if (left() <= Millis(0)) return Unavailable("listing conflicts took longer than the call deadline; try again");
    q.set_page_size(static_cast<uint32_t>(std::min<size_t>(asked.max_conflicts - out.size(), 1000)));
    auto page = transport->ListConflicts(q, left());
    if (!page.ok()) {
      const Status& st = page.status();
      if (st.code() == StatusCode::kUnavailable || st.code() == StatusCode::kDeadlineExceeded)
        return Unavailable("cannot reach the sync server " +
                           (options.server_address.empty() ? std::string() : options.server_address + " ") +
                           "to list conflicts (they are kept on the server; this device is offline or the server is "
                           "down): " + st.message());
      return st;
    }
    for (const v1::ConflictRow& row : page->conflicts()) out.push_back(FromRow(row));
    if (page->next_page_token().empty()) break;
    q.set_page_token(page->next_page_token());
  }
  return out;
}

StatusOr<std::vector<ConflictInfo>> Client::Conflicts(const ConflictsOptions& options) {
  return impl_->Conflicts(options);
}

}  // namespace inspectsync
