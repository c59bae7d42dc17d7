// SHIM (issue 6) until Client::Apply lands on main (being implemented in the
// SDK concurrently): creates records under ids the caller chooses, in ONE
// device-database transaction, through the device's outbox like any local
// edit (so it works offline and syncs later). The SDK today can only create
// under fresh ids, but a template version must have core::TemplateRecordId's
// id, and imported zones, sites and users get ids derived from their codes
// (core::ImportRecordId) so a re-import is idempotent.
//
// Replace with `client.Apply(edits)` (Edit::Op::kCreate with an id) once it
// links: the arguments are already Edits.
#ifndef INSPECTSYNC_TOOLS_DEVICE_CREATES_H_
#define INSPECTSYNC_TOOLS_DEVICE_CREATES_H_

#include <cstddef>
#include <string>
#include <vector>

#include "inspectsync/client.h"

namespace inspectsync::tools {

struct CreatesDone {
  size_t created = 0;
  size_t already_there = 0;  // the device already holds a live record with that id
};

// Validates every create as the SDK would (core::ValidateMutation), then
// appends all new ones in one transaction, all or none. INVALID_ARGUMENT
// naming the edit for a bad one (nothing written).
// REQUIRES: every edit is a kCreate with an id; no Client has `db_path` open
// (the SDK caches the device's counters).
StatusOr<CreatesDone> CreateWithIds(const std::string& db_path, const std::vector<Edit>& creates);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_DEVICE_CREATES_H_
