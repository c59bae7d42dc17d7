#include "tests/sdk/fake_server.h"

#include <algorithm>

#include "core/hlc.h"
#include "core/ids.h"
#include "core/merge.h"
#include "core/patch.h"
#include "core/schema.h"
#include "core/validate.h"

namespace inspectsync::testing {

namespace {
constexpr char kOtherDevice[] = "00000000-0000-7000-8000-0000000000ff";

v1::MutationResult Rejected(const v1::Mutation& m, v1::RejectCode code, std::string reason) {
  v1::MutationResult r;
  r.set_mutation_id(m.mutation_id());
  r.set_outcome(v1::REJECTED);
  r.set_reject_code(code);
  r.set_reason(std::move(reason));
  return r;
}
}  // namespace

void FakeServer::CommitLocked(v1::Record* rec, const std::string& device, uint64_t hlc) {
  rec->set_version(++seq_);
  rec->mutable_meta()->set_device_id(device);
  rec->mutable_meta()->set_hlc(hlc);
}

v1::MutationResult FakeServer::ApplyLocked(const v1::Mutation& m) {
  if (auto it = forced_rejects_.find(m.mutation_id()); it != forced_rejects_.end() && m.client_id() != kOtherDevice)
    return Rejected(m, it->second.first, it->second.second);
  core::Rejection invalid = core::ValidateMutation(m, core::ValidationLimits(), clock_->NowMillis());
  if (!invalid.ok()) return Rejected(m, invalid.code, invalid.reason);
  const core::CollectionSpec* spec = core::FindCollection(m.collection());
  Key key(m.collection(), m.record_id());
  auto cur = records_.find(key);
  v1::MutationResult result;
  result.set_mutation_id(m.mutation_id());
  result.set_outcome(v1::APPLIED);

  switch (m.op()) {
    case v1::CREATE: {
      if (cur != records_.end()) return Rejected(m, v1::ALREADY_EXISTS, "record " + m.record_id() + " exists");
      v1::Record rec;
      rec.set_collection(m.collection());
      rec.set_id(m.record_id());
      *rec.mutable_body() = m.body();
      CommitLocked(&rec, m.client_id(), m.hlc());
      rec.mutable_meta()->set_created_version(rec.version());
      v1::FieldClocks clocks;
      clocks.set_created_hlc(m.hlc());
      clocks.set_created_device_id(m.client_id());
      clocks_[key] = clocks;
      records_[key] = rec;
      *result.mutable_record() = rec;
      break;
    }
    case v1::PATCH: {
      if (cur == records_.end()) return Rejected(m, v1::NOT_FOUND, "no record " + m.record_id());
      auto mask = core::ResolveMask(*spec, m.mask());
      core::MergeResult merged =
          core::MergePatch(*spec, spec->Get(cur->second.body()), clocks_[key], *mask, spec->Get(m.base_body()),
                           spec->Get(m.body()), core::Writer{m.hlc(), m.client_id()});
      if (merged.rejected) {
        v1::MutationResult r = Rejected(m, merged.reject_code, merged.reason);
        *r.mutable_record() = cur->second;
        return r;
      }
      v1::Record& rec = cur->second;
      spec->Mutable(rec.mutable_body())->CopyFrom(*merged.merged);
      rec.set_deleted(false);
      CommitLocked(&rec, m.client_id(), m.hlc());
      clocks_[key] = merged.clocks;
      if (!merged.conflicts.empty()) {
        result.set_outcome(v1::CONFLICT);
        for (const core::FieldConflict& fc : merged.conflicts) {
          v1::Conflict* c = result.add_conflicts();
          c->set_id(core::NewUuidV7());
          c->set_collection(m.collection());
          c->set_record_id(m.record_id());
          c->set_field(fc.field->field->name());
          c->set_policy(fc.field->policy);
          c->set_state(fc.state);
          spec->Mutable(c->mutable_base_value())->CopyFrom(*fc.base);
          spec->Mutable(c->mutable_winner_value())->CopyFrom(*fc.winner);
          spec->Mutable(c->mutable_loser_value())->CopyFrom(*fc.loser);
          c->set_version(rec.version());
        }
      } else if (merged.concurrent) {
        result.set_outcome(v1::MERGED);
      }
      *result.mutable_record() = rec;
      break;
    }
    case v1::DELETE: {
      if (cur == records_.end()) return Rejected(m, v1::NOT_FOUND, "no record " + m.record_id());
      cur->second.set_deleted(true);
      CommitLocked(&cur->second, m.client_id(), m.hlc());
      *result.mutable_record() = cur->second;
      break;
    }
    default:
      return Rejected(m, v1::INVALID, "bad op");
  }
  ++applied_[{m.client_id(), m.mutation_id()}];
  return result;
}

Status FakeServer::Push(const v1::PushRequest& request, v1::PushResponse* response) {
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pushes_.push_back(request);
    hook = push_hook_;
  }
  if (hook) hook();
  std::lock_guard<std::mutex> lock(mu_);
  if (!push_errors_.empty()) {
    Status st = push_errors_.front();
    push_errors_.pop_front();
    return st;
  }
  if (request.protocol_version() != 1) return FailedPrecondition("protocol version 1 only");
  response->Clear();
  for (const v1::Mutation& m : request.mutations()) {
    auto key = std::make_pair(m.client_id(), m.mutation_id());
    auto it = ledger_.find(key);
    if (it == ledger_.end()) it = ledger_.emplace(key, ApplyLocked(m)).first;
    *response->add_results() = it->second;
  }
  response->set_server_hlc(server_hlc_);
  if (lose_next_push_response_) {
    lose_next_push_response_ = false;
    response->Clear();
    return Unavailable("connection reset after the server committed");
  }
  return Status::Ok();
}

