// Records with every field at its limit, for any collection, through
// reflection over the schema (core::CollectionSpec): every string its
// (max_len) — or the server's max_string_bytes, when lower — every list its
// (max_items) elements, each element of a list of messages exactly max_len
// bytes encoded. Engine and integration tests, the simulation and the fuzz
// corpus build the largest records the schema allows from it, so a new
// field or a raised limit is covered without touching them.
//
// FillToLimits is generic; MaxFinding, MaxTemplate and MaxInspection add
// what the workflow rules need of a create (a status a finding may start
// in, a template's derived id, responses naming the template's items).
#ifndef INSPECTSYNC_TESTS_TESTING_MAX_RECORDS_H_
#define INSPECTSYNC_TESTS_TESTING_MAX_RECORDS_H_

#include <string>

#include "core/schema.h"
#include "core/validate.h"
#include "core/workflow.h"
#include "inspectsync/v1/records.pb.h"

namespace inspectsync::testing {

namespace max_records_internal {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

inline constexpr int64_t kFarMs = 1'893'456'000'000;  // 2030-01-01: a large, plausible time

// `n` bytes of ASCII: `prefix`, then letters.
inline std::string Text(size_t n, const std::string& prefix) {
  std::string s = prefix.substr(0, n);
  for (size_t i = s.size(); i < n; ++i) s.push_back(static_cast<char>('a' + i % 26));
  return s;
}

inline uint32_t Cap(const core::FieldSpec& fs, const core::ValidationLimits& limits) {
  return limits.max_string_bytes != 0 && limits.max_string_bytes < fs.max_len ? limits.max_string_bytes : fs.max_len;
}

// A scalar field (singular) at a large valid value.
inline void SetScalar(pb::Message* m, const FD* f) {
  const pb::Reflection* r = m->GetReflection();
  switch (f->cpp_type()) {
    case FD::CPPTYPE_ENUM: {
      int most = 0;
      for (int i = 0; i < f->enum_type()->value_count(); ++i) most = std::max(most, f->enum_type()->value(i)->number());
      r->SetEnumValue(m, f, most);
      break;
    }
    case FD::CPPTYPE_BOOL: r->SetBool(m, f, true); break;
    case FD::CPPTYPE_INT64: r->SetInt64(m, f, kFarMs); break;
    case FD::CPPTYPE_UINT64: r->SetUInt64(m, f, static_cast<uint64_t>(kFarMs)); break;
    case FD::CPPTYPE_INT32: r->SetInt32(m, f, 1'000'000); break;
    case FD::CPPTYPE_UINT32: r->SetUInt32(m, f, 1'000'000); break;
    case FD::CPPTYPE_DOUBLE: r->SetDouble(m, f, 1e9); break;
    case FD::CPPTYPE_FLOAT: r->SetFloat(m, f, 1e9f); break;
    default: break;
  }
}

}  // namespace max_records_internal

// Sets `e` (an element of a list of messages) to exactly `target` bytes
// encoded: scalars at their largest, every string `prefix` (so elements
// differ) but the last, which takes the rest. Strings already set keep their
// value (a response's item id). REQUIRES: `target` leaves room for them.
inline void FillElement(google::protobuf::Message* e, size_t target, const std::string& prefix) {
  using namespace max_records_internal;  // NOLINT
  const pb::Descriptor* d = e->GetDescriptor();
  const pb::Reflection* r = e->GetReflection();
  const FD* last = nullptr;
  for (int i = 0; i < d->field_count(); ++i) {
    const FD* f = d->field(i);
    if (f->cpp_type() != FD::CPPTYPE_STRING) {
      SetScalar(e, f);
      continue;
    }
    if (r->GetString(*e, f).empty()) r->SetString(e, f, prefix);
    last = f;
  }
  if (last == nullptr) return;
  r->SetString(e, last, "");
  // The last string's length: its tag and length prefix count, and the
  // length prefix grows at 128 and 16,384 bytes, so settle by trying.
  size_t base = e->ByteSizeLong();
  size_t n = target > base + 3 ? target - base - 3 : 1;
  for (int tries = 0; tries < 8; ++tries) {
    r->SetString(e, last, Text(n, prefix));
    size_t size = e->ByteSizeLong();
    if (size == target) return;
    n = size < target ? n + (target - size) : n - std::min(n - 1, size - target);
  }
}

// Fills every field of `rec`, a record message of `spec`, to its limit
// under `limits`. `tag` starts every string, so records differ.
inline void FillToLimits(const core::CollectionSpec& spec, google::protobuf::Message* rec,
                         const core::ValidationLimits& limits = {}, const std::string& tag = "") {
  using namespace max_records_internal;  // NOLINT
  const pb::Reflection* r = rec->GetReflection();
  for (const core::FieldSpec& fs : spec.fields()) {
    const FD* f = fs.field;
    const size_t cap = Cap(fs, limits);
    if (!f->is_repeated()) {
      if (f->cpp_type() == FD::CPPTYPE_STRING) {
        r->SetString(rec, f, Text(cap, tag));
      } else {
        SetScalar(rec, f);
      }
      continue;
    }
    r->ClearField(rec, f);
    for (uint32_t i = 0; i < fs.max_items; ++i) {
      std::string prefix = tag + "-" + std::to_string(i) + "-";
      if (f->cpp_type() == FD::CPPTYPE_STRING) {
        r->AddString(rec, f, Text(cap, prefix));
      } else if (f->cpp_type() == FD::CPPTYPE_MESSAGE) {
        FillElement(r->AddMessage(rec, f), cap, prefix);
      }
    }
  }
}

// The body of `collection` with every field at its limit.
inline v1::RecordBody MaxBody(const std::string& collection, const core::ValidationLimits& limits = {},
                              const std::string& tag = "") {
  v1::RecordBody body;
  const core::CollectionSpec* spec = core::FindCollection(collection);
  FillToLimits(*spec, spec->Mutable(&body), limits, tag);
  return body;
}

// A finding at every limit that a device may create at `site`: OPEN, with
// no notice or verification named.
inline v1::Finding MaxFinding(const std::string& site, const core::ValidationLimits& limits = {},
                              const std::string& tag = "f") {
  v1::Finding f = MaxBody("findings", limits, tag).finding();
  f.set_site_id(site);
  f.set_status(v1::OPEN);
  f.clear_notice_id();
  f.clear_verification_id();
  f.set_severity(v1::CRITICAL);
  return f;
}

// Version `version` of template `key` at every limit (its id:
// core::TemplateRecordId(key, version)).
inline v1::ChecklistTemplate MaxTemplate(const std::string& key, uint32_t version,
                                         const core::ValidationLimits& limits = {}, const std::string& tag = "t") {
  v1::ChecklistTemplate t = MaxBody("templates", limits, tag).checklist_template();
  t.set_key(key);
  t.set_version(version);
  return t;
}

// An inspection at every limit at `site`, on the published template `t`:
// its responses (every one of max_items) name t's items in turn.
inline v1::Inspection MaxInspection(const std::string& site, const v1::ChecklistTemplate& t,
                                    const core::ValidationLimits& limits = {}, const std::string& tag = "i") {
  v1::Inspection in = MaxBody("inspections", limits, tag).inspection();
  in.set_site_id(site);
  in.clear_campaign_id();
  in.set_template_key(t.key());
  in.set_template_version(t.version());
  const core::FieldSpec* responses = core::FindCollection("inspections")->FindField("responses");
  const uint32_t cap = max_records_internal::Cap(*responses, limits);
  for (int i = 0; i < in.responses_size(); ++i) {
    v1::ItemResponse* r = in.mutable_responses(i);
    r->Clear();
    r->set_item_id(t.items(i % t.items_size()).id());
    FillElement(r, cap, tag + "-" + std::to_string(i) + "-");
  }
  return in;
}

}  // namespace inspectsync::testing

#endif  // INSPECTSYNC_TESTS_TESTING_MAX_RECORDS_H_
