#include "core/patch.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <set>

#include "core/quote.h"

namespace inspectsync::core {

StatusOr<std::vector<const FieldSpec*>> ResolveMask(const CollectionSpec& spec, const pb::FieldMask& mask) {
  if (mask.paths_size() == 0) return InvalidArgument("field mask is empty: name the fields the patch changes");
  std::vector<const FieldSpec*> out;
  std::set<std::string> seen;
  for (const std::string& path : mask.paths()) {
    const FieldSpec* f = spec.FindField(path);
    if (f == nullptr) {
      std::string valid;
      for (const auto& fs : spec.fields()) valid += (valid.empty() ? "" : ", ") + fs.field->name();
      return InvalidArgument("field mask path " + Quote(path) + " is not a field of " + spec.name() + " (fields: " + valid + ")");
    }
    if (!seen.insert(path).second) return InvalidArgument("field mask names " + Quote(path) + " twice");
    if (f->server_only) return InvalidArgument("field '" + path + "' is set by the server only");
    out.push_back(f);
  }
  return out;
}

void CopyField(const pb::Message& src, const pb::FieldDescriptor* f, pb::Message* dst) {
  const pb::Reflection* rs = src.GetReflection();
  const pb::Reflection* rd = dst->GetReflection();
  rd->ClearField(dst, f);
  if (f->is_repeated()) {
    int n = rs->FieldSize(src, f);
    for (int i = 0; i < n; ++i) {
      switch (f->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_STRING: rd->AddString(dst, f, rs->GetRepeatedString(src, f, i)); break;
        case pb::FieldDescriptor::CPPTYPE_INT32: rd->AddInt32(dst, f, rs->GetRepeatedInt32(src, f, i)); break;
        case pb::FieldDescriptor::CPPTYPE_INT64: rd->AddInt64(dst, f, rs->GetRepeatedInt64(src, f, i)); break;
        case pb::FieldDescriptor::CPPTYPE_UINT32: rd->AddUInt32(dst, f, rs->GetRepeatedUInt32(src, f, i)); break;
        case pb::FieldDescriptor::CPPTYPE_UINT64: rd->AddUInt64(dst, f, rs->GetRepeatedUInt64(src, f, i)); break;
        case pb::FieldDescriptor::CPPTYPE_ENUM: rd->AddEnumValue(dst, f, rs->GetRepeatedEnumValue(src, f, i)); break;
        case pb::FieldDescriptor::CPPTYPE_BOOL: rd->AddBool(dst, f, rs->GetRepeatedBool(src, f, i)); break;
        case pb::FieldDescriptor::CPPTYPE_DOUBLE: rd->AddDouble(dst, f, rs->GetRepeatedDouble(src, f, i)); break;
        case pb::FieldDescriptor::CPPTYPE_FLOAT: rd->AddFloat(dst, f, rs->GetRepeatedFloat(src, f, i)); break;
        case pb::FieldDescriptor::CPPTYPE_MESSAGE: rd->AddMessage(dst, f)->CopyFrom(rs->GetRepeatedMessage(src, f, i)); break;
      }
    }
    return;
  }
  if (!rs->HasField(src, f)) return;
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING: rd->SetString(dst, f, rs->GetString(src, f)); break;
    case pb::FieldDescriptor::CPPTYPE_INT32: rd->SetInt32(dst, f, rs->GetInt32(src, f)); break;
    case pb::FieldDescriptor::CPPTYPE_INT64: rd->SetInt64(dst, f, rs->GetInt64(src, f)); break;
    case pb::FieldDescriptor::CPPTYPE_UINT32: rd->SetUInt32(dst, f, rs->GetUInt32(src, f)); break;
    case pb::FieldDescriptor::CPPTYPE_UINT64: rd->SetUInt64(dst, f, rs->GetUInt64(src, f)); break;
    case pb::FieldDescriptor::CPPTYPE_ENUM: rd->SetEnumValue(dst, f, rs->GetEnumValue(src, f)); break;
    case pb::FieldDescriptor::CPPTYPE_BOOL: rd->SetBool(dst, f, rs->GetBool(src, f)); break;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: rd->SetDouble(dst, f, rs->GetDouble(src, f)); break;
    case pb::FieldDescriptor::CPPTYPE_FLOAT: rd->SetFloat(dst, f, rs->GetFloat(src, f)); break;
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: break;
  }
}

