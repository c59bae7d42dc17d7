#include "core/validate.h"

#include "core/hlc.h"
#include "core/ids.h"
#include "core/lifecycle.h"
#include "core/merge.h"
#include "core/patch.h"
#include "core/record_bounds.h"
#include "core/quote.h"

namespace inspectsync::core {

namespace {

Rejection Reject(v1::RejectCode code, std::string reason) { return Rejection{code, std::move(reason)}; }

// Enum fields of a list element hold known values.
Status CheckNestedEnums(const pb::Message& e) {
  const pb::Descriptor* d = e.GetDescriptor();
  for (int k = 0; k < d->field_count(); ++k) {
    const pb::FieldDescriptor* nf = d->field(k);
    if (nf->cpp_type() != pb::FieldDescriptor::CPPTYPE_ENUM) continue;
    int v = e.GetReflection()->GetEnumValue(e, nf);
    if (!nf->enum_type()->FindValueByNumber(v))
      return InvalidArgument("'" + nf->name() + "' holds " + std::to_string(v) + ", not a value of " +
                             nf->enum_type()->name());
  }
  return Status::Ok();
}

Status CheckValue(const FieldSpec& fs, const pb::Message& m, uint32_t max_string_bytes, bool check_times) {
  const pb::FieldDescriptor* f = fs.field;
  const pb::Reflection* r = m.GetReflection();
  const std::string& name = f->name();
  // The limit that applies, and (named only for a refusal: this runs for
  // every field of every mutation) which one to raise.
  const bool server_limit = max_string_bytes != 0 && max_string_bytes < fs.max_len;
  const uint32_t max_len = server_limit ? max_string_bytes : fs.max_len;
  auto limit_name = [&]() -> std::string {
    return server_limit ? "the server's max_string_bytes" : "max_len of " + f->full_name();
  };
  if (f->is_repeated()) {
    int n = r->FieldSize(m, f);
    if (static_cast<uint32_t>(n) > fs.max_items)
      return InvalidArgument("field '" + name + "' has " + std::to_string(n) + " items; the limit is " +
                             std::to_string(fs.max_items));
    for (int i = 0; i < n; ++i) {
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
        std::string scratch;
        const std::string& s = r->GetRepeatedStringReference(m, f, i, &scratch);
        if (s.size() > max_len)
          return InvalidArgument("item " + std::to_string(i) + " of field '" + name + "' is " +
                                 std::to_string(s.size()) + " bytes; the limit is " + std::to_string(max_len) + " (" +
                                 limit_name() + ")");
        if (s.empty()) return InvalidArgument("item " + std::to_string(i) + " of field '" + name + "' is empty");
      } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        const pb::Message& e = r->GetRepeatedMessage(m, f, i);
        size_t bytes = e.ByteSizeLong();
        if (bytes > max_len)
          return InvalidArgument("item " + std::to_string(i) + " of field '" + name + "' is " + std::to_string(bytes) +
                                 " bytes encoded; the limit is " + std::to_string(max_len) + " (" + limit_name() + ")");
        if (Status s = CheckNestedEnums(e); !s.ok())
          return InvalidArgument("item " + std::to_string(i) + " of field '" + name + "': " + s.message());
      } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM) {
        int v = r->GetRepeatedEnumValue(m, f, i);
        if (!f->enum_type()->FindValueByNumber(v))
          return InvalidArgument("field '" + name + "' holds " + std::to_string(v) + ", not a value of " +
                                 f->enum_type()->name());
      }
    }
    return Status::Ok();
  }
  if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
    std::string scratch;  // GetStringReference avoids copying the value
    const std::string& s = r->GetStringReference(m, f, &scratch);
    if (s.size() > max_len)
      return InvalidArgument("field '" + name + "' is " + std::to_string(s.size()) + " bytes; the limit is " +
                             std::to_string(max_len) + " (" + limit_name() + ")");
  } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM) {
    int v = r->GetEnumValue(m, f);
    if (!f->enum_type()->FindValueByNumber(v))
      return InvalidArgument("field '" + name + "' holds " + std::to_string(v) + ", not a value of " +
                             f->enum_type()->name());
  } else if (fs.unix_ms && check_times) {
    return CheckTimeRange(fs, r->GetInt64(m, f));
  }
  return Status::Ok();
}

