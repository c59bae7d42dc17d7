// ConsumerStore: the change feed's named, durable consumer cursors (issue 8;
// proto/inspectsync/v1/integration.proto, WatchChanges and AckCursor). A
// consumer is an office system reading the feed; its cursor is the commit seq
// up to which it has processed every change, so after any disconnect or
// restart (its own or the server's) it resumes with no gap and no repeat.
//
// Thread-safety: safe to call from several threads.
#ifndef INSPECTSYNC_STORAGE_CONSUMER_STORE_H_
#define INSPECTSYNC_STORAGE_CONSUMER_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inspectsync/status.h"

namespace inspectsync::storage {

struct ConsumerRow {
  std::string name;
  uint64_t cursor = 0;
  int64_t updated_ms = 0;
  std::string updated_by;
};

class ConsumerStore {
 public:
  virtual ~ConsumerStore() = default;
  virtual StatusOr<std::optional<ConsumerRow>> Get(const std::string& name) = 0;
  // Stores row.cursor for row.name (creating the consumer). Moving a cursor
  // back is FAILED_PRECONDITION unless `rewind`; the stored row is returned.
  virtual StatusOr<ConsumerRow> Ack(const ConsumerRow& row, bool rewind) = 0;
  // Every consumer, by name.
  virtual Status List(std::vector<ConsumerRow>* out) = 0;
};

// Over its own connection to the server store's file (tables of migration 9).
StatusOr<std::unique_ptr<ConsumerStore>> OpenSqliteConsumerStore(const std::string& path, bool synchronous_full);

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_CONSUMER_STORE_H_
