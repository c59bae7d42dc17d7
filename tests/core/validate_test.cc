// ValidateMutation: everything a device sends is checked before it is used,
// and every rejection says what is wrong in words a person can act on.
#include "core/validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/hlc.h"
#include "core/ids.h"

namespace inspectsync::core {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1'767'225'600'000;  // the server's wall clock: 2026-01-01T00:00:00.000Z
constexpr int64_t kDrift = 15 * 60 * 1000;   // the default limit
const std::string kClient = "0190f3c4-5b6a-7c8d-9e0f-a1b2c3d4e5f6";

class ValidateTest : public ::testing::Test {
 protected:
  std::string NewId() { return ids_.NewUuidV7(); }

  v1::Mutation Base(const char* collection, v1::MutationOp op) {
    v1::Mutation m;
    m.set_client_id(kClient);
    m.set_mutation_id(7);
    m.set_collection(collection);
    m.set_record_id(NewId());
    m.set_op(op);
    m.set_hlc(Hlc::Pack(kNow - 5000, 2));
    return m;
  }
  v1::Mutation CreateFinding() {
    v1::Mutation m = Base("findings", v1::CREATE);
    v1::Finding* f = m.mutable_body()->mutable_finding();
    f->set_inspection_id(NewId());
    f->set_site_id("site-17");
    f->set_title("Blocked fire exit");
    f->set_severity(v1::HIGH);
    f->set_status(v1::OPEN);
    f->add_tags("fire");
    f->add_evidence(std::string(64, 'a'));
    return m;
  }
  v1::Mutation CreateInspection() {
    v1::Mutation m = Base("inspections", v1::CREATE);
    v1::Inspection* i = m.mutable_body()->mutable_inspection();
    i->set_site_id("site-17");
    i->set_kind(v1::ROUTINE_VISIT);
    i->add_inspectors("u-ana");
    return m;
  }
  v1::Mutation PatchFinding() {
    v1::Mutation m = Base("findings", v1::PATCH);
    m.set_base_version(12);
    m.mutable_mask()->add_paths("title");
    m.mutable_mask()->add_paths("tags");
    m.mutable_body()->mutable_finding()->set_title("Exit B blocked");
    m.mutable_body()->mutable_finding()->add_tags("exit");
    m.mutable_base_body()->mutable_finding()->set_title("Blocked fire exit");
    return m;
  }
  v1::Mutation DeleteInspection() {
    v1::Mutation m = Base("inspections", v1::DELETE);
    m.set_base_version(3);
    return m;
  }

  Rejection Validate(const v1::Mutation& m) { return ValidateMutation(m, ValidationLimits{}, kNow); }

  ManualClock clock_{kNow};
  IdGenerator ids_{&clock_, 42};
};

#define EXPECT_ACCEPTED(m)                                                  \
  do {                                                                      \
    Rejection rej_ = Validate(m);                                           \
    EXPECT_TRUE(rej_.ok()) << v1::RejectCode_Name(rej_.code) << ": " << rej_.reason; \
  } while (0)

#define EXPECT_REJECTED(m, want_code, matcher)                              \
  do {                                                                      \
    Rejection rej_ = Validate(m);                                           \
    EXPECT_FALSE(rej_.ok());                                                \
    EXPECT_EQ(v1::RejectCode_Name(rej_.code), v1::RejectCode_Name(want_code)) << rej_.reason; \
    EXPECT_THAT(rej_.reason, matcher);                                      \
  } while (0)

// ---- Valid mutations ----

TEST_F(ValidateTest, ValidMutationsPass) {
  EXPECT_ACCEPTED(CreateFinding());
  EXPECT_ACCEPTED(CreateInspection());
  EXPECT_ACCEPTED(PatchFinding());
  EXPECT_ACCEPTED(DeleteInspection());
}

TEST_F(ValidateTest, CreateDraftFindingPasses) {
  v1::Mutation m = CreateFinding();
  m.mutable_body()->mutable_finding()->set_status(v1::DRAFT);
  EXPECT_ACCEPTED(m);
}

TEST_F(ValidateTest, PatchWithoutBaseBodyPasses) {
  v1::Mutation m = PatchFinding();
  m.clear_base_body();
  EXPECT_ACCEPTED(m);
}

TEST_F(ValidateTest, PatchClearingAFieldPasses) {
  v1::Mutation m = Base("findings", v1::PATCH);
  m.mutable_mask()->add_paths("responsible_org");
  m.mutable_body()->mutable_finding();  // the masked field at its default: clear it
  m.mutable_base_body()->mutable_finding()->set_responsible_org("City works");
  EXPECT_ACCEPTED(m);
}

TEST_F(ValidateTest, RejectionIsOkOnlyWithoutCode) {
  EXPECT_TRUE(Rejection{}.ok());
  EXPECT_FALSE((Rejection{v1::INVALID, "x"}.ok()));
}

// ---- Identity and envelope ----

TEST_F(ValidateTest, BadClientId) {
  for (const char* bad : {"", "tablet-7", "0190F3C4-5B6A-7C8D-9E0F-A1B2C3D4E5F6", "0190f3c45b6a7c8d9e0fa1b2c3d4e5f6"}) {
    v1::Mutation m = CreateFinding();
    m.set_client_id(bad);
    EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("client_id"), HasSubstr("'" + std::string(bad) + "'")));
  }
}