// Fields outside the mask must be unset in a PATCH body: a value there would
// silently be ignored, which hides client bugs.
Status CheckOnlyMasked(const CollectionSpec& spec, const pb::Message& m, const std::vector<const FieldSpec*>& mask,
                       const char* what) {
  std::vector<const pb::FieldDescriptor*> set;
  m.GetReflection()->ListFields(m, &set);
  for (const pb::FieldDescriptor* f : set) {
    bool masked = false;
    for (const FieldSpec* fs : mask) masked |= fs->field == f;
    if (!masked)
      return InvalidArgument(std::string(what) + " sets field '" + f->name() + "' which is not in the field mask of this " +
                             spec.name() + " patch");
  }
  return Status::Ok();
}

// A scoped record names exactly one site (or zone) at creation.
Status CheckScopeAtCreate(const CollectionSpec& spec, const pb::Message& rec) {
  if (spec.scope_fields().empty()) return Status::Ok();
  int set = 0;
  std::string names;
  for (const FieldSpec* fs : spec.scope_fields()) {
    if (!rec.GetReflection()->GetString(rec, fs->field).empty()) ++set;
    names += (names.empty() ? "" : ", ") + fs->field->name();
  }
  if (set == 1) return Status::Ok();
  if (spec.scope_fields().size() == 1)
    return InvalidArgument("a " + spec.descriptor()->name() + " needs " + names +
                           ": the site it belongs to decides who sees it");
  return InvalidArgument("a " + spec.descriptor()->name() + " names exactly one of " + names + " (it has " +
                         std::to_string(set) + ")");
}

std::string ImmutableReason(const CollectionSpec& spec) {
  if (spec.name() == "templates")
    return "a published template version never changes (past inspections keep it); publish a new version";
  return spec.name() + " never change once created; record a new one instead";
}

}  // namespace

Status CheckTimeRange(const FieldSpec& fs, int64_t value) {
  auto in_range = [](int64_t v, int64_t scale) { return v >= kMinUnixMs / scale && v < kMaxUnixMs / scale; };
  if (!fs.unix_ms || value == 0 || in_range(value, 1)) return Status::Ok();
  // The usual mistakes, named: a time in seconds, or in microseconds.
  std::string hint = in_range(value, 1000)                                   ? " (it reads as seconds)"
                     : value / 1000 >= kMinUnixMs && value / 1000 < kMaxUnixMs ? " (it reads as microseconds)"
                                                                             : "";
  return InvalidArgument("field '" + fs.field->name() + "' is " + std::to_string(value) + hint +
                         "; a time is unix milliseconds (UTC) from " + std::to_string(kMinUnixMs) +
                         " (2000-01-01) to " + std::to_string(kMaxUnixMs - 1) + " (2099-12-31), or 0 for none");
}

Status ValidateFields(const CollectionSpec& spec, const pb::Message& record, const std::vector<const FieldSpec*>* only,
                      uint32_t max_string_bytes, bool check_times) {
  if (only) {
    for (const FieldSpec* fs : *only)
      INSPECTSYNC_RETURN_IF_ERROR(CheckValue(*fs, record, max_string_bytes, check_times));
    return Status::Ok();
  }
  for (const FieldSpec& fs : spec.fields()) {
    if (fs.server_only) {
      // Set = what ListFields would list: non-empty, or non-default for proto3 scalars.
      const pb::Reflection* r = record.GetReflection();
      bool set = fs.field->is_repeated() ? r->FieldSize(record, fs.field) > 0 : r->HasField(record, fs.field);
      if (set) return InvalidArgument("field '" + fs.field->name() + "' is set by the server only");
    }
    INSPECTSYNC_RETURN_IF_ERROR(CheckValue(fs, record, max_string_bytes, check_times));
  }
  return Status::Ok();
}