void CopyFields(const pb::Message& src, const std::vector<const FieldSpec*>& fields, pb::Message* dst) {
  for (const FieldSpec* f : fields) CopyField(src, f->field, dst);
}

std::string DeterministicBytes(const pb::Message& m) {
  std::string out;
  {
    pb::io::StringOutputStream raw(&out);
    pb::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

std::vector<std::string> GetStrings(const pb::Message& m, const pb::FieldDescriptor* f) {
  const pb::Reflection* r = m.GetReflection();
  std::vector<std::string> out;
  int n = r->FieldSize(m, f);
  out.reserve(n);
  bool message = f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
  for (int i = 0; i < n; ++i)
    out.push_back(message ? DeterministicBytes(r->GetRepeatedMessage(m, f, i)) : r->GetRepeatedString(m, f, i));
  return out;
}

void SetStrings(pb::Message* m, const pb::FieldDescriptor* f, const std::vector<std::string>& v) {
  const pb::Reflection* r = m->GetReflection();
  r->ClearField(m, f);
  bool message = f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
  for (const auto& s : v) {
    if (message) {
      r->AddMessage(m, f)->ParseFromString(s);  // bytes of GetStrings: always parse
    } else {
      r->AddString(m, f, s);
    }
  }
}

std::string FieldToString(const pb::Message& m, const pb::FieldDescriptor* f) {
  const pb::Reflection* r = m.GetReflection();
  auto scalar = [&](int i) -> std::string {
    bool rep = f->is_repeated();
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_STRING: return rep ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
      case pb::FieldDescriptor::CPPTYPE_INT32: return std::to_string(rep ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f));
      case pb::FieldDescriptor::CPPTYPE_INT64: return std::to_string(rep ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f));
      case pb::FieldDescriptor::CPPTYPE_UINT32: return std::to_string(rep ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f));
      case pb::FieldDescriptor::CPPTYPE_UINT64: return std::to_string(rep ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f));
      case pb::FieldDescriptor::CPPTYPE_BOOL: return (rep ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f)) ? "true" : "false";
      case pb::FieldDescriptor::CPPTYPE_DOUBLE: return std::to_string(rep ? r->GetRepeatedDouble(m, f, i) : r->GetDouble(m, f));
      case pb::FieldDescriptor::CPPTYPE_FLOAT: return std::to_string(rep ? r->GetRepeatedFloat(m, f, i) : r->GetFloat(m, f));
      case pb::FieldDescriptor::CPPTYPE_ENUM: {
        int v = rep ? r->GetRepeatedEnumValue(m, f, i) : r->GetEnumValue(m, f);
        const pb::EnumValueDescriptor* ev = f->enum_type()->FindValueByNumber(v);
        return ev ? ev->name() : std::to_string(v);
      }
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        return "{" + (rep ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f)).ShortDebugString() + "}";
    }
    return "";
  };
  if (!f->is_repeated()) return scalar(0);
  std::string out = "[";
  int n = r->FieldSize(m, f);
  for (int i = 0; i < n; ++i) out += (i ? ", " : "") + scalar(i);
  return out + "]";
}