// A reason quotes what the device sent, bounded (core::Quote): a 10 KB
// client_id, collection, record id or mask path comes back as its first 64
// bytes and its size, on one line, valid UTF-8.
TEST_F(ValidateTest, ReasonsNeverEchoUnboundedInput) {
  const std::string huge(10240, 'x');
  std::string chinese;
  for (int i = 0; i < 2000; ++i) chinese += "\xE4\xB8\xAD";  // 中, 6000 bytes
  for (const std::string& bad : {huge, chinese, std::string("line\nbreak\x1b[2J")}) {
    std::vector<v1::Mutation> ms(4, CreateFinding());
    ms[0].set_client_id(bad);
    ms[1].set_collection(bad);
    ms[2].set_record_id(bad);
    ms[3] = PatchFinding();
    ms[3].mutable_mask()->set_paths(0, bad);
    for (const v1::Mutation& m : ms) {
      Rejection r = Validate(m);
      ASSERT_FALSE(r.ok());
      EXPECT_LT(r.reason.size(), 400u) << r.reason.substr(0, 200);
      EXPECT_EQ(r.reason.find('\n'), std::string::npos) << r.reason;
      EXPECT_EQ(r.reason.find('\x1b'), std::string::npos) << r.reason;
      if (bad.size() > 64) {
        EXPECT_THAT(r.reason, HasSubstr("(" + std::to_string(bad.size()) + " bytes)"));
      }
      // A protobuf string must be UTF-8: the reason travels in one.
      v1::MutationResult res;
      res.set_reason(r.reason);
      v1::MutationResult back;
      EXPECT_TRUE(back.ParseFromString(res.SerializeAsString())) << "the reason is not valid UTF-8";
    }
  }
}

TEST_F(ValidateTest, MutationIdZero) {
  v1::Mutation m = PatchFinding();
  m.set_mutation_id(0);
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("mutation_id"));
}

TEST_F(ValidateTest, UnknownCollectionListsKnownOnes) {
  for (const char* bad : {"schools", "", "Findings", "finding"}) {
    v1::Mutation m = CreateFinding();
    m.set_collection(bad);
    EXPECT_REJECTED(m, v1::UNKNOWN_COLLECTION,
                    AllOf(HasSubstr("'" + std::string(bad) + "'"), HasSubstr("findings, inspections, zones")));
  }
}

TEST_F(ValidateTest, MalformedRecordId) {
  for (const char* bad : {"", "42", "F47AC10B-58CC-4372-A567-0E02B2C3D479", "f47ac10b-58cc-4372-a567-0e02b2c3d47",
                          "f47ac10b-58cc-4372-a567_0e02b2c3d479", "../../etc/passwd"}) {
    v1::Mutation m = PatchFinding();
    m.set_record_id(bad);
    EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("record_id"), HasSubstr("'" + std::string(bad) + "'")));
  }
}

