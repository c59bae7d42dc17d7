#include "storage/server_store.h"

#include "core/record_bounds.h"

namespace inspectsync::storage {

size_t PageBytes(const StoredRecord& r) {
  return core::RecordElementBytes(r.collection.size(), r.id.size(), r.version, r.deleted, r.body.size(),
                                  r.meta.ByteSizeLong());
}

size_t FeedBytes(const FeedRow& r) {
  return core::ChangeElementBytes(r.collection.size(), r.id.size(), r.body.size(), r.meta.ByteSizeLong(),
                                  r.scope.size());
}

}  // namespace inspectsync::storage
