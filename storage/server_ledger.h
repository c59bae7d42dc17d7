// LedgerWriteTxn: the idempotency ledger of a ServerWriteTxn, written once
// for every ServerStore implementation over a handful of row operations that
// the implementation provides in its own SQL.
//
// What it decides (the same whatever the database):
//   - results are kept slim: a result's record by key and version only (its
//     body and meta are those of that history version, read back on a
//     replay) and its conflicts by id only (the conflicts table holds each
//     whole); every push writes a small row instead of a third copy of the
//     body;
//   - the results of one client in one transaction are written as ONE ledger
//     row (a pb::LedgerBatch keyed by its last mutation id) at Flush(), with
//     the client's marks (last mutation id, acknowledgement mark) raised once:
//     two row writes per push instead of two per mutation;
//   - a replay of mutation m reads the client's first batch whose last id is
//     >= m (a client's ids only grow, so batches never overlap), and keeps
//     that batch for the next replayed id (replays come in id order);
//   - a mutation id at or below the last one is refused by RecordResult;
//   - ForgetResultsThrough drops whole batches only.
//
// Thread-safety: one transaction, one thread (as ServerWriteTxn).
#ifndef INSPECTSYNC_STORAGE_SERVER_LEDGER_H_
#define INSPECTSYNC_STORAGE_SERVER_LEDGER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "inspectsync/storage/ledger.pb.h"
#include "inspectsync/status.h"
#include "storage/server_store.h"

namespace inspectsync::storage {

class LedgerWriteTxn : public ServerWriteTxn {
 public:
  StatusOr<uint64_t> LastMutationId(const std::string& client_id) override;
  StatusOr<uint64_t> ResendFrom(const std::string& client_id) override;
  Status SetResendFrom(const std::string& client_id, uint64_t mutation_id) override;
  StatusOr<std::optional<v1::MutationResult>> StoredResult(const std::string& client_id,
                                                            uint64_t mutation_id) override;
  Status RecordResult(const std::string& client_id, uint64_t mutation_id, const v1::MutationResult& res) override;
  Status ForgetResultsThrough(const std::string& client_id, uint64_t mutation_id) override;
  StatusOr<uint64_t> AckedThrough(const std::string& client_id) override;

  // Writes the ledger rows and client marks that RecordResult and
  // ForgetResultsThrough noted. REQUIRES: called once, after the
  // transaction's work succeeded and before its commit.
  Status Flush();

 protected:
  // ---- Row operations: what an implementation provides, in its transaction ----
  struct ClientRow {
    uint64_t last_mutation_id = 0;
    uint64_t resend_from = 0;
  };
  // The client's row; zeros when it has none.
  virtual StatusOr<ClientRow> ReadClient(const std::string& client_id) = 0;
  // Sets the client's resend mark (creating its row).
  virtual Status WriteResendFrom(const std::string& client_id, uint64_t mutation_id) = 0;
  // Raises the client's last mutation id and acknowledgement mark to at
  // least these (creating its row); a mark never goes down.
  virtual Status RaiseClientMarks(const std::string& client_id, uint64_t last_mutation_id,
                                  uint64_t acked_through) = 0;
  // The client's stored acknowledgement mark (0 when it has no row). Rare:
  // read only to explain a refused replay.
  virtual StatusOr<uint64_t> ReadAckedThrough(const std::string& client_id) = 0;
  struct BatchRow {
    uint64_t last_mutation_id = 0;
    std::string results;  // a serialized pb::LedgerBatch
  };
  // The client's batch with the smallest last mutation id >= `mutation_id`.
  virtual StatusOr<std::optional<BatchRow>> ReadBatchFrom(const std::string& client_id, uint64_t mutation_id) = 0;
  // Stores (or replaces) the client's batch keyed by `last_mutation_id`.
  virtual Status WriteBatch(const std::string& client_id, uint64_t last_mutation_id, const std::string& results) = 0;
  // Drops the client's batches whose last mutation id is <= `mutation_id`.
  virtual Status DeleteBatchesThrough(const std::string& client_id, uint64_t mutation_id) = 0;
  struct HistoryVersion {
    std::string collection, id;
    bool deleted = false;
    std::string body, meta;  // serialized, as stored
  };
  // The history row with this seq, this transaction's included.
  virtual StatusOr<std::optional<HistoryVersion>> ReadVersion(uint64_t seq) = 0;

 private:
  // Reads the client's row once per transaction: its last id, and its
  // resend mark (kept in resend_, where a push asks for it next).
  StatusOr<uint64_t> LastMutationIdInStore(const std::string& client_id);
  // A slim result's record rebuilt from its history version.
  Status FillRecordFromHistory(v1::Record* rec);

  // Last mutation id per client written in this transaction (see Flush).
  std::map<std::string, uint64_t> last_ids_;
  // Results recorded in this transaction, per client: one ledger row each (Flush).
  std::map<std::string, pb::LedgerBatch> pending_;
  // Resend marks (ResendFrom) read or written in this transaction.
  std::map<std::string, uint64_t> resend_;
  // Acknowledgement marks raised in this transaction (ForgetResultsThrough).
  std::map<std::string, uint64_t> acked_;
  // The ledger row StoredResult read last (a replayed batch reads it once);
  // cached_client_ is empty when there is none.
  std::string cached_client_;
  uint64_t cached_first_ = 0, cached_last_ = 0;
  pb::LedgerBatch cached_;
};

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_SERVER_LEDGER_H_
