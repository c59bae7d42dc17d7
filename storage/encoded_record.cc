#include "storage/encoded_record.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/wire_format_lite.h>

#include "core/schema.h"
#include "inspectsync/v1/sync.pb.h"

namespace inspectsync::storage {

namespace {

using WireFormat = google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

CodedInputStream Input(std::string_view bytes) {
  return CodedInputStream(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
}

// Whether `bytes` is a sequence of well-formed fields (nested messages are not
// descended into: without the schema a message and a string look alike).
bool WellFormed(std::string_view bytes) {
  CodedInputStream in = Input(bytes);
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormat::GetTagFieldNumber(tag) == 0 || !WireFormat::SkipField(&in, tag)) return false;
  }
  // ReadTag's 0 is the end of the bytes at a field boundary, or an error.
  return in.ConsumedEntireMessage();
}

// Reads the next length-delimited value of `in` over `bytes` into *out.
bool ReadDelimited(CodedInputStream* in, std::string_view bytes, std::string_view* out) {
  uint32_t len = 0;
  if (!in->ReadVarint32(&len)) return false;
  size_t at = static_cast<size_t>(in->CurrentPosition());
  if (len > bytes.size() - at) return false;
  *out = bytes.substr(at, len);
  return in->Skip(static_cast<int>(len));
}

// protobuf's own check, the one its parser applies to proto3 strings.
// (WireFormatLite::VerifyUtf8String is the same check, but it logs an ERROR
// line for every failure: here a failure is an answer, reported as DATA_LOSS.
// Debian's protobuf 3.21 ships no utf8_range headers.)
bool ValidUtf8(std::string_view s) {
  return google::protobuf::internal::IsStructurallyValidUTF8(s.data(), static_cast<int>(s.size()));
}

// The body: RecordBody, one member (a oneof), its collection's.
std::string ScanBody(std::string_view body, std::string_view collection) {
  const core::CollectionSpec* spec = core::FindCollection(collection);
  CodedInputStream b = Input(body);
  while (uint32_t tag = b.ReadTag()) {
    std::string_view member;
    if (WireFormat::GetTagWireType(tag) != WireFormat::WIRETYPE_LENGTH_DELIMITED ||
        !ReadDelimited(&b, body, &member) || !WellFormed(member))
      return "its body is malformed";
    if (spec != nullptr && WireFormat::GetTagFieldNumber(tag) != spec->body_field()->number())
      return "its body is not a " + std::string(collection) + " record";
  }
  if (!b.ConsumedEntireMessage()) return "its body is truncated or malformed";
  return "";
}

}  // namespace

std::string ScanRecord(std::string_view bytes, EncodedRecord* out) {
  *out = EncodedRecord();
  CodedInputStream in = Input(bytes);
  std::string_view body, meta;
  while (uint32_t tag = in.ReadTag()) {
    const int field = WireFormat::GetTagFieldNumber(tag);
    const WireFormat::WireType type = WireFormat::GetTagWireType(tag);
    bool ok = true;
    switch (field) {
      case v1::Record::kCollectionFieldNumber:
        ok = type == WireFormat::WIRETYPE_LENGTH_DELIMITED && ReadDelimited(&in, bytes, &out->collection);
        break;
      case v1::Record::kIdFieldNumber:
        ok = type == WireFormat::WIRETYPE_LENGTH_DELIMITED && ReadDelimited(&in, bytes, &out->id);
        break;
      case v1::Record::kBodyFieldNumber:
        ok = type == WireFormat::WIRETYPE_LENGTH_DELIMITED && ReadDelimited(&in, bytes, &body);
        break;
      case v1::Record::kMetaFieldNumber:
        ok = type == WireFormat::WIRETYPE_LENGTH_DELIMITED && ReadDelimited(&in, bytes, &meta);
        break;
      case v1::Record::kVersionFieldNumber:
        ok = type == WireFormat::WIRETYPE_VARINT && in.ReadVarint64(&out->version);
        break;
      case v1::Record::kDeletedFieldNumber: {
        uint64_t v = 0;
        ok = type == WireFormat::WIRETYPE_VARINT && in.ReadVarint64(&v);
        out->deleted = v != 0;
        break;
      }
      default:  // a field of a newer server: kept in the stored encoding
        ok = field != 0 && WireFormat::SkipField(&in, tag);
    }
    if (!ok) return "field " + std::to_string(field) + " is malformed";
  }
  // ReadTag's 0 is the end of the bytes at a field boundary, or an error.
  if (!in.ConsumedEntireMessage()) return "it is truncated or malformed";
  if (!ValidUtf8(out->collection) || !ValidUtf8(out->id)) return "its collection or id is not UTF-8";
  if (!WellFormed(meta)) return "its meta is malformed";
  return ScanBody(body, out->collection);
}

}  // namespace inspectsync::storage
