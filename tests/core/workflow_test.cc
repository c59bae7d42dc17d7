// The workflow rules across records (core/workflow.h), over an in-memory
// lookup, plus a property test of every declared merge policy of every
// collection: the schema's promise, checked field by field.
#include "core/workflow.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "core/hlc.h"
#include "core/ids.h"
#include "core/merge.h"
#include "core/patch.h"

namespace inspectsync::core {
namespace {

constexpr int64_t kT0 = 1'767'225'600'000;
constexpr int64_t kDay = 86'400'000;

class MapLookup : public RecordLookup {
 public:
  StatusOr<std::unique_ptr<pb::Message>> Find(const CollectionSpec& spec, const std::string& id) override {
    auto it = records_.find(spec.name() + "/" + id);
    if (it == records_.end()) return std::unique_ptr<pb::Message>();
    std::unique_ptr<pb::Message> m(it->second->New());
    m->CopyFrom(*it->second);
    return m;
  }
  template <typename T>
  void Put(const std::string& collection, const std::string& id, const T& rec) {
    records_[collection + "/" + id] = std::make_unique<T>(rec);
  }

 private:
  std::map<std::string, std::unique_ptr<pb::Message>> records_;
};

Rejection Create(MapLookup& l, const char* collection, const std::string& id, const pb::Message& rec) {
  auto r = CheckCreateRules(*FindCollection(collection), id, rec, l);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Rejection{v1::INVALID, "lookup failed"};
}

Rejection Change(MapLookup& l, const char* collection, const std::string& id, const pb::Message& before,
                 const pb::Message& after) {
  auto r = CheckChangeRules(*FindCollection(collection), id, before, after, l);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Rejection{v1::INVALID, "lookup failed"};
}

v1::ChecklistTemplate Template(uint32_t version) {
  v1::ChecklistTemplate t;
  t.set_key("epidemic-prevention");
  t.set_version(version);
  t.set_title("Epidemic prevention and safety");
  auto* a = t.add_items();
  a->set_id("supplies");
  a->set_category("prevention-supplies");
  a->set_text("Prevention supplies sufficient and within their expiry date");
  a->set_default_severity(v1::MEDIUM);
  a->set_evidence_required(true);
  auto* b = t.add_items();
  b->set_id("gas-alarm");
  b->set_category("fire-safety");
  b->set_text("Kitchen gas alarm serviced within the year");
  b->set_default_severity(v1::HIGH);
  return t;
}

const std::string kFinding = "01900000-0000-7000-8000-000000000001";
const std::string kNotice = "01900000-0000-7000-8000-000000000002";
const std::string kPassed = "01900000-0000-7000-8000-000000000003";
const std::string kFailed = "01900000-0000-7000-8000-000000000004";

v1::Finding AFinding(v1::FindingStatus s) {
  v1::Finding f;
  f.set_site_id("site-1");
  f.set_title("Expired hand sanitiser");
  f.set_status(s);
  if (s != v1::OPEN && s != v1::DRAFT) f.set_deadline_ms(kT0 + 7 * kDay);
  return f;
}

TEST(TemplateIdTest, DerivedFromKeyAndVersionAsAUuid) {
  std::string v1id = TemplateRecordId("epidemic-prevention", 1);
  EXPECT_TRUE(IsUuid(v1id)) << v1id;
  EXPECT_EQ(v1id[14], '8');  // version 8: name-based, custom
  EXPECT_EQ(v1id, TemplateRecordId("epidemic-prevention", 1));
  EXPECT_NE(v1id, TemplateRecordId("epidemic-prevention", 2));
  EXPECT_NE(v1id, TemplateRecordId("fire-safety", 1));
  EXPECT_NE(TemplateRecordId("a/1", 2), TemplateRecordId("a", 12));
}

TEST(WorkflowTest, TemplateVersionsArePublishedOnceInOrderWithSoundItems) {
  MapLookup l;
  v1::ChecklistTemplate t1 = Template(1);
  EXPECT_TRUE(Create(l, "templates", TemplateRecordId(t1.key(), 1), t1).ok());
  Rejection wrong_id = Create(l, "templates", NewUuidV7(), t1);
  EXPECT_EQ(wrong_id.code, v1::INVALID);
  EXPECT_NE(wrong_id.reason.find("derived from key and version"), std::string::npos) << wrong_id.reason;

  v1::ChecklistTemplate t2 = Template(2);
  Rejection out_of_order = Create(l, "templates", TemplateRecordId(t2.key(), 2), t2);
  EXPECT_EQ(out_of_order.code, v1::WORKFLOW);
  EXPECT_NE(out_of_order.reason.find("version 1 is not published"), std::string::npos) << out_of_order.reason;
  l.Put("templates", TemplateRecordId(t1.key(), 1), t1);
  EXPECT_TRUE(Create(l, "templates", TemplateRecordId(t2.key(), 2), t2).ok());

  v1::ChecklistTemplate dup = Template(1);
  dup.mutable_items(1)->set_id("supplies");
  Rejection r = Create(l, "templates", TemplateRecordId(dup.key(), 1), dup);
  EXPECT_EQ(r.code, v1::INVALID);
  EXPECT_NE(r.reason.find("repeats the id 'supplies'"), std::string::npos) << r.reason;
  v1::ChecklistTemplate empty = Template(1);
  empty.clear_items();
  EXPECT_EQ(Create(l, "templates", TemplateRecordId(empty.key(), 1), empty).code, v1::INVALID);
}

TEST(WorkflowTest, InspectionsUseAPublishedTemplateVersionAndAnswerItsItems) {
  MapLookup l;
  v1::Inspection in;
  in.set_site_id("site-1");
  in.set_template_key("epidemic-prevention");
  in.set_template_version(1);
  Rejection missing = Create(l, "inspections", NewUuidV7(), in);
  EXPECT_EQ(missing.code, v1::WORKFLOW);
  EXPECT_NE(missing.reason.find("not published"), std::string::npos) << missing.reason;

  l.Put("templates", TemplateRecordId("epidemic-prevention", 1), Template(1));
  auto* resp = in.add_responses();
  resp->set_item_id("gas-alarm");
  resp->set_result(v1::FAIL);
  EXPECT_TRUE(Create(l, "inspections", NewUuidV7(), in).ok());

  resp->set_item_id("no-such-item");
  Rejection unknown = Create(l, "inspections", NewUuidV7(), in);
  EXPECT_EQ(unknown.code, v1::INVALID);
  EXPECT_NE(unknown.reason.find("'no-such-item' is not an item"), std::string::npos) << unknown.reason;
  resp->set_item_id("supplies");
  resp->set_result(v1::ITEM_RESULT_UNSPECIFIED);
  EXPECT_EQ(Create(l, "inspections", NewUuidV7(), in).code, v1::INVALID);

  // A campaign fixes the template version its inspections use.
  resp->set_result(v1::PASS);
  v1::Campaign c;
  c.set_name("Spring special inspection");
  c.set_kind(v1::SPECIAL_CAMPAIGN);
  c.set_template_key("epidemic-prevention");
  c.set_template_version(2);
  l.Put("campaigns", "camp-1", c);
  in.set_campaign_id("camp-1");
  Rejection mismatch = Create(l, "inspections", NewUuidV7(), in);
  EXPECT_EQ(mismatch.code, v1::WORKFLOW);
  EXPECT_NE(mismatch.reason.find("inspects with template epidemic-prevention version 2"), std::string::npos)
      << mismatch.reason;
  in.set_campaign_id("no-such-campaign");
  EXPECT_EQ(Create(l, "inspections", NewUuidV7(), in).code, v1::WORKFLOW);

  v1::Inspection no_template;
  no_template.set_site_id("site-1");
  *no_template.add_responses() = *resp;
  EXPECT_EQ(Create(l, "inspections", NewUuidV7(), no_template).code, v1::INVALID);
}

TEST(WorkflowTest, ANoticeListsExistingFindingsOfItsOwnSite) {
  MapLookup l;
  l.Put("findings", kFinding, AFinding(v1::OPEN));
  v1::RectificationNotice n;
  n.set_site_id("site-1");
  n.add_finding_ids(kFinding);
  n.set_deadline_ms(kT0 + 14 * kDay);
  EXPECT_TRUE(Create(l, "notices", kNotice, n).ok());
  v1::RectificationNotice other = n;
  other.set_site_id("site-2");
  Rejection r = Create(l, "notices", kNotice, other);
  EXPECT_EQ(r.code, v1::WORKFLOW);
  EXPECT_NE(r.reason.find("not at the notice's site site-2"), std::string::npos) << r.reason;
  v1::RectificationNotice ghost = n;
  ghost.add_finding_ids("01900000-0000-7000-8000-0000000000ff");
  EXPECT_EQ(Create(l, "notices", kNotice, ghost).code, v1::WORKFLOW);
  v1::RectificationNotice no_deadline = n;
  no_deadline.clear_deadline_ms();
  EXPECT_EQ(Create(l, "notices", kNotice, no_deadline).code, v1::INVALID);
}

TEST(WorkflowTest, NotifiedNeedsANoticeListingTheFinding) {
  MapLookup l;
  v1::Finding open = AFinding(v1::OPEN), notified = AFinding(v1::NOTIFIED);
  Rejection none = Change(l, "findings", kFinding, open, notified);
  EXPECT_EQ(none.code, v1::WORKFLOW);
  EXPECT_NE(none.reason.find("set notice_id"), std::string::npos) << none.reason;
  notified.set_notice_id(kNotice);
  EXPECT_EQ(Change(l, "findings", kFinding, open, notified).code, v1::WORKFLOW);  // no such notice
  v1::RectificationNotice n;
  n.set_site_id("site-1");
  n.add_finding_ids("01900000-0000-7000-8000-0000000000ff");
  n.set_deadline_ms(kT0 + 14 * kDay);
  l.Put("notices", kNotice, n);
  Rejection unlisted = Change(l, "findings", kFinding, open, notified);
  EXPECT_EQ(unlisted.code, v1::WORKFLOW);
  EXPECT_NE(unlisted.reason.find("does not list finding"), std::string::npos) << unlisted.reason;
  n.add_finding_ids(kFinding);
  l.Put("notices", kNotice, n);
  EXPECT_TRUE(Change(l, "findings", kFinding, open, notified).ok());
  // Edits that do not move the status need nothing.
  v1::Finding retitled = notified;
  retitled.set_title("Expired sanitiser, two bottles");
  retitled.clear_notice_id();
  EXPECT_TRUE(Change(l, "findings", kFinding, notified, retitled).ok());
}

TEST(WorkflowTest, ClosingNeedsAPassedVerificationReopeningAFailedOneAndALaterDeadline) {
  MapLookup l;
  l.Put("findings", kFinding, AFinding(v1::RECTIFIED));
  v1::Verification passed;
  passed.set_site_id("site-1");
  passed.set_finding_id(kFinding);
  passed.set_method(v1::ON_SITE);
  passed.set_result(v1::PASSED);
  passed.set_verifier("user-zhang");
  EXPECT_TRUE(Create(l, "verifications", kPassed, passed).ok());
  v1::Verification failed = passed;
  failed.set_result(v1::FAILED);
  Rejection no_deadline = Create(l, "verifications", kFailed, failed);
  EXPECT_EQ(no_deadline.code, v1::INVALID);
  EXPECT_NE(no_deadline.reason.find("new_deadline_ms"), std::string::npos);
  failed.set_new_deadline_ms(kT0 + 30 * kDay);
  EXPECT_TRUE(Create(l, "verifications", kFailed, failed).ok());
  v1::Verification elsewhere = passed;
  elsewhere.set_site_id("site-9");
  EXPECT_EQ(Create(l, "verifications", kPassed, elsewhere).code, v1::WORKFLOW);
  l.Put("verifications", kPassed, passed);
  l.Put("verifications", kFailed, failed);

  v1::Finding rectified = AFinding(v1::RECTIFIED), closed = AFinding(v1::CLOSED);
  EXPECT_EQ(Change(l, "findings", kFinding, rectified, closed).code, v1::WORKFLOW);
  closed.set_verification_id(kFailed);
  Rejection wrong = Change(l, "findings", kFinding, rectified, closed);
  EXPECT_EQ(wrong.code, v1::WORKFLOW);
  EXPECT_NE(wrong.reason.find("failed: the finding cannot close"), std::string::npos) << wrong.reason;
  closed.set_verification_id(kPassed);
  EXPECT_TRUE(Change(l, "findings", kFinding, rectified, closed).ok());

  v1::Finding reopened = AFinding(v1::REOPENED);
  reopened.set_verification_id(kFailed);
  Rejection same_deadline = Change(l, "findings", kFinding, rectified, reopened);
  EXPECT_EQ(same_deadline.code, v1::WORKFLOW);
  EXPECT_NE(same_deadline.reason.find("new deadline"), std::string::npos) << same_deadline.reason;
  reopened.set_deadline_ms(kT0 + 30 * kDay);
  EXPECT_TRUE(Change(l, "findings", kFinding, rectified, reopened).ok());
  reopened.set_verification_id(kPassed);
  EXPECT_EQ(Change(l, "findings", kFinding, rectified, reopened).code, v1::WORKFLOW);

  // Without a move too: a REOPENED finding cannot be made to name a pass
  // (settling the verifiers' conflict by taking the loser's id), nor a
  // CLOSED one a fail; another verification of the same result is fine.
  v1::Finding now = reopened;
  now.set_verification_id(kFailed);
  Rejection by_pass = Change(l, "findings", kFinding, now, reopened);
  EXPECT_EQ(by_pass.code, v1::WORKFLOW);
  EXPECT_NE(by_pass.reason.find("passed: a REOPENED finding names the FAILED verification"), std::string::npos)
      << by_pass.reason;
  closed.set_verification_id(kPassed);
  v1::Finding closed_by_fail = closed;
  closed_by_fail.set_verification_id(kFailed);
  EXPECT_EQ(Change(l, "findings", kFinding, closed, closed_by_fail).code, v1::WORKFLOW);
  const std::string kFailedToo = "01900000-0000-7000-8000-000000000005";
  l.Put("verifications", kFailedToo, failed);
  v1::Finding other_fail = now;
  other_fail.set_verification_id(kFailedToo);
  EXPECT_TRUE(Change(l, "findings", kFinding, now, other_fail).ok());
}

// Every (references) field: what an edit makes it name must be a record the
// caller can see, of the record's own site — at create and on any patch, not
// only on the status moves above.
TEST(WorkflowTest, AFindingNamesOnlyRecordsOfItsOwnSite) {
  MapLookup l;
  const std::string kHere = "01900000-0000-7000-8000-0000000000a1", kThere = "01900000-0000-7000-8000-0000000000a2";
  v1::Inspection here, there;
  here.set_site_id("site-1");
  there.set_site_id("site-2");
  l.Put("inspections", kHere, here);
  l.Put("inspections", kThere, there);
  v1::RectificationNotice notice_there;
  notice_there.set_site_id("site-2");
  notice_there.add_finding_ids(kFinding);
  notice_there.set_deadline_ms(kT0 + 14 * kDay);
  l.Put("notices", kNotice, notice_there);
  v1::Verification verification_there;
  verification_there.set_site_id("site-2");
  verification_there.set_finding_id(kFinding);
  l.Put("verifications", kPassed, verification_there);

  // inspection_id: another site's inspection is refused; one not there yet
  // (a teammate's, captured offline) is accepted.
  v1::Finding f = AFinding(v1::OPEN);
  f.set_inspection_id(kHere);
  EXPECT_TRUE(Create(l, "findings", kFinding, f).ok());
  f.set_inspection_id(kThere);
  Rejection cross = Create(l, "findings", kFinding, f);
  EXPECT_EQ(cross.code, v1::WORKFLOW);
  EXPECT_NE(cross.reason.find("inspection_id names inspections record " + kThere + " of site site-2"),
            std::string::npos)
      << cross.reason;
  EXPECT_NE(cross.reason.find("at site site-1"), std::string::npos) << cross.reason;
  f.set_inspection_id("01900000-0000-7000-8000-0000000000ff");
  EXPECT_TRUE(Create(l, "findings", kFinding, f).ok()) << "a pending inspection may be named";

  // notice_id and verification_id set by a plain patch, without a move.
  v1::Finding before = AFinding(v1::NOTIFIED), after = before;
  after.set_notice_id(kNotice);
  Rejection notice = Change(l, "findings", kFinding, before, after);
  EXPECT_EQ(notice.code, v1::WORKFLOW);
  EXPECT_NE(notice.reason.find("notice_id names notices record " + kNotice + " of site site-2"), std::string::npos)
      << notice.reason;
  after = before;
  after.set_verification_id(kPassed);
  EXPECT_EQ(Change(l, "findings", kFinding, before, after).code, v1::WORKFLOW);
  after.set_verification_id("01900000-0000-7000-8000-0000000000ff");
  Rejection missing = Change(l, "findings", kFinding, before, after);
  EXPECT_EQ(missing.code, v1::WORKFLOW) << "a notice or verification must be there";
  EXPECT_NE(missing.reason.find("does not exist where you can see it"), std::string::npos) << missing.reason;
  // An unchanged reference is not checked again (it was when it was set),
  // and clearing one is always allowed.
  before.set_notice_id(kNotice);
  after = before;
  after.set_title("retitled");
  EXPECT_TRUE(Change(l, "findings", kFinding, before, after).ok());
  after.clear_notice_id();
  EXPECT_TRUE(Change(l, "findings", kFinding, before, after).ok());

  // The same on the other side: a notice of site-1 cannot add a finding of
  // site-2, a verification cannot be of another site's finding.
  v1::Finding f2 = AFinding(v1::OPEN);
  f2.set_site_id("site-2");
  l.Put("findings", kFailed, f2);
  v1::RectificationNotice n;
  n.set_site_id("site-1");
  n.set_deadline_ms(kT0 + 14 * kDay);
  n.add_finding_ids(kFinding);
  l.Put("findings", kFinding, AFinding(v1::OPEN));
  v1::RectificationNotice more = n;
  more.add_finding_ids(kFailed);
  EXPECT_EQ(Change(l, "notices", kNotice, n, more).code, v1::WORKFLOW);
}

TEST(WorkflowTest, ADeactivatedSiteTakesNoNewWorkButFinishesAVisitUnderway) {
  MapLookup l;
  v1::Site site;
  site.set_name("阳光小学");
  site.set_code("PS-1");
  l.Put("sites", "s1", site);
  auto check = [&](const char* collection, const pb::Message& rec) {
    auto r = CheckNewWorkSite(*FindCollection(collection), rec, l);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Rejection{v1::INVALID, "lookup failed"};
  };
  v1::Finding f;
  f.set_site_id("s1");
  f.set_title("灭火器过期");
  v1::Inspection in;
  in.set_site_id("s1");
  EXPECT_TRUE(check("findings", f).ok());  // in service
  EXPECT_TRUE(check("inspections", in).ok());

  site.set_deactivated(true);
  l.Put("sites", "s1", site);
  Rejection r = check("findings", f);
  EXPECT_EQ(r.code, v1::WORKFLOW);
  EXPECT_NE(r.reason.find("site 'PS-1 阳光小学' is deactivated"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("no new findings"), std::string::npos) << r.reason;
  r = check("inspections", in);
  EXPECT_EQ(r.code, v1::WORKFLOW);
  EXPECT_NE(r.reason.find("no new inspections"), std::string::npos) << r.reason;
  // A failed item of an inspection started before is the rest of that visit.
  f.set_inspection_id("i1");
  EXPECT_TRUE(check("findings", f).ok());
  // Other collections, an unknown site and a site-less record are not this rule's.
  v1::Verification v;
  v.set_site_id("s1");
  EXPECT_TRUE(check("verifications", v).ok());
  in.set_site_id("s9");
  EXPECT_TRUE(check("inspections", in).ok());
}

TEST(WorkflowTest, AssignmentsNameAUserOrATeam) {
  MapLookup l;
  v1::Assignment a;
  a.set_site_id("site-1");
  EXPECT_EQ(Create(l, "assignments", NewUuidV7(), a).code, v1::INVALID);
  a.set_user_id("user-li");
  EXPECT_TRUE(Create(l, "assignments", NewUuidV7(), a).ok());
  a.set_team_id("team-3");
  EXPECT_EQ(Create(l, "assignments", NewUuidV7(), a).code, v1::INVALID);
  a.clear_user_id();
  EXPECT_TRUE(Create(l, "assignments", NewUuidV7(), a).ok());
  a.set_campaign_id("no-such-campaign");
  EXPECT_EQ(Create(l, "assignments", NewUuidV7(), a).code, v1::WORKFLOW);
}

// ---- Immutable records and fixed fields (validate.cc) ----

v1::Mutation Patch(const std::string& collection, const v1::RecordBody& body, const std::string& field) {
  v1::Mutation m;
  m.set_client_id("aaaaaaaa-aaaa-7aaa-8aaa-aaaaaaaaaaaa");
  m.set_mutation_id(1);
  m.set_collection(collection);
  m.set_record_id(NewUuidV7());
  m.set_op(v1::PATCH);
  m.set_base_version(1);
  m.mutable_mask()->add_paths(field);
  *m.mutable_body() = body;
  m.set_hlc(Hlc::Pack(kT0, 0));
  return m;
}

TEST(WorkflowTest, PublishedTemplatesAndVerificationsNeverChangeAndFixedFieldsStay) {
  v1::RecordBody t;
  t.mutable_checklist_template()->set_title("changed");
  Rejection r = ValidateMutation(Patch("templates", t, "title"), {}, kT0);
  EXPECT_EQ(r.code, v1::IMMUTABLE);
  EXPECT_NE(r.reason.find("publish a new version"), std::string::npos) << r.reason;
  v1::RecordBody v;
  v.mutable_verification()->set_note("x");
  EXPECT_EQ(ValidateMutation(Patch("verifications", v, "note"), {}, kT0).code, v1::IMMUTABLE);

  v1::RecordBody in;
  in.mutable_inspection()->set_template_version(2);
  Rejection fixed = ValidateMutation(Patch("inspections", in, "template_version"), {}, kT0);
  EXPECT_EQ(fixed.code, v1::INVALID);
  EXPECT_NE(fixed.reason.find("fixed when it is created"), std::string::npos) << fixed.reason;
  v1::RecordBody c;
  c.mutable_campaign()->set_kind(v1::SPOT_CHECK);
  EXPECT_EQ(ValidateMutation(Patch("campaigns", c, "kind"), {}, kT0).code, v1::INVALID);
  c.mutable_campaign()->clear_kind();
  c.mutable_campaign()->set_status(v1::FINISHED);
  EXPECT_TRUE(ValidateMutation(Patch("campaigns", c, "status"), {}, kT0).ok());
}

// ---- Every declared policy, for every field of every collection ----

// Two distinct values of field f (a < b for MAX), set on fresh messages.
void SetValue(pb::Message* m, const FieldSpec& fs, int which) {
  const pb::FieldDescriptor* f = fs.field;
  const pb::Reflection* r = m->GetReflection();
  std::string s = which == 0 ? "value-a" : "value-b";
  if (f->is_repeated()) {
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
      r->AddString(m, f, s);
    } else {
      pb::Message* e = r->AddMessage(m, f);
      const pb::FieldDescriptor* first = e->GetDescriptor()->field(0);
      e->GetReflection()->SetString(e, first, s);
    }
    return;
  }
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING: r->SetString(m, f, s); break;
    case pb::FieldDescriptor::CPPTYPE_INT64: r->SetInt64(m, f, 100 + which); break;
    case pb::FieldDescriptor::CPPTYPE_UINT32: r->SetUInt32(m, f, 100 + which); break;
    case pb::FieldDescriptor::CPPTYPE_UINT64: r->SetUInt64(m, f, 100 + which); break;
    case pb::FieldDescriptor::CPPTYPE_INT32: r->SetInt32(m, f, 100 + which); break;
    case pb::FieldDescriptor::CPPTYPE_BOOL: r->SetBool(m, f, which == 1); break;
    case pb::FieldDescriptor::CPPTYPE_ENUM: r->SetEnumValue(m, f, f->enum_type()->value(1 + which)->number()); break;
    default: FAIL() << "no sample value for " << f->full_name();
  }
}

TEST(PolicyTest, EveryDeclaredPolicyOfEveryFieldResolvesAsDeclared) {
  int checked = 0;
  for (const CollectionSpec* spec : AllCollections()) {
    for (const FieldSpec& fs : spec->fields()) {
      if (fs.policy == v1::LIFECYCLE) continue;  // its own tests: merge_test, lifecycle_test
      SCOPED_TRACE(spec->name() + "." + fs.field->name() + " " + PolicyName(fs.policy));
      std::unique_ptr<pb::Message> base(spec->descriptor() == nullptr ? nullptr
                                        : pb::MessageFactory::generated_factory()->GetPrototype(spec->descriptor())->New());
      std::unique_ptr<pb::Message> cur(base->New()), in(base->New());
      SetValue(cur.get(), fs, 0);  // the server got a (earlier writer, device A)
      SetValue(in.get(), fs, 1);   // the incoming edit sets b (later writer, device B)
      v1::FieldClocks clocks;
      StampField(&clocks, fs.field->number(), Writer{Hlc::Pack(kT0, 0), "aaaa"});
      MergeResult r = MergePatch(*spec, *cur, clocks, {&fs}, *base, *in, Writer{Hlc::Pack(kT0 + 1000, 0), "bbbb"});
      ASSERT_FALSE(r.rejected) << r.reason;
      if (fs.field->cpp_type() == pb::FieldDescriptor::CPPTYPE_BOOL) {
        // Two values only: both sides cannot change it differently; the change stands.
        EXPECT_TRUE(FieldEquals(*r.merged, *in, fs));
        ++checked;
        continue;
      }
      switch (fs.policy) {
        case v1::SET:  // both additions kept, no conflict
          EXPECT_EQ(r.merged->GetReflection()->FieldSize(*r.merged, fs.field), 2);
          EXPECT_TRUE(r.conflicts.empty());
          break;
        case v1::LWW:  // the later writer wins; the loser is kept
        case v1::MAX:  // the greater (b) wins, whoever wrote it
        case v1::REVIEW:  // the later stands, and the conflict stays open for a person
          EXPECT_TRUE(FieldEquals(*r.merged, *in, fs));
          ASSERT_EQ(r.conflicts.size(), 1u);
          EXPECT_TRUE(FieldEquals(*r.conflicts[0].loser, *cur, fs));
          EXPECT_EQ(r.conflicts[0].state, fs.policy == v1::REVIEW ? v1::CONFLICT_OPEN : v1::CONFLICT_AUTO_RESOLVED);
          break;
        default:
          ADD_FAILURE() << "undeclared policy";
      }
      if (fs.policy == v1::MAX) {  // and the other way round: the greater current value stays
        MergeResult back = MergePatch(*spec, *in, clocks, {&fs}, *base, *cur, Writer{Hlc::Pack(kT0 + 1000, 0), "bbbb"});
        EXPECT_TRUE(FieldEquals(*back.merged, *in, fs));
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 60);
}

}  // namespace
}  // namespace inspectsync::core
