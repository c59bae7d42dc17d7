// The registry of collections and field rules, read from the proto options.
#include "core/schema.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace inspectsync::core {
namespace {

TEST(SchemaTest, KnowsEveryCollection) {
  const auto& all = AllCollections();
  ASSERT_EQ(all.size(), 11u);
  std::set<std::string> names;
  for (const CollectionSpec* c : all) names.insert(c->name());
  EXPECT_EQ(names, (std::set<std::string>{"findings", "inspections", "zones", "sites", "users", "assignments", "teams",
                                          "templates", "campaigns", "notices", "verifications"}));
  EXPECT_EQ(CollectionNames(),
            "findings, inspections, zones, sites, users, assignments, teams, templates, campaigns, notices, "
            "verifications");
}

TEST(SchemaTest, ScopeKeysAndReferenceData) {
  // Findings and inspections belong to a site; a site is its own scope; an
  // assignment is to a site or a zone; zones and users are seen by everyone.
  const CollectionSpec* findings = FindCollection("findings");
  ASSERT_EQ(findings->scope_fields().size(), 1u);
  EXPECT_EQ(findings->scope_fields()[0]->field->name(), "site_id");
  EXPECT_TRUE(findings->scoped());
  EXPECT_FALSE(findings->reference());
  EXPECT_TRUE(FindCollection("sites")->scope_is_id());
  EXPECT_EQ(FindCollection("assignments")->scope_fields().size(), 2u);
  EXPECT_FALSE(FindCollection("zones")->scoped());
  EXPECT_FALSE(FindCollection("users")->scoped());
  for (const char* ref : {"zones", "sites", "users", "assignments"}) EXPECT_TRUE(FindCollection(ref)->reference()) << ref;

  v1::RecordBody body;
  body.mutable_finding()->set_site_id("site-7");
  EXPECT_EQ(ScopeOfBody(body, "id-1"), "site-7");
  body.mutable_site()->set_zone_id("zone-1");
  EXPECT_EQ(ScopeOfBody(body, "site-9"), "site-9");
  body.mutable_assignment()->set_zone_id("zone-2");
  EXPECT_EQ(ScopeOfBody(body, "a-1"), "zone-2");
  body.mutable_zone()->set_name("North");
  EXPECT_EQ(ScopeOfBody(body, "zone-3"), "");
}

TEST(SchemaTest, EveryCollectionMatchesARecordBodyMember) {
  const pb::Descriptor* body = v1::RecordBody::descriptor();
  EXPECT_EQ(AllCollections().size(), static_cast<size_t>(body->field_count()));
  for (const CollectionSpec* c : AllCollections()) {
    ASSERT_NE(c->body_field(), nullptr) << c->name();
    EXPECT_EQ(c->body_field()->containing_type(), body);
    EXPECT_EQ(c->body_field()->message_type(), c->descriptor()) << c->name();
    EXPECT_EQ(FindCollection(c->name()), c);
  }
}

TEST(SchemaTest, EveryFieldHasAMergePolicy) {
  for (const CollectionSpec* c : AllCollections()) {
    EXPECT_EQ(c->fields().size(), static_cast<size_t>(c->descriptor()->field_count())) << c->name();
    for (const FieldSpec& f : c->fields()) {
      SCOPED_TRACE(c->name() + "." + f.field->name());
      EXPECT_NE(f.policy, v1::MERGE_POLICY_UNSPECIFIED);
      EXPECT_STRNE(PolicyName(f.policy), "UNSPECIFIED");
      // A repeated field merges as a set (or, for a list of messages, as one
      // LWW value), and only a repeated field merges as a set. Nested
      // messages come only as list elements.
      bool message = f.field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
      if (f.policy == v1::SET) {
        EXPECT_TRUE(f.field->is_repeated());
      }
      if (f.field->is_repeated() && !message) {
        EXPECT_EQ(f.policy, v1::SET);
      }
      if (message) {
        EXPECT_TRUE(f.field->is_repeated());
      }
      EXPECT_GT(f.max_len, 0u);
      EXPECT_GT(f.max_items, 0u);
      EXPECT_FALSE(f.server_only);
      EXPECT_EQ(c->FindField(f.field->name()), &f);
      EXPECT_EQ(c->FindFieldByNumber(f.field->number()), &f);
    }
  }
}

TEST(SchemaTest, FindingPolicies) {
  const CollectionSpec* f = FindCollection("findings");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->descriptor(), v1::Finding::descriptor());
  EXPECT_EQ(f->body_field()->name(), "finding");
  EXPECT_EQ(f->FindField("title")->policy, v1::LWW);
  EXPECT_EQ(f->FindField("deadline_ms")->policy, v1::LWW);
  EXPECT_EQ(f->FindField("status")->policy, v1::LIFECYCLE);
  EXPECT_EQ(f->FindField("severity")->policy, v1::MAX);
  EXPECT_EQ(f->FindField("tags")->policy, v1::SET);
  EXPECT_EQ(f->FindField("evidence")->policy, v1::SET);
  EXPECT_EQ(f->FindField("description")->policy, v1::REVIEW);
  EXPECT_EQ(f->FindField("void_reason")->policy, v1::REVIEW);
  EXPECT_EQ(f->FindField("verification_note")->policy, v1::REVIEW);
}

