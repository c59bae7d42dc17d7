#include "server/byte_budgets.h"

#include <algorithm>
#include <set>

#include "core/record_bounds.h"
#include "server/access.h"

namespace inspectsync::server {

namespace {

// PullResponse's fields besides records and scope, at their largest:
// next_cursor, has_more, head, server_hlc, backfill.
constexpr size_t kPageEnvelopeBytes = 3 * 11 + 2 * 2;
// PushResponse's server_hlc.
constexpr size_t kPushEnvelopeBytes = 11;

}  // namespace

size_t PageRecordBudget(size_t max_page_bytes, const Scope* scope) {
  size_t envelope = kPageEnvelopeBytes;
  if (scope != nullptr) {
    size_t set = scope->all ? 2 : 0;
    for (const std::string& key : scope->keys) set += core::DelimitedBytes(key.size());
    envelope += core::DelimitedBytes(set);
  }
  return max_page_bytes > envelope ? max_page_bytes - envelope : 1;
}

size_t FitPage(const std::vector<storage::StoredRecord>& rows, size_t limit, size_t budget, bool* more) {
  size_t take = 0, bytes = 0;
  for (; take < rows.size() && take < limit; ++take) {
    size_t b = storage::PageBytes(rows[take]);
    if (take > 0 && bytes + b > budget) break;
    bytes += b;
  }
  // A lone record over the budget (stored before the limits) made the read
  // stop at once: more may follow it.
  *more = rows.size() > take || bytes > budget;
  return take;
}

Status PushBudget::Admit(storage::ServerWriteTxn& txn, const v1::Mutation& first) {
  auto mark = txn.ResendFrom(first.client_id());
  if (!mark.ok()) return mark.status();
  if (*mark == 0) return Status::Ok();
  if (first.mutation_id() > *mark)
    return Status(StatusCode::kAborted,
                  "mutation " + std::to_string(*mark) + " of this client was not processed: an earlier response was "
                  "cut short to stay within the server's size limit; resend from mutation " + std::to_string(*mark) +
                  " (this push of " + std::to_string(first.mutation_id()) + " onwards changed nothing)");
  marks_[first.client_id()] = *mark;
  return Status::Ok();
}

bool PushBudget::Full(const v1::PushResponse& resp) {
  for (; counted_ < resp.results_size(); ++counted_)
    bytes_ += core::DelimitedBytes(resp.results(counted_).ByteSizeLong());
  return max_bytes_ != 0 && counted_ > 0 && bytes_ + kPushEnvelopeBytes >= max_bytes_;
}

Status PushBudget::Cut(storage::ServerWriteTxn& txn, const v1::PushRequest& req, int next,
                       const std::map<std::string, uint64_t>& last_applied) {
  std::set<std::string> done;
  for (int i = next; i < req.mutations_size(); ++i) {
    const v1::Mutation& m = req.mutations(i);
    if (done.count(m.client_id())) continue;
    uint64_t last;
    if (auto it = last_applied.find(m.client_id()); it != last_applied.end()) {
      last = it->second;
    } else {
      auto stored = txn.LastMutationId(m.client_id());
      if (!stored.ok()) return stored.status();
      last = *stored;
    }
    // Ids at or below `last` are answered from the ledger when re-sent; the
    // first above it is where the device must resume (ids grow per client).
    if (m.mutation_id() <= last) continue;
    done.insert(m.client_id());
    auto mark = txn.ResendFrom(m.client_id());
    if (!mark.ok()) return mark.status();
    uint64_t from = *mark != 0 ? std::min(*mark, m.mutation_id()) : m.mutation_id();
    if (from != *mark) INSPECTSYNC_RETURN_IF_ERROR(txn.SetResendFrom(m.client_id(), from));
  }
  return Status::Ok();
}

Status PushBudget::Processed(storage::ServerWriteTxn& txn, const v1::Mutation& m) {
  auto it = marks_.find(m.client_id());
  if (it == marks_.end() || m.mutation_id() < it->second) return Status::Ok();
  marks_.erase(it);
  return txn.SetResendFrom(m.client_id(), 0);
}

}  // namespace inspectsync::server