Status FakeServer::Pull(const v1::PullRequest& request,
                        const std::function<Status(const v1::PullResponse&)>& on_page) {
  std::vector<v1::PullResponse> pages;
  std::optional<std::pair<Status, int>> error;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pulls_.push_back(request);
    error = pull_error_;
    pull_error_.reset();
    std::vector<const v1::Record*> changed;
    for (const auto& [key, rec] : records_)
      if (rec.version() > request.cursor()) changed.push_back(&rec);
    std::sort(changed.begin(), changed.end(),
              [](const v1::Record* a, const v1::Record* b) { return a->version() < b->version(); });
    size_t page_size = request.page_size() ? request.page_size() : 500;
    size_t i = 0;
    do {
      v1::PullResponse page;
      page.set_head(seq_);
      page.set_server_hlc(server_hlc_);
      for (size_t n = 0; n < page_size && i < changed.size(); ++n, ++i) *page.add_records() = *changed[i];
      page.set_next_cursor(page.records_size() ? page.records(page.records_size() - 1).version() : request.cursor());
      page.set_has_more(i < changed.size());
      pages.push_back(std::move(page));
    } while (i < changed.size() && (max_pages_per_stream_ == 0 || static_cast<int>(pages.size()) < max_pages_per_stream_));
  }
  int sent = 0;
  for (const v1::PullResponse& page : pages) {
    if (error && sent == error->second) return error->first;
    INSPECTSYNC_RETURN_IF_ERROR(on_page(page));
    ++sent;
  }
  if (error) return error->first;
  return Status::Ok();
}

void FakeServer::FailNextPushes(std::vector<Status> errors) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& e : errors) push_errors_.push_back(std::move(e));
}
void FakeServer::LoseNextPushResponse() {
  std::lock_guard<std::mutex> lock(mu_);
  lose_next_push_response_ = true;
}
void FakeServer::FailNextPull(Status error, int pages_first) {
  std::lock_guard<std::mutex> lock(mu_);
  pull_error_ = std::make_pair(std::move(error), pages_first);
}
void FakeServer::RejectMutation(uint64_t mutation_id, v1::RejectCode code, std::string reason) {
  std::lock_guard<std::mutex> lock(mu_);
  forced_rejects_[mutation_id] = {code, std::move(reason)};
}
void FakeServer::SetMaxPagesPerStream(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  max_pages_per_stream_ = n;
}
void FakeServer::SetPushHook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  push_hook_ = std::move(hook);
}
void FakeServer::SetServerHlc(uint64_t hlc) {
  std::lock_guard<std::mutex> lock(mu_);
  server_hlc_ = hlc;
}

std::string FakeServer::OtherDeviceCreate(const v1::RecordBody& body, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  v1::Mutation m;
  m.set_client_id(kOtherDevice);
  m.set_mutation_id(static_cast<uint64_t>(++other_device_mutations_));
  m.set_collection(core::CollectionOf(body)->name());
  m.set_record_id(id.empty() ? core::NewUuidV7() : id);
  m.set_op(v1::CREATE);
  *m.mutable_body() = body;
  m.set_hlc(core::Hlc::Pack(clock_->NowMillis(), static_cast<uint32_t>(other_device_mutations_)));
  v1::MutationResult r = ApplyLocked(m);
  if (r.outcome() == v1::REJECTED) return "rejected: " + r.reason();
  return m.record_id();
}

void FakeServer::OtherDevicePatch(const std::string& collection, const std::string& id, const v1::RecordBody& values,
                                  const std::vector<std::string>& fields) {
  std::lock_guard<std::mutex> lock(mu_);
  const core::CollectionSpec* spec = core::FindCollection(collection);
  v1::Mutation m;
  m.set_client_id(kOtherDevice);
  m.set_mutation_id(static_cast<uint64_t>(++other_device_mutations_));
  m.set_collection(collection);
  m.set_record_id(id);
  m.set_op(v1::PATCH);
  m.set_base_version(records_[{collection, id}].version());
  for (const auto& f : fields) m.mutable_mask()->add_paths(f);
  auto mask = core::ResolveMask(*spec, m.mask());
  core::CopyFields(spec->Get(values), *mask, spec->Mutable(m.mutable_body()));
  core::CopyFields(spec->Get(records_[{collection, id}].body()), *mask, spec->Mutable(m.mutable_base_body()));
  m.set_hlc(core::Hlc::Pack(clock_->NowMillis(), static_cast<uint32_t>(other_device_mutations_)));
  ApplyLocked(m);
}

void FakeServer::OtherDeviceDelete(const std::string& collection, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  v1::Mutation m;
  m.set_client_id(kOtherDevice);
  m.set_mutation_id(static_cast<uint64_t>(++other_device_mutations_));
  m.set_collection(collection);
  m.set_record_id(id);
  m.set_op(v1::DELETE);
  m.set_hlc(core::Hlc::Pack(clock_->NowMillis(), static_cast<uint32_t>(other_device_mutations_)));
  ApplyLocked(m);
}

std::optional<v1::Record> FakeServer::Find(const std::string& collection, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find({collection, id});
  if (it == records_.end()) return std::nullopt;
  return it->second;
}
std::vector<v1::PushRequest> FakeServer::pushes() {
  std::lock_guard<std::mutex> lock(mu_);
  return pushes_;
}
std::vector<v1::PullRequest> FakeServer::pulls() {
  std::lock_guard<std::mutex> lock(mu_);
  return pulls_;
}
int FakeServer::applied_count(const std::string& client_id, uint64_t mutation_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = applied_.find({client_id, mutation_id});
  return it == applied_.end() ? 0 : it->second;
}
uint64_t FakeServer::seq() {
  std::lock_guard<std::mutex> lock(mu_);
  return seq_;
}

}  // namespace inspectsync::testing