TEST(SchemaTest, InspectionPolicies) {
  const CollectionSpec* i = FindCollection("inspections");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->descriptor(), v1::Inspection::descriptor());
  EXPECT_EQ(i->body_field()->name(), "inspection");
  EXPECT_EQ(i->FindField("kind")->policy, v1::LWW);
  EXPECT_EQ(i->FindField("inspectors")->policy, v1::SET);
  EXPECT_EQ(i->FindField("notes")->policy, v1::REVIEW);
}

TEST(SchemaTest, UnknownCollection) {
  EXPECT_EQ(FindCollection("schools"), nullptr);
  EXPECT_EQ(FindCollection(""), nullptr);
  EXPECT_EQ(FindCollection("Findings"), nullptr);   // names are exact
  EXPECT_EQ(FindCollection("finding"), nullptr);    // the body member, not the collection
  EXPECT_EQ(FindCollection("findings "), nullptr);
}

TEST(SchemaTest, FindingNotDeletableInspectionDeletable) {
  EXPECT_FALSE(FindCollection("findings")->deletable());
  EXPECT_TRUE(FindCollection("inspections")->deletable());
}

TEST(SchemaTest, LimitsReadFromOptions) {
  const CollectionSpec* f = FindCollection("findings");
  EXPECT_EQ(f->FindField("title")->max_len, 200u);
  EXPECT_EQ(f->FindField("description")->max_len, 4000u);
  EXPECT_EQ(f->FindField("void_reason")->max_len, 1000u);
  EXPECT_EQ(f->FindField("site_id")->max_len, 64u);
  EXPECT_EQ(f->FindField("evidence")->max_len, 128u);
  EXPECT_EQ(f->FindField("evidence")->max_items, 100u);
  EXPECT_EQ(f->FindField("tags")->max_len, 64u);
  EXPECT_EQ(f->FindField("tags")->max_items, 50u);
  const CollectionSpec* i = FindCollection("inspections");
  EXPECT_EQ(i->FindField("inspectors")->max_items, 20u);
  EXPECT_EQ(i->FindField("notes")->max_len, 4000u);
}

TEST(SchemaTest, DefaultLimitsWhenOptionAbsent) {
  const CollectionSpec* f = FindCollection("findings");
  EXPECT_EQ(f->FindField("severity")->max_len, kDefaultMaxStringLen);
  EXPECT_EQ(f->FindField("title")->max_items, kDefaultMaxItems);
  EXPECT_EQ(FindCollection("inspections")->FindField("template_version")->max_len, kDefaultMaxStringLen);
}

TEST(SchemaTest, FindFieldMisses) {
  const CollectionSpec* f = FindCollection("findings");
  EXPECT_EQ(f->FindField(""), nullptr);
  EXPECT_EQ(f->FindField("Title"), nullptr);
  EXPECT_EQ(f->FindField("notes"), nullptr);  // an inspection field
  EXPECT_EQ(f->FindFieldByNumber(0), nullptr);
  EXPECT_EQ(f->FindFieldByNumber(99), nullptr);
  EXPECT_EQ(f->FindFieldByNumber(10)->field->name(), "status");
}

TEST(SchemaTest, HoldsGetMutableAndCollectionOf) {
  const CollectionSpec* findings = FindCollection("findings");
  const CollectionSpec* inspections = FindCollection("inspections");
  v1::RecordBody body;
  EXPECT_FALSE(findings->Holds(body));
  EXPECT_FALSE(inspections->Holds(body));
  EXPECT_EQ(CollectionOf(body), nullptr);

  body.mutable_finding();  // an empty finding is still a finding
  EXPECT_TRUE(findings->Holds(body));
  EXPECT_FALSE(inspections->Holds(body));
  EXPECT_EQ(CollectionOf(body), findings);

  body.mutable_finding()->set_title("Loose handrail");
  EXPECT_EQ(&findings->Get(body), &body.finding());
  EXPECT_EQ(static_cast<const v1::Finding&>(findings->Get(body)).title(), "Loose handrail");

  pb::Message* insp = inspections->Mutable(&body);
  ASSERT_NE(insp, nullptr);
  EXPECT_EQ(insp->GetDescriptor(), v1::Inspection::descriptor());
  EXPECT_EQ(body.kind_case(), v1::RecordBody::kInspection);
  EXPECT_FALSE(findings->Holds(body)) << "Mutable switches the oneof";
  EXPECT_EQ(CollectionOf(body), inspections);
}

TEST(SchemaTest, PolicyNames) {
  EXPECT_STREQ(PolicyName(v1::LWW), "LWW");
  EXPECT_STREQ(PolicyName(v1::LIFECYCLE), "LIFECYCLE");
  EXPECT_STREQ(PolicyName(v1::MAX), "MAX");
  EXPECT_STREQ(PolicyName(v1::SET), "SET");
  EXPECT_STREQ(PolicyName(v1::REVIEW), "REVIEW");
  EXPECT_STREQ(PolicyName(v1::MERGE_POLICY_UNSPECIFIED), "UNSPECIFIED");
  EXPECT_STREQ(PolicyName(static_cast<v1::MergePolicy>(42)), "UNSPECIFIED");
}

}  // namespace
}  // namespace inspectsync::core