TEST_F(ValidateTest, MissingHlc) {
  v1::Mutation m = CreateFinding();
  m.set_hlc(0);
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("hlc"));
}

TEST_F(ValidateTest, OpUnspecified) {
  v1::Mutation m = CreateFinding();
  m.set_op(v1::MUTATION_OP_UNSPECIFIED);
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("CREATE, PATCH or DELETE"));
}

// ---- Clock drift ----

TEST_F(ValidateTest, HlcTooFarInTheFutureIsClockDrift) {
  v1::Mutation m = CreateFinding();
  m.set_hlc(Hlc::Pack(kNow + 2 * 3'600'000, 0));  // the tablet thinks it is two hours later
  EXPECT_REJECTED(m, v1::CLOCK_DRIFT,
                  AllOf(HasSubstr("7200 s ahead"), HasSubstr("limit 900 s"), HasSubstr("date and time")));
}

TEST_F(ValidateTest, HlcJustOverTheDriftIsRejected) {
  v1::Mutation m = PatchFinding();
  m.set_hlc(Hlc::Pack(kNow + kDrift + 1, 0));
  EXPECT_REJECTED(m, v1::CLOCK_DRIFT, HasSubstr("ahead"));
}

TEST_F(ValidateTest, HlcWithinTheDriftPasses) {
  v1::Mutation m = PatchFinding();
  m.set_hlc(Hlc::Pack(kNow + kDrift, 0xFFFF));  // exactly at the limit
  EXPECT_ACCEPTED(m);
  m.set_hlc(Hlc::Pack(kNow + 60'000, 0));
  EXPECT_ACCEPTED(m);
  m.set_hlc(Hlc::Pack(kNow - 30LL * 86'400'000, 0));  // a month behind: allowed
  EXPECT_ACCEPTED(m);
}

TEST_F(ValidateTest, DriftLimitIsConfigurable) {
  v1::Mutation m = PatchFinding();
  m.set_hlc(Hlc::Pack(kNow + 2000, 0));
  ValidationLimits strict;
  strict.max_clock_drift_ms = 1000;
  EXPECT_EQ(ValidateMutation(m, strict, kNow).code, v1::CLOCK_DRIFT);
  EXPECT_TRUE(ValidateMutation(m, ValidationLimits{}, kNow).ok());
  m.set_hlc(Hlc::Pack(kNow + 1000, 0));
  EXPECT_TRUE(ValidateMutation(m, strict, kNow).ok());
}

TEST_F(ValidateTest, HugeHlcIsClockDriftNotOverflow) {
  v1::Mutation m = PatchFinding();
  m.set_hlc(~uint64_t{0});
  EXPECT_REJECTED(m, v1::CLOCK_DRIFT, HasSubstr("ahead"));
}

// ---- CREATE ----

TEST_F(ValidateTest, CreateWithBaseVersion) {
  v1::Mutation m = CreateFinding();
  m.set_base_version(3);
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("base_version"));
}

TEST_F(ValidateTest, CreateWithMask) {
  v1::Mutation m = CreateFinding();
  m.mutable_mask()->add_paths("title");
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("field mask"));
}

TEST_F(ValidateTest, CreateWithoutBody) {
  v1::Mutation m = CreateFinding();
  m.clear_body();
  EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("Finding"), HasSubstr("findings")));
}

TEST_F(ValidateTest, CreateWithWrongBodyType) {
  v1::Mutation m = CreateFinding();
  m.mutable_body()->mutable_inspection()->set_site_id("site-17");
  EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("does not hold a Finding"), HasSubstr("findings")));
  v1::Mutation i = CreateInspection();
  i.mutable_body()->mutable_finding()->set_title("t");
  EXPECT_REJECTED(i, v1::INVALID, HasSubstr("does not hold a Inspection"));
}

TEST_F(ValidateTest, CreateFindingInLaterStatusIsIllegalTransition) {
  for (v1::FindingStatus s : {v1::NOTIFIED, v1::IN_RECTIFICATION, v1::RECTIFIED, v1::CLOSED, v1::REOPENED}) {
    v1::Mutation m = CreateFinding();
    m.mutable_body()->mutable_finding()->set_status(s);
    m.mutable_body()->mutable_finding()->set_deadline_ms(kNow + 86'400'000);
    EXPECT_REJECTED(m, v1::ILLEGAL_TRANSITION,
                    AllOf(HasSubstr("DRAFT or OPEN"), HasSubstr(v1::FindingStatus_Name(s))));
  }
}

