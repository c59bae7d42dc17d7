// Writes a record straight into a server store, past validation: a record
// stored before the limits existed (or by an older build that kept unknown
// fields), larger than any page budget. Tests that the product still moves
// past it use this; nothing else may write records this way.
#ifndef INSPECTSYNC_TESTS_TESTING_LEGACY_RECORD_H_
#define INSPECTSYNC_TESTS_TESTING_LEGACY_RECORD_H_

#include <string>

#include "inspectsync/v1/records.pb.h"
#include "storage/server_store.h"

namespace inspectsync::testing {

// A finding at `site` whose stored body carries `padding` bytes in a field
// this build does not know (number 99), as an old server kept them; returns
// the version it got.
inline StatusOr<uint64_t> WriteLegacyFinding(storage::ServerStore* store, const std::string& id,
                                             const std::string& site, size_t padding) {
  v1::Finding f;
  f.set_site_id(site);
  f.set_title("recorded before the size limits");
  f.set_status(v1::OPEN);
  f.GetReflection()->MutableUnknownFields(&f)->AddLengthDelimited(99, std::string(padding, 'L'));
  storage::StoredRecord rec;
  rec.collection = "findings";
  rec.id = id;
  rec.body = f.SerializeAsString();
  v1::FieldClocks clocks;
  clocks.set_created_hlc(1);
  clocks.set_created_device_id("legacy-device");
  rec.clocks = clocks.SerializeAsString();
  rec.meta.set_author("legacy-user");
  rec.meta.set_device_id("legacy-device");
  rec.meta.set_hlc(1);
  rec.scope = site;
  Status st = store->Write([&](storage::ServerWriteTxn& txn) -> Status {
    return txn.AppendVersion(&rec, "0190a000-0000-7000-8000-0000000001e9", 1, v1::CREATE);
  });
  if (!st.ok()) return st;
  return rec.version;
}

}  // namespace inspectsync::testing

#endif  // INSPECTSYNC_TESTS_TESTING_LEGACY_RECORD_H_