namespace {
// Element i of field f (or the singular value when i < 0) of a and b are equal.
bool ValueEquals(const pb::Message& a, const pb::Message& b, const pb::FieldDescriptor* f, int i) {
  const pb::Reflection* ra = a.GetReflection();
  const pb::Reflection* rb = b.GetReflection();
  bool rep = i >= 0;
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      // By reference: GetString copies the value (a merge compares every
      // field of a record twice; these copies were most of its cost).
      std::string sa, sb;
      return (rep ? ra->GetRepeatedStringReference(a, f, i, &sa) : ra->GetStringReference(a, f, &sa)) ==
             (rep ? rb->GetRepeatedStringReference(b, f, i, &sb) : rb->GetStringReference(b, f, &sb));
    }
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return (rep ? ra->GetRepeatedInt32(a, f, i) : ra->GetInt32(a, f)) ==
             (rep ? rb->GetRepeatedInt32(b, f, i) : rb->GetInt32(b, f));
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return (rep ? ra->GetRepeatedInt64(a, f, i) : ra->GetInt64(a, f)) ==
             (rep ? rb->GetRepeatedInt64(b, f, i) : rb->GetInt64(b, f));
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return (rep ? ra->GetRepeatedUInt32(a, f, i) : ra->GetUInt32(a, f)) ==
             (rep ? rb->GetRepeatedUInt32(b, f, i) : rb->GetUInt32(b, f));
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return (rep ? ra->GetRepeatedUInt64(a, f, i) : ra->GetUInt64(a, f)) ==
             (rep ? rb->GetRepeatedUInt64(b, f, i) : rb->GetUInt64(b, f));
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? ra->GetRepeatedBool(a, f, i) : ra->GetBool(a, f)) ==
             (rep ? rb->GetRepeatedBool(b, f, i) : rb->GetBool(b, f));
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return (rep ? ra->GetRepeatedEnumValue(a, f, i) : ra->GetEnumValue(a, f)) ==
             (rep ? rb->GetRepeatedEnumValue(b, f, i) : rb->GetEnumValue(b, f));
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:  // bit-exact, as stored
      return (rep ? ra->GetRepeatedDouble(a, f, i) : ra->GetDouble(a, f)) ==
             (rep ? rb->GetRepeatedDouble(b, f, i) : rb->GetDouble(b, f));
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return (rep ? ra->GetRepeatedFloat(a, f, i) : ra->GetFloat(a, f)) ==
             (rep ? rb->GetRepeatedFloat(b, f, i) : rb->GetFloat(b, f));
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:  // lists of flat messages: equal encodings
      return DeterministicBytes(rep ? ra->GetRepeatedMessage(a, f, i) : ra->GetMessage(a, f)) ==
             DeterministicBytes(rep ? rb->GetRepeatedMessage(b, f, i) : rb->GetMessage(b, f));
  }
  return false;
}
}  // namespace

bool FieldEquals(const pb::Message& a, const pb::Message& b, const FieldSpec& fs) {
  const pb::FieldDescriptor* f = fs.field;
  if (f->is_repeated() && fs.policy == v1::SET) {  // strings, or messages as their encodings
    // The same items in the same order (the common case: an untouched set)
    // are the same set; only otherwise compare as sets, which copies them.
    int n = a.GetReflection()->FieldSize(a, f);
    if (n == b.GetReflection()->FieldSize(b, f)) {
      int i = 0;
      while (i < n && ValueEquals(a, b, f, i)) ++i;
      if (i == n) return true;
    }
    auto va = GetStrings(a, f), vb = GetStrings(b, f);
    return std::set<std::string>(va.begin(), va.end()) == std::set<std::string>(vb.begin(), vb.end());
  }
  if (!f->is_repeated()) return ValueEquals(a, b, f, -1);
  int n = a.GetReflection()->FieldSize(a, f);
  if (n != b.GetReflection()->FieldSize(b, f)) return false;
  for (int i = 0; i < n; ++i)
    if (!ValueEquals(a, b, f, i)) return false;
  return true;
}

std::vector<const FieldSpec*> ChangedFields(const CollectionSpec& spec, const pb::Message& a, const pb::Message& b) {
  std::vector<const FieldSpec*> out;
  for (const auto& f : spec.fields())
    if (!FieldEquals(a, b, f)) out.push_back(&f);
  return out;
}

}  // namespace inspectsync::core
