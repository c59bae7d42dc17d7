#include "storage/server_store_logic.h"

#include <algorithm>

namespace inspectsync::storage {

std::vector<std::string> ScopeKeysToRead(const ScopeFilter& filter) {
  std::vector<std::string> scopes;
  for (const auto& k : filter.keys)
    if (!k.empty()) scopes.push_back(k);  // "" is reference data: only with include_unscoped
  if (filter.include_unscoped) scopes.push_back("");
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  return scopes;
}

bool ParseStoredConflict(const std::string& body, int64_t opened_ms, v1::Conflict* out) {
  if (!out->ParseFromString(body)) return false;
  if (out->opened_ms() == 0) out->set_opened_ms(opened_ms);
  return true;
}

Status GroupCommit::Submit(const WriteFn& fn) {
  Write me;
  me.fn = &fn;
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (leading_) {
      cv_.wait(lock);
      continue;
    }
    leading_ = true;
    std::vector<Write*> group(queue_.begin(), queue_.end());
    queue_.clear();
    lock.unlock();
    run_(group);
    lock.lock();
    leading_ = false;
    for (Write* w : group) w->done = true;
    cv_.notify_all();
  }
  return me.result;
}

}  // namespace inspectsync::storage