Rejection ValidateMutation(const v1::Mutation& m, const ValidationLimits& limits, int64_t now_ms) {
  if (!IsUuid(m.client_id())) return Reject(v1::INVALID, "client_id " + Quote(m.client_id()) + " is not a lowercase UUID");
  if (m.mutation_id() == 0) return Reject(v1::INVALID, "mutation_id must be greater than 0");
  const CollectionSpec* spec = FindCollection(m.collection());
  if (spec == nullptr)
    return Reject(v1::UNKNOWN_COLLECTION,
                  "unknown collection " + Quote(m.collection()) + "; this server knows: " + CollectionNames());
  if (!IsUuid(m.record_id())) return Reject(v1::INVALID, "record_id " + Quote(m.record_id()) + " is not a lowercase UUID");
  if (m.hlc() == 0) return Reject(v1::INVALID, "hlc is missing");
  int64_t ahead = Hlc::Millis(m.hlc()) - now_ms;
  if (ahead > limits.max_clock_drift_ms)
    return Reject(v1::CLOCK_DRIFT, "the device clock is " + std::to_string(ahead / 1000) +
                                       " s ahead of the server's (limit " +
                                       std::to_string(limits.max_clock_drift_ms / 1000) +
                                       " s); set the tablet's date and time");
  if (Status s = CheckKnownFields(m); !s.ok()) return Reject(v1::INVALID, s.message());

  switch (m.op()) {
    case v1::CREATE: {
      if (m.base_version() != 0) return Reject(v1::INVALID, "a create must have base_version 0");
      if (m.mask().paths_size() != 0) return Reject(v1::INVALID, "a create takes no field mask");
      if (!spec->Holds(m.body()))
        return Reject(v1::INVALID, "body does not hold a " + spec->descriptor()->name() + " for collection " + spec->name());
      const pb::Message& rec = spec->Get(m.body());
      if (Status s = ValidateFields(*spec, rec, nullptr, limits.max_string_bytes); !s.ok())
        return Reject(v1::INVALID, s.message());
      if (const FieldSpec* status = spec->lifecycle_field()) {
        auto st = static_cast<v1::FindingStatus>(rec.GetReflection()->GetEnumValue(rec, status->field));
        if (st == v1::FINDING_STATUS_UNSPECIFIED)
          return Reject(v1::INVALID, "a " + spec->descriptor()->name() + " needs a status at creation: DRAFT or OPEN");
        if (!IsInitialStatus(st))
          return Reject(v1::ILLEGAL_TRANSITION,
                        "a " + spec->descriptor()->name() + " is created as DRAFT or OPEN, not " + StatusName(st));
      }
      if (Status s = CheckScopeAtCreate(*spec, rec); !s.ok()) return Reject(v1::INVALID, s.message());
      if (Status s = CheckRecordInvariants(*spec, rec); !s.ok()) return Reject(v1::INVALID, s.message());
      return {};
    }
    case v1::PATCH: {
      if (spec->immutable()) return Reject(v1::IMMUTABLE, ImmutableReason(*spec));
      auto mask = ResolveMask(*spec, m.mask());
      if (!mask.ok()) return Reject(v1::INVALID, mask.status().message());
      if (!spec->Holds(m.body()))
        return Reject(v1::INVALID, "body does not hold a " + spec->descriptor()->name() + " for collection " + spec->name());
      if (m.base_body().kind_case() != v1::RecordBody::KIND_NOT_SET && !spec->Holds(m.base_body()))
        return Reject(v1::INVALID, "base_body does not hold a " + spec->descriptor()->name());
      for (const FieldSpec* fs : *mask) {
        if (fs->scope_key)
          return Reject(v1::INVALID, "field '" + fs->field->name() + "' of a " + spec->descriptor()->name() +
                                         " is fixed when it is created (it decides who sees the record); void or "
                                         "delete it and create it anew instead");
        if (fs->fixed)
          return Reject(v1::INVALID, "field '" + fs->field->name() + "' of a " + spec->descriptor()->name() +
                                         " is fixed when it is created and never changes");
      }
      const pb::Message& rec = spec->Get(m.body());
      if (Status s = CheckOnlyMasked(*spec, rec, *mask, "body"); !s.ok()) return Reject(v1::INVALID, s.message());
      if (Status s = ValidateFields(*spec, rec, &*mask, limits.max_string_bytes); !s.ok())
        return Reject(v1::INVALID, s.message());
      if (spec->Holds(m.base_body())) {
        const pb::Message& base = spec->Get(m.base_body());
        if (Status s = CheckOnlyMasked(*spec, base, *mask, "base_body"); !s.ok())
          return Reject(v1::INVALID, s.message());
        // Base values are stored too (as conflict bases): same limits, but
        // times as the device saw them, which may predate the range rule.
        if (Status s = ValidateFields(*spec, base, &*mask, limits.max_string_bytes, /*check_times=*/false); !s.ok())
          return Reject(v1::INVALID, "base_body: " + s.message());
      }
      return {};
    }
    case v1::DELETE:
      if (spec->immutable() && spec->deletable()) return Reject(v1::IMMUTABLE, ImmutableReason(*spec));
      if (!spec->deletable())
        return Reject(v1::NOT_DELETABLE, spec->name() + " cannot be deleted; " +
                                             (spec->name() == "findings" ? "void the finding with a reason instead"
                                                                         : "they are kept for audit"));
      if (m.mask().paths_size() != 0) return Reject(v1::INVALID, "a delete takes no field mask");
      return {};
    default:
      return Reject(v1::INVALID, "op must be CREATE, PATCH or DELETE");
  }
}

}  // namespace inspectsync::core
