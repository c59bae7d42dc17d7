// SyncEngine, the pull half (sync_engine.h): planning a pull — the
// caller's scope, backfill of scopes gained — and reading it page by page,
// each page bounded by count and by bytes (byte_budgets.h).
#include <algorithm>
#include <iterator>

#include "core/ids.h"
#include "core/quote.h"
#include "server/byte_budgets.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

namespace {
constexpr int64_t kPullNoteIntervalMs = 60 * 1000;
// Past this many clients the throttle forgets them all (each then writes
// once more): bounds its memory whatever client ids callers make up.
constexpr size_t kMaxPullNotes = 100000;
}  // namespace

void SyncEngine::NotePull(const std::string& client_id, const Caller& caller) {
  if (!core::IsUuid(client_id)) return;  // as a push: only a device's UUID gets a row
  const int64_t now = options_.clock->NowMillis();
  {
    std::lock_guard<std::mutex> lock(pulls_mu_);
    auto it = pulls_noted_.find(client_id);
    if (it != pulls_noted_.end() && now >= it->second && now - it->second < kPullNoteIntervalMs) return;
    if (it == pulls_noted_.end() && pulls_noted_.size() >= kMaxPullNotes) pulls_noted_.clear();
    pulls_noted_[client_id] = now;
  }
  Status st = store_->Write([&](storage::ServerWriteTxn& txn) -> Status {
    return txn.NotePull(client_id, caller.device, caller.user, now);
  });
  if (st.ok()) NotifyCommitted();  // the head did not move; listeners look and find nothing new
}

StatusOr<PullPlan> SyncEngine::StartPull(const v1::PullRequest& req, const Caller& caller) {
  INSPECTSYNC_RETURN_IF_ERROR(CheckProtocol(req.protocol_version()));
  if (req.page_size() > options_.max_page_size)
    return InvalidArgument("page_size " + std::to_string(req.page_size()) + " exceeds the limit of " +
                           std::to_string(options_.max_page_size) + " (max_page_size)");
  for (const auto& c : req.collections())
    if (core::FindCollection(c) == nullptr)
      return InvalidArgument("unknown collection " + core::Quote(c) + "; this server knows: " + core::CollectionNames());
  if (req.synced_scope().keys_size() > options_.max_scope_keys)
    return InvalidArgument("synced_scope has " + std::to_string(req.synced_scope().keys_size()) +
                           " keys; the limit is " + std::to_string(options_.max_scope_keys) + " (max_scope_keys)");
  PullPlan plan;
  auto scope = ScopeOf(caller);
  if (!scope.ok()) return scope.status();
  plan.scope = std::move(*scope);
  NotePull(req.client_id(), caller);
  // The head is read after the scope: a record created after it is beyond
  // the head and comes with the next pull, under the scope of that pull.
  auto head = store_->Head();
  if (!head.ok()) return head.status();
  if (req.cursor() > *head)
    return FailedPrecondition("cursor " + std::to_string(req.cursor()) + " is ahead of the server's head " +
                              std::to_string(*head) +
                              "; the server's data was restored from an older state: resync this device from 0");
  plan.head = *head;
  plan.cursor = req.cursor();
  if (options_.max_call_ms > 0) plan.deadline_ms = options_.clock->NowMillis() + options_.max_call_ms;

  // Backfill: records at or below the cursor in scopes the device has not
  // synced (it gained them since). Reference data is never backfilled: every
  // device has synced it.
  // A request without synced_scope comes from a device that never tracked
  // scope (it predates it, or it is a tool reading a feed): nothing to backfill.
  Scope synced = Scope::FromProto(req.synced_scope());
  if (plan.cursor > 0 && req.has_synced_scope() && !synced.all) {
    plan.backfill.include_unscoped = false;
    if (plan.scope.all) {
      plan.backfill.mode = storage::ScopeFilter::kAllExcept;
      plan.backfill.keys = synced.keys;
      plan.backfilling = true;
    } else {
      plan.backfill.mode = storage::ScopeFilter::kOnly;
      std::set_difference(plan.scope.keys.begin(), plan.scope.keys.end(), synced.keys.begin(), synced.keys.end(),
                          std::back_inserter(plan.backfill.keys));
      plan.backfilling = !plan.backfill.keys.empty();
    }
  }
  return plan;
}

