// Byte budgets of what the engine sends: a pull page holds records until the
// next would pass EngineOptions::max_page_bytes (always at least one), and a
// push stops applying its batch once its response has reached that budget
// (always after at least one mutation).
//
// A push cut short leaves the tail of its batch unprocessed, with no result.
// The device sends it again — but a device pipelines its pushes (the next
// batch is on the wire while it stores this one's results), and the server
// answers any mutation id at or below a client's last applied one as
// "processed earlier". Applying that next batch would make the re-sent tail
// look processed: silent loss. So the cut marks, per client and in the same
// transaction, the first mutation it left unprocessed (ServerWriteTxn::
// SetResendFrom), and a later push of that client whose first mutation is
// beyond the mark is refused with ABORTED ("resend from mutation N"),
// changing nothing. The mark goes once that mutation is processed.
//
// Thread-safety: a PushBudget belongs to one push.
#ifndef INSPECTSYNC_SERVER_BYTE_BUDGETS_H_
#define INSPECTSYNC_SERVER_BYTE_BUDGETS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "inspectsync/status.h"
#include "inspectsync/v1/sync.pb.h"
#include "storage/server_store.h"

namespace inspectsync::server {

struct Scope;

// Bytes a pull page may spend on records: `max_page_bytes` less its other
// fields, and less the scope set when this page carries it (`scope`, or
// nullptr). At least 1: a page always holds one record.
size_t PageRecordBudget(size_t max_page_bytes, const Scope* scope);

// How many of `rows` (read with ChangeQuery::max_bytes = `budget`) fit a
// page of at most `limit` records and `budget` bytes — at least one — and
// whether rows may follow them.
size_t FitPage(const std::vector<storage::StoredRecord>& rows, size_t limit, size_t budget, bool* more);

class PushBudget {
 public:
  explicit PushBudget(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Called with the first mutation of each client in the push, before it is
  // processed: ABORTED, naming the mutation to resend from, when it is past
  // the client's resend mark.
  Status Admit(storage::ServerWriteTxn& txn, const v1::Mutation& first);
  // Whether `resp` has reached the budget (never before its first result).
  // Counts each result once, as it is added.
  bool Full(const v1::PushResponse& resp);
  // The push stops before mutation `next` of `req`: marks, per client, the
  // first mutation left that is not processed yet (`last_applied` holds the
  // last processed id of the clients seen so far).
  Status Cut(storage::ServerWriteTxn& txn, const v1::PushRequest& req, int next,
             const std::map<std::string, uint64_t>& last_applied);
  // `m` was processed now: the client's mark, if at or below it, goes.
  Status Processed(storage::ServerWriteTxn& txn, const v1::Mutation& m);

 private:
  size_t max_bytes_;  // 0 = no budget
  size_t bytes_ = 0;
  int counted_ = 0;
  std::map<std::string, uint64_t> marks_;  // pending marks of the clients admitted
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_BYTE_BUDGETS_H_
