// FakeServer: a tiny in-memory sync server behind the SDK's Transport seam.
// It follows the protocol closely enough to test the client's half: an
// idempotency ledger on (client_id, mutation_id), versions from one commit
// seq, three-way merge through core::MergePatch, paged pulls, tombstones.
// Knobs inject the failures a real network has (errors before or after the
// server applied a batch, streams cut short) and server-side edits by other
// devices. Every request is recorded for assertions.
//
// Thread-safety: safe to call from several threads.
#ifndef INSPECTSYNC_TESTS_SDK_FAKE_SERVER_H_
#define INSPECTSYNC_TESTS_SDK_FAKE_SERVER_H_

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "inspectsync/transport.h"

namespace inspectsync::testing {

class FakeServer : public Transport {
 public:
  explicit FakeServer(core::Clock* clock) : clock_(clock) {}

  Status Push(const v1::PushRequest& request, v1::PushResponse* response) override;
  Status Pull(const v1::PullRequest& request, const std::function<Status(const v1::PullResponse&)>& on_page) override;

  // ---- knobs (set before the call they affect) ----
  // The next Push calls fail with these before the server looks at them.
  void FailNextPushes(std::vector<Status> errors);
  // The next Push applies the batch, then the response is lost (UNAVAILABLE).
  void LoseNextPushResponse();
  // The next Pull calls fail with these after sending `pages_first` pages.
  void FailNextPull(Status error, int pages_first = 0);
  // Force REJECTED for a mutation id, with this code and reason.
  void RejectMutation(uint64_t mutation_id, v1::RejectCode code, std::string reason);
  // End each pull stream after this many pages even if more remain (0 = no limit).
  void SetMaxPagesPerStream(int n);
  // Called at the start of every Push, with no lock held (to race local writes).
  void SetPushHook(std::function<void()> hook);
  void SetServerHlc(uint64_t hlc);

  // ---- edits by "another device" ----
  std::string OtherDeviceCreate(const v1::RecordBody& body, const std::string& id = "");
  void OtherDevicePatch(const std::string& collection, const std::string& id, const v1::RecordBody& values,
                        const std::vector<std::string>& fields);
  void OtherDeviceDelete(const std::string& collection, const std::string& id);

  // ---- inspection ----
  std::optional<v1::Record> Find(const std::string& collection, const std::string& id);
  std::vector<v1::PushRequest> pushes();
  std::vector<v1::PullRequest> pulls();
  // How many times a (client, mutation_id) was applied (must never exceed 1).
  int applied_count(const std::string& client_id, uint64_t mutation_id);
  uint64_t seq();

 private:
  using Key = std::pair<std::string, std::string>;
  v1::MutationResult ApplyLocked(const v1::Mutation& m);
  void CommitLocked(v1::Record* rec, const std::string& device, uint64_t hlc);

  core::Clock* clock_;
  std::mutex mu_;
  uint64_t seq_ = 0;
  uint64_t server_hlc_ = 0;
  std::map<Key, v1::Record> records_;
  std::map<Key, v1::FieldClocks> clocks_;
  std::map<std::pair<std::string, uint64_t>, v1::MutationResult> ledger_;
  std::map<std::pair<std::string, uint64_t>, int> applied_;
  std::deque<Status> push_errors_;
  bool lose_next_push_response_ = false;
  std::optional<std::pair<Status, int>> pull_error_;
  std::map<uint64_t, std::pair<v1::RejectCode, std::string>> forced_rejects_;
  int max_pages_per_stream_ = 0;
  std::function<void()> push_hook_;
  std::vector<v1::PushRequest> pushes_;
  std::vector<v1::PullRequest> pulls_;
  int other_device_mutations_ = 0;
};

}  // namespace inspectsync::testing

#endif  // INSPECTSYNC_TESTS_SDK_FAKE_SERVER_H_
