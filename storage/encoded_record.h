// Reading a pulled record's encoding without parsing it (private to
// storage/). The device store keeps a pulled record's encoding as it came
// (server_records.record is an encoded v1::Record either way), so it reads
// only what it indexes and checks that the record holds together; it never
// parses the body's fields.
#ifndef INSPECTSYNC_STORAGE_ENCODED_RECORD_H_
#define INSPECTSYNC_STORAGE_ENCODED_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace inspectsync::storage {

// What the store needs of an encoded v1::Record: its key and state, as views
// into the encoding.
struct EncodedRecord {
  std::string_view collection;
  std::string_view id;
  uint64_t version = 0;
  bool deleted = false;
};

// Reads `bytes` as an encoded v1::Record: "" and *out filled, or what is wrong
// with it. Checked: every field's framing (the record's, its body's, its
// meta's), collection and id as UTF-8 (proto3 strings; a stored record that
// does not parse back would break every later read of it), and a body that
// carries its collection's message only (a collection this build does not
// know is kept as the parsed path keeps it). The fields inside the body and
// meta are the server's, validated when it accepted the edit, and parsed when
// the record is read; not here. A field this build does not know (a newer
// server's) is skipped, and kept in the stored encoding.
std::string ScanRecord(std::string_view bytes, EncodedRecord* out);

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_ENCODED_RECORD_H_