TEST_F(ValidateTest, CreateFindingWithoutStatusIsRejected) {
  v1::Mutation m = CreateFinding();
  m.mutable_body()->mutable_finding()->clear_status();
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("DRAFT or OPEN"));
}

TEST_F(ValidateTest, CreateVoidedIsRejectedWithOrWithoutReason) {
  // VOIDED is not a status a finding is created in; a device voids a draft
  // with a PATCH after creating it.
  v1::Mutation m = CreateFinding();
  m.mutable_body()->mutable_finding()->set_status(v1::VOIDED);
  EXPECT_REJECTED(m, v1::ILLEGAL_TRANSITION, HasSubstr("VOIDED"));
  m.mutable_body()->mutable_finding()->set_void_reason("duplicate");
  EXPECT_REJECTED(m, v1::ILLEGAL_TRANSITION, HasSubstr("VOIDED"));
}

TEST_F(ValidateTest, StringOverMaxLen) {
  v1::Mutation m = CreateFinding();
  m.mutable_body()->mutable_finding()->set_title(std::string(200, 't'));
  EXPECT_ACCEPTED(m);
  m.mutable_body()->mutable_finding()->set_title(std::string(201, 't'));
  EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("'title'"), HasSubstr("201 bytes"), HasSubstr("limit is 200")));
}

TEST_F(ValidateTest, MaxLenCountsUtf8Bytes) {
  std::string e_acute = "\xc3\xa9";  // 2 bytes
  std::string s;
  for (int i = 0; i < 100; ++i) s += e_acute;
  v1::Mutation m = CreateFinding();
  m.mutable_body()->mutable_finding()->set_title(s);  // 100 characters, 200 bytes
  EXPECT_ACCEPTED(m);
  m.mutable_body()->mutable_finding()->set_title(s + e_acute);
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("202 bytes"));
}

TEST_F(ValidateTest, LongDescriptionOnInspection) {
  v1::Mutation m = CreateInspection();
  m.mutable_body()->mutable_inspection()->set_notes(std::string(4001, 'n'));
  EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("'notes'"), HasSubstr("limit is 4000")));
}

TEST_F(ValidateTest, TooManyItems) {
  v1::Mutation m = CreateFinding();
  v1::Finding* f = m.mutable_body()->mutable_finding();
  f->clear_tags();
  for (int i = 0; i < 50; ++i) f->add_tags("t" + std::to_string(i));
  EXPECT_ACCEPTED(m);
  f->add_tags("one-too-many");
  EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("'tags'"), HasSubstr("51 items"), HasSubstr("limit is 50")));
}

TEST_F(ValidateTest, ItemOverMaxLen) {
  v1::Mutation m = CreateFinding();
  m.mutable_body()->mutable_finding()->add_evidence(std::string(129, 'f'));
  EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("item 1"), HasSubstr("'evidence'"), HasSubstr("limit is 128")));
}

TEST_F(ValidateTest, EmptySetItem) {
  v1::Mutation m = CreateFinding();
  m.mutable_body()->mutable_finding()->add_tags("");
  EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("item 1"), HasSubstr("'tags'"), HasSubstr("empty")));
}

TEST_F(ValidateTest, UnknownEnumValue) {
  {
    v1::Mutation m = CreateFinding();
    pb::Message* f = m.mutable_body()->mutable_finding();
    f->GetReflection()->SetEnumValue(f, v1::Finding::descriptor()->FindFieldByName("severity"), 99);
    EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("'severity'"), HasSubstr("99"), HasSubstr("Severity")));
  }
  {
    v1::Mutation m = CreateFinding();
    pb::Message* f = m.mutable_body()->mutable_finding();
    f->GetReflection()->SetEnumValue(f, v1::Finding::descriptor()->FindFieldByName("status"), 99);
    EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("'status'"), HasSubstr("FindingStatus")));
  }
  {
    v1::Mutation m = CreateInspection();
    pb::Message* i = m.mutable_body()->mutable_inspection();
    i->GetReflection()->SetEnumValue(i, v1::Inspection::descriptor()->FindFieldByName("kind"), -1);
    EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("'kind'"), HasSubstr("-1")));
  }
}

