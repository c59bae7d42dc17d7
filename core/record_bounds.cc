#include "core/record_bounds.h"

#include <algorithm>

namespace inspectsync::core {

namespace {

using FD = pb::FieldDescriptor;

constexpr uint64_t kMaxVarint = UINT64_MAX;  // 10 bytes

// A length-delimited field numbered `number` holding `n` bytes.
size_t Delimited(int number, size_t n) { return VarintBytes(static_cast<uint64_t>(number) << 3) + VarintBytes(n) + n; }
// A varint field numbered `number` at its largest.
size_t Varint(int number) { return VarintBytes(static_cast<uint64_t>(number) << 3) + VarintBytes(kMaxVarint); }

// The largest encoding of one value of a scalar field, without its tag.
size_t ScalarBytes(const FD* f) {
  switch (f->type()) {
    case FD::TYPE_BOOL: return 1;
    case FD::TYPE_FIXED32:
    case FD::TYPE_SFIXED32:
    case FD::TYPE_FLOAT: return 4;
    case FD::TYPE_FIXED64:
    case FD::TYPE_SFIXED64:
    case FD::TYPE_DOUBLE: return 8;
    case FD::TYPE_UINT32:
    case FD::TYPE_SINT32: return 5;
    case FD::TYPE_ENUM: {
      // Validation accepts defined values only; a negative one takes 10 bytes.
      size_t most = 1;
      for (int i = 0; i < f->enum_type()->value_count(); ++i)
        most = std::max(most, VarintBytes(static_cast<uint64_t>(static_cast<int64_t>(f->enum_type()->value(i)->number()))));
      return most;
    }
    default: return 10;  // int32 (a negative one), int64, uint64, sint64
  }
}

// What validation holds a string, or an element of a list of messages, to.
size_t Cap(const FieldSpec& fs, const ValidationLimits& limits) {
  return limits.max_string_bytes != 0 && limits.max_string_bytes < fs.max_len ? limits.max_string_bytes : fs.max_len;
}

// The largest encoding of one field inside its message, tags included.
size_t FieldBytes(const FieldSpec& fs, const ValidationLimits& limits) {
  const FD* f = fs.field;
  if (f->cpp_type() == FD::CPPTYPE_STRING || f->cpp_type() == FD::CPPTYPE_MESSAGE) {
    // A list element of messages is held to max_len as its encoding.
    size_t one = Delimited(f->number(), Cap(fs, limits));
    return f->is_repeated() ? fs.max_items * one : one;
  }
  size_t tag = VarintBytes(static_cast<uint64_t>(f->number()) << 3);
  if (f->is_repeated()) {  // packed (proto3)
    size_t payload = fs.max_items * ScalarBytes(f);
    return tag + VarintBytes(payload) + payload;
  }
  return tag + ScalarBytes(f);
}

// A RecordBody whose member (the collection's) holds `n` bytes.
size_t RecordBodyBytes(const CollectionSpec& spec, size_t n) { return Delimited(spec.body_field()->number(), n); }

// VersionMeta: author, device id, hlc, created_version.
size_t MetaBytes() { return 2 * DelimitedBytes(kMaxMetaIdBytes) + 2 * (1 + VarintBytes(kMaxVarint)); }

// A Conflict whose base, winner and loser values (RecordBodies, each a
// field 7..9) take `values` bytes together, as an element of
// MutationResult.conflicts.
size_t ConflictBytes(const CollectionSpec& spec, size_t field_name_len, size_t values) {
  size_t c = Delimited(1, kMaxIdBytes) + Delimited(2, spec.name().size()) + Delimited(3, kMaxIdBytes) +
             Delimited(4, field_name_len) + Varint(5) + Varint(6) + values +
             2 * Delimited(10, MetaBytes()) + Varint(12) + Varint(13) + Delimited(14, kMaxMetaIdBytes) + Varint(15) +
             Varint(16) + Delimited(17, kMaxNoteBytes);
  return Delimited(6, c);
}

}  // namespace

size_t VarintBytes(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t DelimitedBytes(size_t n) { return 1 + VarintBytes(n) + n; }

size_t RecordElementBytes(size_t collection_len, size_t id_len, uint64_t version, bool deleted, size_t body_len,
                          size_t meta_len) {
  // Fields absent when empty or zero, as proto3 (and the wire twins) encode them.
  size_t r = (collection_len ? DelimitedBytes(collection_len) : 0) + (id_len ? DelimitedBytes(id_len) : 0) +
             (version ? 1 + VarintBytes(version) : 0) + (deleted ? 2 : 0) +
             DelimitedBytes(DelimitedBytes(body_len))  // body: the collection's member is set even when empty
             + DelimitedBytes(meta_len);               // meta: present (a Record's, even empty)
  return DelimitedBytes(r);
}

size_t ChangeElementBytes(size_t collection_len, size_t id_len, size_t body_len, size_t meta_len, size_t scope_len) {
  // seq, collection, record_id, op, deleted, body, meta, scope, zone id (a zone's record id).
  size_t c = 1 + VarintBytes(kMaxVarint) + DelimitedBytes(collection_len) + DelimitedBytes(id_len) + 2 + 2 +
             DelimitedBytes(DelimitedBytes(body_len)) + DelimitedBytes(meta_len) + DelimitedBytes(scope_len) +
             DelimitedBytes(std::max(scope_len, kMaxIdBytes));
  return DelimitedBytes(c);
}

RecordBounds BoundsOf(const CollectionSpec& spec, const ValidationLimits& limits) {
  RecordBounds b;
  b.spec = &spec;
  size_t mask = 0;
  for (const FieldSpec& fs : spec.fields()) {
    b.body += FieldBytes(fs, limits);
    if (!fs.server_only) mask += DelimitedBytes(fs.field->name().size());  // each path once
  }
  b.record = RecordElementBytes(spec.name().size(), kMaxIdBytes, kMaxVarint, true, b.body, MetaBytes());

  // Mutation: client_id, mutation_id, collection, record_id, base_version,
  // op, mask, body, base_body, hlc; in a PushRequest with its version and ack.
  size_t body = RecordBodyBytes(spec, b.body);
  size_t m = Delimited(1, kMaxIdBytes) + Varint(2) + Delimited(3, spec.name().size()) + Delimited(4, kMaxIdBytes) +
             Varint(5) + Varint(6) + Delimited(7, mask) + 2 * Delimited(8, body) + Varint(10);
  b.patch = Varint(1) + Delimited(2, m) + Varint(3);

  // MutationResult: id, outcome, reject code, reason, the record, and a
  // conflict per contested field (SET fields merge, never conflict) plus the
  // update-vs-delete one, whose winner is the whole record.
  size_t r = Varint(1) + Varint(2) + Varint(3) + Delimited(4, kMaxReasonBytes) + b.record;
  for (const FieldSpec& fs : spec.fields())
    if (fs.policy != v1::SET)
      r += ConflictBytes(spec, fs.field->name().size(), 3 * Delimited(7, RecordBodyBytes(spec, FieldBytes(fs, limits))));
  if (spec.deletable())  // the record kept as the winner, the deletion (no value) as the loser
    r += ConflictBytes(spec, sizeof("deleted") - 1, Delimited(8, RecordBodyBytes(spec, b.body)) + Delimited(9, 2));
  b.result = DelimitedBytes(r);
  return b;
}

std::vector<RecordBounds> AllBounds(const ValidationLimits& limits) {
  std::vector<RecordBounds> out;
  for (const CollectionSpec* spec : AllCollections()) out.push_back(BoundsOf(*spec, limits));
  return out;
}

namespace {

// The first field of `m`, or of a message in it, that this build does not
// know: its number, and the message type it is in. 0 if none.
int FirstUnknownField(const pb::Message& m, std::string* in) {
  const pb::Reflection* r = m.GetReflection();
  if (const pb::UnknownFieldSet& u = r->GetUnknownFields(m); !u.empty()) {
    *in = m.GetDescriptor()->full_name();
    return u.field(0).number();
  }
  const pb::Descriptor* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FD* f = d->field(i);
    if (f->cpp_type() != FD::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int k = 0, n = r->FieldSize(m, f); k < n; ++k)
        if (int u = FirstUnknownField(r->GetRepeatedMessage(m, f, k), in)) return u;
    } else if (r->HasField(m, f)) {
      if (int u = FirstUnknownField(r->GetMessage(m, f), in)) return u;
    }
  }
  return 0;
}

}  // namespace

Status CheckKnownFields(const v1::Mutation& m) {
  for (const auto& [what, body] : {std::pair<const char*, const v1::RecordBody*>{"body", &m.body()},
                                   std::pair<const char*, const v1::RecordBody*>{"base_body", &m.base_body()}}) {
    std::string in;
    if (int number = FirstUnknownField(*body, &in))
      return InvalidArgument(std::string(what) + " holds field number " + std::to_string(number) + " of " + in +
                             ", which this server does not know (is the app newer than the server?); unknown fields "
                             "are refused because they would be stored outside every size limit");
  }
  return Status::Ok();
}

}  // namespace inspectsync::core