Status SyncEngine::ReadPage(const v1::PullRequest& req, PullPlan* plan, std::vector<storage::StoredRecord>* rows,
                            bool* more) {
  if (plan->deadline_ms != 0 && options_.clock->NowMillis() > plan->deadline_ms)
    return Status(StatusCode::kDeadlineExceeded,
                  "the pull ran longer than the server's limit of " + std::to_string(options_.max_call_ms / 1000) +
                      " s per call (max_call_ms); the pages received are kept, pull again to resume");
  storage::ChangeQuery q;
  q.limit = req.page_size() ? req.page_size() : options_.default_page_size;
  q.collections.assign(req.collections().begin(), req.collections().end());
  if (plan->backfilling) {
    q.after = plan->backfill_after;
    q.upto = plan->cursor;
    q.scope = plan->backfill;  // the device's own writes too: it dropped them with the scope
  } else {
    q.after = plan->cursor;
    q.upto = plan->head;
    // The device already holds the versions it wrote (from its push results):
    // don't stream them back. A page then may cover more versions than it holds.
    q.skip_client = req.client_id();
    if (!plan->scope.all) {
      q.scope.mode = storage::ScopeFilter::kOnly;
      q.scope.keys = plan->scope.keys;
    }
  }
  size_t limit = q.limit;
  q.limit = limit + 1;
  // Bounded by bytes too, the page's other fields counted (byte_budgets.h);
  // the store stops reading once past it.
  const size_t budget = PageRecordBudget(
      options_.max_page_bytes, !plan->backfilling && !plan->scope_sent ? &plan->scope : nullptr);
  q.max_bytes = budget;
  rows->reserve(limit + 1);
  INSPECTSYNC_RETURN_IF_ERROR(store_->ReadChanges(q, rows));
  rows->resize(FitPage(*rows, limit, budget, more));
  return Status::Ok();
}

// The page's fields other than its records, and where the plan goes next.
// `Page` is v1::PullResponse or its wire twin v1::PullPageOut.
template <class Page>
void SyncEngine::FinishPage(PullPlan* plan, uint64_t last_version, bool more, Page* page) {
  page->set_head(plan->head);
  page->set_server_hlc(hlc_.Now());
  if (plan->backfilling) {
    // The cursor stays: the feed after it has not been sent yet.
    page->set_next_cursor(plan->cursor);
    page->set_has_more(true);
    page->set_backfill(true);
    if (more) {
      plan->backfill_after = last_version;
    } else {
      plan->backfilling = false;
    }
    return;
  }
  if (!plan->scope_sent) {
    plan->scope.ToProto(page->mutable_scope());
    plan->scope_sent = true;
  }
  page->set_has_more(more);
  page->set_next_cursor(more ? last_version : plan->head);
  if (more) {
    plan->cursor = last_version;
  } else {
    plan->done = true;
  }
}

StatusOr<v1::PullResponse> SyncEngine::NextPage(const v1::PullRequest& req, PullPlan* plan) {
  std::vector<storage::StoredRecord> rows;
  bool more = false;
  INSPECTSYNC_RETURN_IF_ERROR(ReadPage(req, plan, &rows, &more));
  v1::PullResponse page;
  for (const auto& row : rows) INSPECTSYNC_RETURN_IF_ERROR(ToWireRecord(row, page.add_records()));
  FinishPage(plan, rows.empty() ? 0 : rows.back().version, more, &page);
  return page;
}

Status SyncEngine::NextPageOut(const v1::PullRequest& req, PullPlan* plan, v1::PullPageOut* page) {
  page->Clear();
  std::vector<storage::StoredRecord> rows;
  bool more = false;
  INSPECTSYNC_RETURN_IF_ERROR(ReadPage(req, plan, &rows, &more));
  uint64_t last = rows.empty() ? 0 : rows.back().version;
  page->mutable_records()->Reserve(static_cast<int>(rows.size()));
  for (auto& row : rows) INSPECTSYNC_RETURN_IF_ERROR(ToRecordOut(std::move(row), page->add_records()));
  FinishPage(plan, last, more, page);
  return Status::Ok();
}

}  // namespace inspectsync::server