// ---- PATCH ----

TEST_F(ValidateTest, PatchWithEmptyMask) {
  v1::Mutation m = PatchFinding();
  m.clear_mask();
  m.clear_body();
  m.mutable_body()->mutable_finding();
  m.clear_base_body();
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("empty"));
}

TEST_F(ValidateTest, PatchWithUnknownMaskPath) {
  v1::Mutation m = PatchFinding();
  m.mutable_mask()->add_paths("colour");
  EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("'colour'"), HasSubstr("title"), HasSubstr("verification_note")));
}

TEST_F(ValidateTest, PatchWithDuplicateMaskPath) {
  v1::Mutation m = PatchFinding();
  m.mutable_mask()->add_paths("title");
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("twice"));
}

TEST_F(ValidateTest, PatchBodySetsFieldOutsideMask) {
  v1::Mutation m = PatchFinding();
  m.mutable_body()->mutable_finding()->set_severity(v1::CRITICAL);
  EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("body sets field 'severity'"), HasSubstr("not in the field mask")));
}

TEST_F(ValidateTest, PatchBaseBodySetsFieldOutsideMask) {
  v1::Mutation m = PatchFinding();
  m.mutable_base_body()->mutable_finding()->set_status(v1::OPEN);
  EXPECT_REJECTED(m, v1::INVALID, AllOf(HasSubstr("base_body"), HasSubstr("'status'")));
}

TEST_F(ValidateTest, PatchWithoutOrWithWrongBody) {
  v1::Mutation m = PatchFinding();
  m.clear_body();
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("does not hold a Finding"));
  m = PatchFinding();
  m.mutable_body()->mutable_inspection();
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("does not hold a Finding"));
  m = PatchFinding();
  m.mutable_base_body()->mutable_inspection();
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("base_body does not hold a Finding"));
}

TEST_F(ValidateTest, PatchValuesAreChecked) {
  v1::Mutation m = PatchFinding();
  m.mutable_body()->mutable_finding()->set_title(std::string(201, 'x'));
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("'title'"));
  m = PatchFinding();
  m.mutable_body()->mutable_finding()->add_tags("");
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("empty"));
  m = PatchFinding();
  m.mutable_mask()->add_paths("status");
  pb::Message* f = m.mutable_body()->mutable_finding();
  f->GetReflection()->SetEnumValue(f, v1::Finding::descriptor()->FindFieldByName("status"), 99);
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("'status'"));
}

// base_body values are stored (as conflict bases), so they meet the same
// limits as new values. Legitimate bases always do: they came from the server
// or from the device's own validated edits.
TEST_F(ValidateTest, PatchBaseBodyValuesAreChecked) {
  v1::Mutation m = PatchFinding();
  m.mutable_base_body()->mutable_finding()->set_title(std::string(1 << 20, 'x'));
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("'title'"));
}

// ---- DELETE ----

TEST_F(ValidateTest, DeleteFindingIsNotDeletable) {
  v1::Mutation m = Base("findings", v1::DELETE);
  EXPECT_REJECTED(m, v1::NOT_DELETABLE, AllOf(HasSubstr("findings cannot be deleted"), HasSubstr("void")));
}

TEST_F(ValidateTest, DeleteInspectionWithMask) {
  v1::Mutation m = DeleteInspection();
  m.mutable_mask()->add_paths("notes");
  EXPECT_REJECTED(m, v1::INVALID, HasSubstr("field mask"));
}

// ---- Times ----

