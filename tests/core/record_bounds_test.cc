// core/record_bounds.h: the largest encodings the schema allows, the exact
// page arithmetic, and the refusal of fields the build does not know.
#include "core/record_bounds.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "core/hlc.h"
#include "core/validate.h"
#include "tests/testing/max_records.h"

namespace inspectsync::core {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNow = 1'767'225'600'000;
const std::string kClient = "0190f3c4-5b6a-7c8d-9e0f-a1b2c3d4e5f6";
const std::string kId = "0190f3c4-5b6a-7c8d-9e0f-a1b2c3d4e5f7";

v1::VersionMeta Meta() {
  v1::VersionMeta meta;
  meta.set_author(std::string(kMaxMetaIdBytes, 'u'));
  meta.set_device_id(std::string(kMaxMetaIdBytes, 'd'));
  meta.set_hlc(UINT64_MAX);
  meta.set_created_version(UINT64_MAX);
  return meta;
}

// The arithmetic a page is measured with equals protobuf's own encoding,
// for every collection, of an empty and of a full body (a new member of
// Record or RecordBody numbered 16 or more would break it, and this).
TEST(RecordBoundsTest, RecordElementBytesIsProtobufsOwnSize) {
  for (const CollectionSpec* spec : AllCollections()) {
    for (bool full : {false, true}) {
      for (uint64_t version : {uint64_t{0}, uint64_t{1}, uint64_t{300}, UINT64_MAX}) {
        v1::Record r;
        r.set_collection(spec->name());
        r.set_id(kId);
        r.set_version(version);
        r.set_deleted(full);
        *r.mutable_body() = full ? testing::MaxBody(spec->name()) : v1::RecordBody();
        spec->Mutable(r.mutable_body());
        *r.mutable_meta() = Meta();
        v1::PullResponse page;
        *page.add_records() = r;
        size_t body = spec->Get(r.body()).ByteSizeLong();
        EXPECT_EQ(RecordElementBytes(spec->name().size(), kId.size(), version, full, body, r.meta().ByteSizeLong()),
                  page.ByteSizeLong())
            << spec->name() << (full ? " full" : " empty") << " v" << version;
      }
    }
  }
}

// Every string and list of a body filled to its limit is exactly what the
// bound counts; only numbers (a plausible date, not 2^64) come in lower. The
// filled body passes validation: the bound is reachable by a real device.
TEST(RecordBoundsTest, TheBoundIsTightAndAFullBodyIsValid) {
  for (ValidationLimits limits : {ValidationLimits{}, ValidationLimits{0, 300}}) {
    for (const CollectionSpec* spec : AllCollections()) {
      RecordBounds b = BoundsOf(*spec, limits);
      v1::RecordBody body = testing::MaxBody(spec->name(), limits);
      const pb::Message& rec = spec->Get(body);
      EXPECT_TRUE(ValidateFields(*spec, rec, nullptr, limits.max_string_bytes).ok()) << spec->name();
      size_t scalars = 0;
      for (const FieldSpec& fs : spec->fields())
        scalars += fs.field->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING &&
                   fs.field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE;
      EXPECT_LE(rec.ByteSizeLong(), b.body) << spec->name();
      EXPECT_GE(rec.ByteSizeLong() + 10 * scalars, b.body) << spec->name();
      EXPECT_LT(b.body, b.record);
      EXPECT_LT(2 * b.body, b.patch);
      EXPECT_LT(b.record, b.result);
    }
  }
}

// A PATCH of every field to its limit, with base values at theirs, is under
// the collection's patch bound as a whole request.
TEST(RecordBoundsTest, TheLargestPatchFitsItsBound) {
  for (const CollectionSpec* spec : AllCollections()) {
    v1::PushRequest req;
    req.set_protocol_version(1);
    req.set_ack_through(UINT64_MAX >> 1);
    v1::Mutation* m = req.add_mutations();
    m->set_client_id(kClient);
    m->set_mutation_id(INT64_MAX);
    m->set_collection(spec->name());
    m->set_record_id(kId);
    m->set_op(v1::PATCH);
    m->set_base_version(INT64_MAX);
    m->set_hlc(UINT64_MAX);
    for (const FieldSpec& fs : spec->fields()) m->mutable_mask()->add_paths(fs.field->name());
    *m->mutable_body() = testing::MaxBody(spec->name(), {}, "n");
    *m->mutable_base_body() = testing::MaxBody(spec->name(), {}, "b");
    EXPECT_LE(req.ByteSizeLong(), BoundsOf(*spec, {}).patch) << spec->name();
  }
}

// The figures docs/DESIGN-NOTES.md quotes ("Pages bounded by bytes").
TEST(RecordBoundsTest, PrintsTheLargestRecordOfEachCollection) {
  for (const RecordBounds& b : AllBounds({})) {
    std::printf("%-14s body %9zu  record %9zu  patch request %9zu  push result %9zu\n", b.spec->name().c_str(), b.body,
                b.record, b.patch, b.result);
    EXPECT_GT(b.record, 0u);
  }
}

v1::Mutation CreateWithUnknown(int number) {
  v1::Mutation m;
  m.set_client_id(kClient);
  m.set_mutation_id(1);
  m.set_collection("findings");
  m.set_record_id(kId);
  m.set_op(v1::CREATE);
  m.set_hlc(Hlc::Pack(kNow, 1));
  v1::Finding* f = m.mutable_body()->mutable_finding();
  f->set_site_id("site-1");
  f->set_status(v1::OPEN);
  f->GetReflection()->MutableUnknownFields(f)->AddLengthDelimited(number, std::string(1 << 20, 'x'));
  return m;
}

// A body carrying fields this build does not know would be stored as it came,
// outside every limit (here 1 MiB in a finding): refused, naming the field.
TEST(RecordBoundsTest, UnknownFieldsAreRejectedNamingTheFieldNumber) {
  v1::Mutation m = CreateWithUnknown(77);
  Rejection r = ValidateMutation(m, ValidationLimits{}, kNow);
  EXPECT_EQ(r.code, v1::INVALID);
  EXPECT_THAT(r.reason, HasSubstr("field number 77 of inspectsync.v1.Finding"));

  // Inside a list element, and in a PATCH's base values.
  v1::Mutation p;
  p.set_client_id(kClient);
  p.set_mutation_id(2);
  p.set_collection("inspections");
  p.set_record_id(kId);
  p.set_op(v1::PATCH);
  p.set_hlc(Hlc::Pack(kNow, 2));
  p.mutable_mask()->add_paths("responses");
  v1::ItemResponse* resp = p.mutable_body()->mutable_inspection()->add_responses();
  resp->set_item_id("a");
  resp->set_result(v1::PASS);
  resp->GetReflection()->MutableUnknownFields(resp)->AddVarint(9, 1);
  r = ValidateMutation(p, ValidationLimits{}, kNow);
  EXPECT_EQ(r.code, v1::INVALID);
  EXPECT_THAT(r.reason, HasSubstr("body holds field number 9 of inspectsync.v1.ItemResponse"));
  p.mutable_body()->mutable_inspection()->mutable_responses(0)->GetReflection()->MutableUnknownFields(
      p.mutable_body()->mutable_inspection()->mutable_responses(0))->Clear();
  p.mutable_base_body()->mutable_inspection()->GetReflection()->MutableUnknownFields(
      p.mutable_base_body()->mutable_inspection())->AddFixed32(12, 5);
  r = ValidateMutation(p, ValidationLimits{}, kNow);
  EXPECT_EQ(r.code, v1::INVALID);
  EXPECT_THAT(r.reason, HasSubstr("base_body holds field number 12"));
  p.mutable_base_body()->mutable_inspection()->GetReflection()->MutableUnknownFields(
      p.mutable_base_body()->mutable_inspection())->Clear();
  EXPECT_TRUE(ValidateMutation(p, ValidationLimits{}, kNow).ok());
}

}  // namespace
}  // namespace inspectsync::core
