// Creates under ids the office chooses (core::TemplateRecordId for template
// versions, core::ImportRecordId for imported zones, sites, users and
// spot-check assignments), so that running an import or a draw again is
// idempotent: records the device already holds are counted, not re-created.
#ifndef INSPECTSYNC_TOOLS_DEVICE_CREATES_H_
#define INSPECTSYNC_TOOLS_DEVICE_CREATES_H_

#include <cstddef>
#include <vector>

#include "inspectsync/client.h"

namespace inspectsync::tools {

struct CreatesDone {
  size_t created = 0;
  size_t already_there = 0;  // the device already holds a live record with that id
};

// Creates every edit whose id the device does not hold yet, in ONE local
// transaction through Client::Apply (checked as any local edit, all or
// none). REQUIRES: every edit is a kCreate with an id.
StatusOr<CreatesDone> CreateNew(Client& client, const std::vector<Edit>& creates);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_DEVICE_CREATES_H_
