// Shared SQLite plumbing for the server and device stores: opening with the
// production pragmas, versioned migrations, and turning SQLiteCpp exceptions
// into Status at the storage boundary. (The WAL checkpointer both use is
// storage/wal_checkpointer.h.)
#ifndef INSPECTSYNC_STORAGE_SQLITE_UTIL_H_
#define INSPECTSYNC_STORAGE_SQLITE_UTIL_H_

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "inspectsync/status.h"

namespace inspectsync::storage {

// Opens `path` read-write (creating it), WAL, synchronous FULL (or NORMAL),
// a busy timeout, and foreign keys on.
StatusOr<std::unique_ptr<SQLite::Database>> OpenDatabase(const std::string& path, bool synchronous_full = true);

// Applies migrations[user_version..] in order, each in its own transaction,
// bumping PRAGMA user_version. A database newer than this build is refused.
Status Migrate(SQLite::Database& db, const std::vector<std::string>& migrations, const std::string& what);

// Row helpers. SQLite integers are signed 64-bit; ids, versions, cursors and
// HLCs stay far below 2^63.
inline int64_t I64(uint64_t v) { return static_cast<int64_t>(v); }
inline uint64_t U64(const SQLite::Column& c) { return static_cast<uint64_t>(c.getInt64()); }
// A BLOB column's bytes.
inline std::string Blob(const SQLite::Column& c) {
  return std::string(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes()));
}

// Runs `fn`, converting SQLiteCpp / std exceptions to a Status naming `what`:
// busy -> UNAVAILABLE, full -> RESOURCE_EXHAUSTED, corrupt -> DATA_LOSS,
// cannot open / read-only -> FAILED_PRECONDITION, else INTERNAL.
Status Guard(const char* what, const std::function<Status()>& fn);

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_SQLITE_UTIL_H_
