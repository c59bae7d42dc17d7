// Shared SQLite plumbing for the server and device stores: opening with the
// production pragmas, versioned migrations, and turning SQLiteCpp exceptions
// into Status at the storage boundary. (The WAL checkpointer both use is
// storage/wal_checkpointer.h.)
#ifndef INSPECTSYNC_STORAGE_SQLITE_UTIL_H_
#define INSPECTSYNC_STORAGE_SQLITE_UTIL_H_

#include <SQLiteCpp/SQLiteCpp.h>

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

// Runs `fn`, converting SQLiteCpp / std exceptions to a Status naming `what`.
Status Guard(const char* what, const std::function<Status()>& fn);

// Maps a SQLite error to a status code (busy -> UNAVAILABLE, full -> RESOURCE_EXHAUSTED,
// corrupt -> DATA_LOSS, else INTERNAL).
Status FromSqliteError(const SQLite::Exception& e, const char* what);

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_SQLITE_UTIL_H_
