// Field-mask resolution and field-level reflection helpers.
#include "core/patch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace inspectsync::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const CollectionSpec& Findings() { return *FindCollection("findings"); }
const CollectionSpec& Inspections() { return *FindCollection("inspections"); }
const pb::FieldDescriptor* FindingField(const char* name) { return v1::Finding::descriptor()->FindFieldByName(name); }
const FieldSpec& FindingSpec(const char* name) { return *Findings().FindField(name); }

pb::FieldMask Mask(std::initializer_list<const char*> paths) {
  pb::FieldMask m;
  for (const char* p : paths) m.add_paths(p);
  return m;
}

std::vector<std::string> Names(const std::vector<const FieldSpec*>& fields) {
  std::vector<std::string> out;
  for (const FieldSpec* f : fields) out.push_back(f->field->name());
  return out;
}

// ---- ResolveMask ----

TEST(ResolveMaskTest, ResolvesInMaskOrder) {
  auto r = ResolveMask(Findings(), Mask({"status", "title", "tags"}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(Names(*r), ElementsAre("status", "title", "tags"));
  EXPECT_EQ((*r)[0], Findings().FindField("status"));
}

TEST(ResolveMaskTest, EmptyMaskIsRejected) {
  auto r = ResolveMask(Findings(), pb::FieldMask());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("empty"));
}

TEST(ResolveMaskTest, UnknownPathNamesItAndListsValidFields) {
  auto r = ResolveMask(Findings(), Mask({"title", "titel"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string& msg = r.status().message();
  EXPECT_THAT(msg, HasSubstr("'titel'"));
  EXPECT_THAT(msg, HasSubstr("findings"));
  for (const FieldSpec& f : Findings().fields()) EXPECT_THAT(msg, HasSubstr(f.field->name()));
  EXPECT_THAT(msg, HasSubstr("inspection_id, site_id, checklist_item_id"));
}

TEST(ResolveMaskTest, FieldsOfAnotherCollectionAreUnknown) {
  auto r = ResolveMask(Inspections(), Mask({"status"}));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("'status'"));
  EXPECT_THAT(r.status().message(), HasSubstr("inspections"));
  EXPECT_THAT(r.status().message(), HasSubstr("inspectors"));
}

TEST(ResolveMaskTest, NestedCaseVariantAndEmptyPathsAreUnknown) {
  for (const char* bad : {"status.value", "finding.title", "Title", "", " title", "title ", "*"}) {
    auto r = ResolveMask(Findings(), Mask({bad}));
    EXPECT_FALSE(r.ok()) << "path '" << bad << "'";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("'" + std::string(bad) + "'"));
  }
}

TEST(ResolveMaskTest, DuplicatePathIsRejected) {
  auto r = ResolveMask(Findings(), Mask({"title", "tags", "title"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("'title' twice"));
}

TEST(ResolveMaskTest, EveryFieldIsAddressable) {
  for (const CollectionSpec* c : AllCollections()) {
    pb::FieldMask m;
    for (const FieldSpec& f : c->fields()) m.add_paths(f.field->name());
    auto r = ResolveMask(*c, m);
    ASSERT_TRUE(r.ok()) << c->name() << ": " << r.status().ToString();
    EXPECT_EQ(r->size(), c->fields().size());
  }
}

// ---- CopyField ----

TEST(CopyFieldTest, Scalar) {
  v1::Finding src, dst;
  src.set_deadline_ms(1'767'225'600'000);
  CopyField(src, FindingField("deadline_ms"), &dst);
  EXPECT_EQ(dst.deadline_ms(), 1'767'225'600'000);
  v1::Inspection isrc, idst;
  isrc.set_template_version(7);
  CopyField(isrc, Inspections().FindField("template_version")->field, &idst);
  EXPECT_EQ(idst.template_version(), 7u);
}

TEST(CopyFieldTest, Enum) {
  v1::Finding src, dst;
  src.set_severity(v1::CRITICAL);
  CopyField(src, FindingField("severity"), &dst);
  EXPECT_EQ(dst.severity(), v1::CRITICAL);
}

TEST(CopyFieldTest, EnumValueOutsideTheEnumIsCopiedAsIs) {
  v1::Finding src, dst;
  src.GetReflection()->SetEnumValue(&src, FindingField("severity"), 99);
  CopyField(src, FindingField("severity"), &dst);
  EXPECT_EQ(static_cast<int>(dst.severity()), 99);
}

TEST(CopyFieldTest, String) {
  v1::Finding src, dst;
  src.set_title("Broken glass in gym");
  dst.set_title("old");
  CopyField(src, FindingField("title"), &dst);
  EXPECT_EQ(dst.title(), "Broken glass in gym");
}

TEST(CopyFieldTest, RepeatedReplacesNotAppends) {
  v1::Finding src, dst;
  src.add_tags("fire");
  src.add_tags("exit");
  dst.add_tags("old");
  CopyField(src, FindingField("tags"), &dst);
  EXPECT_THAT(dst.tags(), ElementsAre("fire", "exit"));
}

TEST(CopyFieldTest, DefaultInSourceClearsDestination) {
  v1::Finding src, dst;
  dst.set_title("t");
  dst.set_severity(v1::HIGH);
  dst.set_deadline_ms(5);
  dst.add_tags("x");
  for (const char* name : {"title", "severity", "deadline_ms", "tags"}) CopyField(src, FindingField(name), &dst);
  EXPECT_EQ(dst.ByteSizeLong(), 0u) << dst.ShortDebugString();
}

TEST(CopyFieldTest, OnlyTheNamedFieldIsTouched) {
  v1::Finding src, dst;
  src.set_title("new");
  src.set_category("electrical");
  dst.set_category("structural");
  dst.set_severity(v1::LOW);
  CopyField(src, FindingField("title"), &dst);
  EXPECT_EQ(dst.title(), "new");
  EXPECT_EQ(dst.category(), "structural");
  EXPECT_EQ(dst.severity(), v1::LOW);
}

TEST(CopyFieldTest, CopyFieldsCopiesEachListedField) {
  v1::Finding src, dst;
  src.set_title("new");
  src.set_status(v1::NOTIFIED);
  src.set_deadline_ms(10);
  src.set_description("not copied");
  dst.set_title("old");
  dst.set_description("kept");
  auto mask = ResolveMask(Findings(), Mask({"title", "status", "deadline_ms"}));
  ASSERT_TRUE(mask.ok());
  CopyFields(src, *mask, &dst);
  EXPECT_EQ(dst.title(), "new");
  EXPECT_EQ(dst.status(), v1::NOTIFIED);
  EXPECT_EQ(dst.deadline_ms(), 10);
  EXPECT_EQ(dst.description(), "kept");
}

// ---- Get/SetStrings, FieldToString ----

TEST(StringsTest, GetAndSetRoundTrip) {
  v1::Finding f;
  const pb::FieldDescriptor* tags = FindingField("tags");
  EXPECT_TRUE(GetStrings(f, tags).empty());
  SetStrings(&f, tags, {"b", "a", "b"});
  EXPECT_THAT(f.tags(), ElementsAre("b", "a", "b"));
  EXPECT_THAT(GetStrings(f, tags), ElementsAre("b", "a", "b"));
  SetStrings(&f, tags, {"z"});
  EXPECT_THAT(f.tags(), ElementsAre("z"));
  SetStrings(&f, tags, {});
  EXPECT_EQ(f.tags_size(), 0);
}

TEST(FieldToStringTest, RendersEachKind) {
  v1::Finding f;
  f.set_title("Loose handrail");
  f.set_severity(v1::HIGH);
  f.set_deadline_ms(1234);
  f.add_tags("stairs");
  f.add_tags("fall");
  EXPECT_EQ(FieldToString(f, FindingField("title")), "Loose handrail");
  EXPECT_EQ(FieldToString(f, FindingField("severity")), "HIGH");
  EXPECT_EQ(FieldToString(f, FindingField("status")), "FINDING_STATUS_UNSPECIFIED");
  EXPECT_EQ(FieldToString(f, FindingField("deadline_ms")), "1234");
  EXPECT_EQ(FieldToString(f, FindingField("tags")), "[stairs, fall]");
  EXPECT_EQ(FieldToString(f, FindingField("evidence")), "[]");
  EXPECT_EQ(FieldToString(f, FindingField("category")), "");
  f.GetReflection()->SetEnumValue(&f, FindingField("severity"), 99);
  EXPECT_EQ(FieldToString(f, FindingField("severity")), "99");
  v1::Inspection i;
  i.set_template_version(4000000000u);
  i.set_kind(v1::SPOT_CHECK);
  EXPECT_EQ(FieldToString(i, Inspections().FindField("template_version")->field), "4000000000");
  EXPECT_EQ(FieldToString(i, Inspections().FindField("kind")->field), "SPOT_CHECK");
}

// ---- FieldEquals ----

TEST(FieldEqualsTest, Scalars) {
  v1::Finding a, b;
  EXPECT_TRUE(FieldEquals(a, b, FindingSpec("title")));
  a.set_title("x");
  EXPECT_FALSE(FieldEquals(a, b, FindingSpec("title")));
  b.set_title("x");
  EXPECT_TRUE(FieldEquals(a, b, FindingSpec("title")));
  a.set_deadline_ms(-1);
  EXPECT_FALSE(FieldEquals(a, b, FindingSpec("deadline_ms")));
  a.set_severity(v1::LOW);
  b.set_severity(v1::HIGH);
  EXPECT_FALSE(FieldEquals(a, b, FindingSpec("severity")));
  EXPECT_TRUE(FieldEquals(a, b, FindingSpec("category"))) << "other fields do not matter";
}

TEST(FieldEqualsTest, StringsAreComparedExactly) {
  v1::Finding a, b;
  a.set_title("Exit");
  b.set_title("exit");
  EXPECT_FALSE(FieldEquals(a, b, FindingSpec("title")));
  b.set_title("Exit ");
  EXPECT_FALSE(FieldEquals(a, b, FindingSpec("title")));
  a.set_title(std::string("a\0b", 3));
  b.set_title(std::string("a\0c", 3));
  EXPECT_FALSE(FieldEquals(a, b, FindingSpec("title")));
}

TEST(FieldEqualsTest, UnknownEnumValuesDiffer) {
  v1::Finding a, b;
  a.GetReflection()->SetEnumValue(&a, FindingField("severity"), 99);
  b.GetReflection()->SetEnumValue(&b, FindingField("severity"), 100);
  EXPECT_FALSE(FieldEquals(a, b, FindingSpec("severity")));
  b.GetReflection()->SetEnumValue(&b, FindingField("severity"), 99);
  EXPECT_TRUE(FieldEquals(a, b, FindingSpec("severity")));
}

TEST(FieldEqualsTest, SetIgnoresOrderAndDuplicates) {
  v1::Finding a, b;
  SetStrings(&a, FindingField("tags"), {"a", "b", "c"});
  SetStrings(&b, FindingField("tags"), {"c", "a", "b"});
  EXPECT_TRUE(FieldEquals(a, b, FindingSpec("tags")));
  SetStrings(&b, FindingField("tags"), {"c", "a", "b", "a", "c"});
  EXPECT_TRUE(FieldEquals(a, b, FindingSpec("tags")));
  SetStrings(&b, FindingField("tags"), {"a", "b"});
  EXPECT_FALSE(FieldEquals(a, b, FindingSpec("tags")));
  SetStrings(&b, FindingField("tags"), {"a", "b", "c", "d"});
  EXPECT_FALSE(FieldEquals(a, b, FindingSpec("tags")));
  SetStrings(&b, FindingField("tags"), {"a", "b", "C"});
  EXPECT_FALSE(FieldEquals(a, b, FindingSpec("tags")));
  // Joining must not make different sets look equal.
  SetStrings(&a, FindingField("tags"), {"a, b", "c"});
  SetStrings(&b, FindingField("tags"), {"a", "b, c"});
  EXPECT_FALSE(FieldEquals(a, b, FindingSpec("tags")));
}

TEST(FieldEqualsTest, EmptySets) {
  v1::Finding a, b;
  EXPECT_TRUE(FieldEquals(a, b, FindingSpec("tags")));
  b.add_tags("x");
  EXPECT_FALSE(FieldEquals(a, b, FindingSpec("tags")));
  EXPECT_FALSE(FieldEquals(b, a, FindingSpec("tags")));
}

TEST(FieldEqualsTest, RepeatedWithoutSetPolicyIsOrderSensitive) {
  // No schema field is like this today; FieldEquals still promises
  // element-wise comparison for repeated fields that are not SET.
  FieldSpec list = FindingSpec("tags");
  list.policy = v1::LWW;
  v1::Finding a, b;
  SetStrings(&a, FindingField("tags"), {"a", "b"});
  SetStrings(&b, FindingField("tags"), {"b", "a"});
  EXPECT_FALSE(FieldEquals(a, b, list));
  SetStrings(&b, FindingField("tags"), {"a", "b"});
  EXPECT_TRUE(FieldEquals(a, b, list));
  SetStrings(&b, FindingField("tags"), {"a", "b", "b"});
  EXPECT_FALSE(FieldEquals(a, b, list));
}

// A repeated field that is not SET compares element by element, never through
// its rendering: {"a, b", "c"} and {"a", "b, c"} both render "[a, b, c]".
// Expected: false; actual: true.
TEST(FieldEqualsTest, RepeatedWithoutSetPolicyComparesElementsNotRendering) {
  FieldSpec list = FindingSpec("tags");
  list.policy = v1::LWW;
  v1::Finding a, b;
  SetStrings(&a, FindingField("tags"), {"a, b", "c"});
  SetStrings(&b, FindingField("tags"), {"a", "b, c"});
  EXPECT_FALSE(FieldEquals(a, b, list));
}

// ---- ChangedFields ----

TEST(ChangedFieldsTest, NoneForEqualRecords) {
  v1::Finding a;
  a.set_title("t");
  a.add_tags("x");
  v1::Finding b = a;
  EXPECT_TRUE(ChangedFields(Findings(), a, b).empty());
  EXPECT_TRUE(ChangedFields(Findings(), v1::Finding(), v1::Finding()).empty());
}

TEST(ChangedFieldsTest, ListsDifferingFieldsInSchemaOrder) {
  v1::Finding a, b;
  a.set_title("t");
  a.add_tags("x");
  a.add_tags("y");
  b.set_title("u");
  b.add_tags("y");
  b.add_tags("x");  // same set: not a change
  b.set_status(v1::OPEN);
  b.set_category("fire");
  auto changed = ChangedFields(Findings(), a, b);
  EXPECT_THAT(Names(changed), ElementsAre("category", "title", "status"));
  for (const FieldSpec* f : changed) EXPECT_EQ(Findings().FindField(f->field->name()), f);
  EXPECT_THAT(Names(ChangedFields(Findings(), b, a)), ElementsAre("category", "title", "status"));
}

TEST(ChangedFieldsTest, Inspections) {
  v1::Inspection a, b;
  a.add_inspectors("u1");
  b.add_inspectors("u2");
  b.set_ended_at_ms(9);
  EXPECT_THAT(Names(ChangedFields(Inspections(), a, b)), ElementsAre("inspectors", "ended_at_ms"));
}

}  // namespace
}  // namespace inspectsync::core