// Every (unix_ms) field of every collection — deadlines, issued, verified,
// started, ended, published, acknowledged times, assignment and campaign
// windows — takes 0 (none) or a time from 2000-01-01 to 2099-12-31, and a
// refusal names the field and the range. Driven by the schema: a time field
// added later is covered without touching this test.
TEST(ValidateTimesTest, EveryTimeFieldIsRangeChecked) {
  int fields = 0;
  for (const CollectionSpec* spec : AllCollections()) {
    for (const FieldSpec& fs : spec->fields()) {
      if (!fs.unix_ms) continue;
      ++fields;
      std::vector<const FieldSpec*> only = {&fs};
      std::unique_ptr<pb::Message> rec(
          pb::MessageFactory::generated_factory()->GetPrototype(spec->descriptor())->New());
      for (int64_t good : {int64_t{0}, kMinUnixMs, kNow, kMaxUnixMs - 1}) {
        rec->GetReflection()->SetInt64(rec.get(), fs.field, good);
        EXPECT_TRUE(ValidateFields(*spec, *rec, &only).ok()) << fs.field->full_name() << " = " << good;
      }
      for (int64_t bad : {int64_t{-1}, int64_t{1}, kMinUnixMs - 1, kMaxUnixMs, int64_t{253'402'300'800'000},
                          std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
        rec->GetReflection()->SetInt64(rec.get(), fs.field, bad);
        Status st = ValidateFields(*spec, *rec, &only);
        EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << fs.field->full_name() << " = " << bad;
        EXPECT_THAT(st.message(), AllOf(HasSubstr("'" + fs.field->name() + "'"), HasSubstr(std::to_string(bad)),
                                        HasSubstr("2000-01-01"), HasSubstr("2099-12-31"), HasSubstr("0 for none")));
        // Base values are what the device saw: not range-checked.
        EXPECT_TRUE(ValidateFields(*spec, *rec, &only, 0, /*check_times=*/false).ok());
      }
    }
  }
  EXPECT_EQ(fields, 13) << "deadlines, issued/verified/started/ended/published/acknowledged, windows";
}

TEST_F(ValidateTest, TimesOutOfRangeAreRejectedOnCreateAndPatchWithTheUsualMistakeNamed) {
  v1::Mutation create = CreateFinding();
  create.mutable_body()->mutable_finding()->set_deadline_ms(kNow / 1000);
  EXPECT_REJECTED(create, v1::INVALID, AllOf(HasSubstr("'deadline_ms'"), HasSubstr("reads as seconds")));
  create.mutable_body()->mutable_finding()->set_deadline_ms(kNow * 1000);
  EXPECT_REJECTED(create, v1::INVALID, AllOf(HasSubstr("'deadline_ms'"), HasSubstr("reads as microseconds")));

  v1::Mutation patch = Base("notices", v1::PATCH);
  patch.mutable_mask()->add_paths("deadline_ms");
  patch.mutable_body()->mutable_notice()->set_deadline_ms(-86'400'000);
  EXPECT_REJECTED(patch, v1::INVALID, AllOf(HasSubstr("'deadline_ms'"), HasSubstr("-86400000")));
  // Correcting a bad value stored before the rule: its base is accepted.
  patch.mutable_body()->mutable_notice()->set_deadline_ms(kNow + 86'400'000);
  patch.mutable_base_body()->mutable_notice()->set_deadline_ms(-86'400'000);
  EXPECT_ACCEPTED(patch);
  // Clearing a time (0 = none) is fine where the field allows none.
  patch.mutable_body()->mutable_notice()->set_deadline_ms(0);
  EXPECT_ACCEPTED(patch);
}

// ---- ValidateFields directly ----

TEST(ValidateFieldsTest, WholeRecordOrOnlyListedFields) {
  const CollectionSpec& spec = *FindCollection("findings");
  v1::Finding f;
  f.set_title(std::string(300, 'x'));
  f.add_tags("ok");
  Status all = ValidateFields(spec, f);
  EXPECT_EQ(all.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(all.message(), HasSubstr("'title'"));
  std::vector<const FieldSpec*> only = {spec.FindField("tags")};
  EXPECT_TRUE(ValidateFields(spec, f, &only).ok());
  only.push_back(spec.FindField("title"));
  EXPECT_FALSE(ValidateFields(spec, f, &only).ok());
  EXPECT_TRUE(ValidateFields(spec, v1::Finding()).ok());
}

}  // namespace
}  // namespace inspectsync::core
