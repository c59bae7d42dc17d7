// Writes the seed corpus of the fuzz targets:
//   make_corpus <dir>   ->  <dir>/fuzz_validate_merge/seed-*   (MergeInput)
//                           <dir>/fuzz_push/seed-*             (PushRequest)
// Existing seed-* files are replaced; anything else there (crash-*
// reproducers, inputs promoted from fuzzing runs) is left alone.
// Run through `cmake --build build-fuzz --target fuzz_corpus`; commit the result.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/hlc.h"
#include "core/patch.h"
#include "fuzz_inputs.pb.h"
#include "inspectsync/v1/sync.pb.h"
#include "tests/testing/max_records.h"
#include "tests/testing/mutations.h"

namespace {

using namespace inspectsync;  // NOLINT
namespace fs = std::filesystem;
using testing::kTestNowMs;

const std::string kClientA = "0190a000-0000-7000-8000-00000000c001";
const std::string kClientB = "0190a000-0000-7000-8000-00000000c002";
const std::string kFinding = "0190a000-0000-7000-8000-0000000000f1";
const std::string kFinding2 = "0190a000-0000-7000-8000-0000000000f2";
const std::string kInspection = "0190a000-0000-7000-8000-0000000000a1";

v1::Finding Finding(v1::FindingStatus status = v1::OPEN) {
  v1::Finding f = testing::SampleFinding();
  f.set_inspection_id(kInspection);
  f.set_status(status);
  f.add_tags("gas");
  f.add_tags("kitchen");
  f.add_evidence("sha256:0a1b2c");
  if (status == v1::NOTIFIED || status == v1::IN_RECTIFICATION || status == v1::REOPENED)
    f.set_deadline_ms(kTestNowMs + 14LL * 86'400'000);
  if (status == v1::VOIDED) f.set_void_reason("duplicate of another finding");
  return f;
}

v1::Inspection Inspection() {
  v1::Inspection i;
  i.set_site_id("site-001");
  i.set_campaign_id("autumn-2026");
  i.set_kind(v1::ROUTINE_VISIT);
  i.set_template_version(3);
  i.add_inspectors("inspector-1");
  i.set_started_at_ms(kTestNowMs - 3'600'000);
  i.set_notes("Kitchen and boiler room visited.");
  return i;
}

v1::Mutation CreateFinding(const std::string& client, uint64_t mid, const v1::Finding& f,
                           const std::string& id = kFinding) {
  return testing::CreateFinding(client, mid, id, f);
}

v1::Mutation PatchFinding(const std::string& client, uint64_t mid, uint64_t base_version, const v1::Finding& before,
                          const v1::Finding& after, const std::vector<std::string>& fields,
                          const std::string& id = kFinding) {
  return testing::PatchFinding(client, mid, id, base_version, before, after, fields);
}

v1::Mutation CreateInspection(const std::string& client, uint64_t mid, const v1::Inspection& i) {
  v1::Mutation m;
  m.set_client_id(client);
  m.set_mutation_id(mid);
  m.set_collection("inspections");
  m.set_record_id(kInspection);
  m.set_op(v1::CREATE);
  *m.mutable_body()->mutable_inspection() = i;
  m.set_hlc(core::Hlc::Pack(kTestNowMs, static_cast<uint32_t>(mid)));
  return m;
}

v1::Mutation PatchInspection(const std::string& client, uint64_t mid, uint64_t base_version,
                             const v1::Inspection& before, const v1::Inspection& after,
                             const std::vector<std::string>& fields) {
  v1::Mutation m;
  m.set_client_id(client);
  m.set_mutation_id(mid);
  m.set_collection("inspections");
  m.set_record_id(kInspection);
  m.set_op(v1::PATCH);
  m.set_base_version(base_version);
  for (const auto& name : fields) {
    m.mutable_mask()->add_paths(name);
    const auto* f = v1::Inspection::descriptor()->FindFieldByName(name);
    core::CopyField(after, f, m.mutable_body()->mutable_inspection());
    core::CopyField(before, f, m.mutable_base_body()->mutable_inspection());
  }
  m.set_hlc(core::Hlc::Pack(kTestNowMs, static_cast<uint32_t>(mid)));
  return m;
}

v1::Mutation Delete(const std::string& client, uint64_t mid, const std::string& collection, const std::string& id,
                    uint64_t base_version) {
  v1::Mutation m;
  m.set_client_id(client);
  m.set_mutation_id(mid);
  m.set_collection(collection);
  m.set_record_id(id);
  m.set_op(v1::DELETE);
  m.set_base_version(base_version);
  m.set_hlc(core::Hlc::Pack(kTestNowMs, static_cast<uint32_t>(mid)));
  return m;
}

class Writer {
 public:
  explicit Writer(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().rfind("seed-", 0) == 0) fs::remove(e.path());
  }
  void Write(const std::string& name, const google::protobuf::Message& m) {
    std::ofstream out(dir_ / ("seed-" + name), std::ios::binary | std::ios::trunc);
    out << m.SerializeAsString();
    if (!out) {
      std::fprintf(stderr, "make_corpus: cannot write %s\n", (dir_ / name).c_str());
      std::exit(1);
    }
    ++count_;
  }
  int count() const { return count_; }

 private:
  fs::path dir_;
  int count_ = 0;
};

// ---- fuzz_validate_merge: one mutation + the server's current record ----

fuzz::MergeInput Merge(const v1::Mutation& m, const v1::Finding* current = nullptr,
                       const v1::Inspection* current_inspection = nullptr, uint64_t current_hlc = 0,
                       const std::string& current_device = kClientB) {
  fuzz::MergeInput in;
  *in.mutable_mutation() = m;
  if (current) *in.mutable_current()->mutable_finding() = *current;
  if (current_inspection) *in.mutable_current()->mutable_inspection() = *current_inspection;
  in.mutable_clocks()->set_created_hlc(core::Hlc::Pack(kTestNowMs - 86'400'000, 0));
  in.mutable_clocks()->set_created_device_id(kClientA);
  if (current_hlc) {
    // The server's values of the masked fields were written by another device.
    for (const auto& path : m.mask().paths()) {
      const auto* f = (current ? v1::Finding::descriptor() : v1::Inspection::descriptor())->FindFieldByName(path);
      if (!f) continue;
      auto* fc = in.mutable_clocks()->add_fields();
      fc->set_field(static_cast<uint32_t>(f->number()));
      fc->set_hlc(current_hlc);
      fc->set_device_id(current_device);
    }
  }
  return in;
}

void MergeSeeds(Writer& w) {
  const uint64_t later = core::Hlc::Pack(kTestNowMs + 60'000, 0);    // the server's writer is later
  const uint64_t earlier = core::Hlc::Pack(kTestNowMs - 60'000, 0);  // ... or earlier
  v1::Finding open = Finding(v1::OPEN);

  w.Write("create-finding", Merge(CreateFinding(kClientA, 1, open)));
  w.Write("create-finding-draft", Merge(CreateFinding(kClientA, 1, Finding(v1::DRAFT))));
  w.Write("create-inspection", Merge(CreateInspection(kClientA, 1, Inspection())));

  // Status moves: the editor's own, then concurrent ones (LIFECYCLE).
  v1::Finding notified = Finding(v1::NOTIFIED);
  w.Write("patch-status-open-notified",
          Merge(PatchFinding(kClientA, 2, 1, open, notified, {"status", "deadline_ms"}), &open));
  v1::Finding voided = Finding(v1::VOIDED);
  w.Write("patch-status-void-vs-notice",
          Merge(PatchFinding(kClientA, 2, 1, open, voided, {"status", "void_reason"}), &notified, nullptr, later));
  v1::Finding closed = Finding(v1::CLOSED), reopened = Finding(v1::REOPENED), rectified = Finding(v1::RECTIFIED);
  w.Write("patch-status-close-vs-reopen",
          Merge(PatchFinding(kClientA, 5, 4, rectified, closed, {"status"}), &reopened, nullptr, earlier));
  w.Write("patch-status-illegal-open-closed", Merge(PatchFinding(kClientA, 2, 1, open, closed, {"status"}), &open));

  // Severity (MAX): alone, and against a concurrent change.
  v1::Finding high = open, critical = open, low = open;
  high.set_severity(v1::HIGH);
  critical.set_severity(v1::CRITICAL);
  low.set_severity(v1::LOW);
  w.Write("patch-severity", Merge(PatchFinding(kClientA, 2, 1, open, high, {"severity"}), &open));
  w.Write("patch-severity-concurrent",
          Merge(PatchFinding(kClientA, 2, 1, open, low, {"severity"}), &critical, nullptr, later));

  // Tags and evidence (SET): additions and removals of both sides.
  v1::Finding tags_in = open, tags_cur = open, ev_in = open, ev_cur = open;
  tags_in.clear_tags();
  tags_in.add_tags("kitchen");
  tags_in.add_tags("urgent");
  tags_cur.add_tags("boiler");
  w.Write("patch-tags-set", Merge(PatchFinding(kClientA, 2, 1, open, tags_in, {"tags"}), &tags_cur, nullptr, later));
  ev_in.add_evidence("sha256:ffee01");
  ev_cur.clear_evidence();
  ev_cur.add_evidence("sha256:99aa00");
  w.Write("patch-evidence-set",
          Merge(PatchFinding(kClientA, 2, 1, open, ev_in, {"evidence"}), &ev_cur, nullptr, earlier));

  // Description (REVIEW) and title (LWW) changed on both sides.
  v1::Finding desc_in = open, desc_cur = open, title_in = open, title_cur = open;
  desc_in.set_description("Alarm replaced on site; certificate photographed.");
  desc_cur.set_description("Caretaker says the alarm was serviced last month.");
  w.Write("patch-description-review",
          Merge(PatchFinding(kClientA, 2, 1, open, desc_in, {"description"}), &desc_cur, nullptr, earlier));
  title_in.set_title("Gas alarm missing");
  title_cur.set_title("Gas alarm expired");
  w.Write("patch-title-lww",
          Merge(PatchFinding(kClientA, 2, 1, open, title_in, {"title", "category"}), &title_cur, nullptr, later));

  // Inspections: SET of inspectors, REVIEW notes.
  v1::Inspection insp = Inspection(), insp_in = Inspection(), insp_cur = Inspection();
  insp_in.add_inspectors("inspector-2");
  insp_in.set_notes("Boiler room locked; revisit.");
  insp_cur.add_inspectors("inspector-3");
  insp_cur.set_notes("Boiler room visited with the caretaker.");
  w.Write("patch-inspection",
          Merge(PatchInspection(kClientA, 2, 1, insp, insp_in, {"inspectors", "notes", "ended_at_ms"}), nullptr,
                &insp_cur, later));

  w.Write("delete-inspection", Merge(Delete(kClientA, 2, "inspections", kInspection, 1)));
  w.Write("delete-finding", Merge(Delete(kClientA, 2, "findings", kFinding, 1)));

  // Malformed mutations.
  v1::Mutation bad = CreateFinding(kClientA, 1, open);
  bad.set_client_id("not-a-uuid");
  w.Write("bad-client-id", Merge(bad));
  bad = CreateFinding(kClientA, 1, open);
  bad.set_record_id("0190A000-0000-7000-8000-0000000000F1");
  w.Write("bad-record-id", Merge(bad));
  bad = CreateFinding(kClientA, 1, open);
  bad.set_collection("notices");
  w.Write("unknown-collection", Merge(bad));
  bad = PatchFinding(kClientA, 2, 1, open, high, {});
  w.Write("empty-mask", Merge(bad, &open));
  bad = PatchFinding(kClientA, 2, 1, open, high, {"severity", "severity"});
  w.Write("duplicate-mask-path", Merge(bad, &open));
  bad = PatchFinding(kClientA, 2, 1, open, high, {"severity", "site_id.nested"});
  w.Write("unknown-mask-path", Merge(bad, &open));
  bad = PatchFinding(kClientA, 2, 1, open, high, {"severity"});
  bad.mutable_body()->mutable_finding()->set_title("outside the mask");
  w.Write("body-outside-mask", Merge(bad, &open));
  v1::Finding long_title = open;
  long_title.set_title(std::string(201, 'x'));
  w.Write("oversized-title-create", Merge(CreateFinding(kClientA, 1, long_title)));
  w.Write("oversized-title-patch", Merge(PatchFinding(kClientA, 2, 1, open, long_title, {"title"}), &open));
  bad = CreateFinding(kClientA, 1, open);
  bad.set_hlc(core::Hlc::Pack(kTestNowMs + 3'600'000, 0));
  w.Write("future-hlc", Merge(bad));
  bad.set_hlc(0);
  w.Write("missing-hlc", Merge(bad));
  w.Write("create-closed", Merge(CreateFinding(kClientA, 1, closed)));
  v1::Finding no_reason = Finding(v1::VOIDED);
  no_reason.clear_void_reason();
  w.Write("void-without-reason", Merge(PatchFinding(kClientA, 2, 1, open, no_reason, {"status"}), &open));

  // Every field at its limit (tests/testing/max_records.h): the largest
  // create and patch of a finding, and one byte over on an unknown field.
  v1::Finding max = testing::MaxFinding("site-001", {}, "m");
  v1::Finding max2 = testing::MaxFinding("site-001", {}, "n");
  std::vector<std::string> every;
  for (const auto& fs : core::FindCollection("findings")->fields())
    if (!fs.scope_key) every.push_back(fs.field->name());
  w.Write("create-finding-at-limits", Merge(CreateFinding(kClientA, 1, max)));
  w.Write("patch-finding-at-limits", Merge(PatchFinding(kClientA, 2, 1, max, max2, every), &max));
  v1::Mutation unknown = CreateFinding(kClientA, 1, open);
  unknown.mutable_body()->mutable_finding()->GetReflection()->MutableUnknownFields(
      unknown.mutable_body()->mutable_finding())->AddLengthDelimited(40, "past every limit");
  w.Write("unknown-field", Merge(unknown));
}

// ---- fuzz_push: whole requests against an empty store ----

void PushSeeds(Writer& w) {
  using testing::Batch;
  v1::Finding open = Finding(v1::OPEN);
  v1::Finding notified = Finding(v1::NOTIFIED);
  v1::Finding voided = Finding(v1::VOIDED);

  w.Write("create-finding", Batch({CreateFinding(kClientA, 1, open)}));
  w.Write("create-inspection", Batch({CreateInspection(kClientA, 1, Inspection())}));
  w.Write("create-twice", Batch({CreateFinding(kClientA, 1, open), CreateFinding(kClientB, 1, open)}));

  // One policy field each, patched by the device that created the record.
  w.Write("patch-status-open-notified",
          Batch({CreateFinding(kClientA, 1, open),
                 PatchFinding(kClientA, 2, 1, open, notified, {"status", "deadline_ms"})}));
  v1::Finding high = open;
  high.set_severity(v1::HIGH);
  w.Write("patch-severity",
          Batch({CreateFinding(kClientA, 1, open), PatchFinding(kClientA, 2, 1, open, high, {"severity"})}));
  v1::Finding tags = open;
  tags.add_tags("urgent");
  tags.add_evidence("sha256:ffee01");
  w.Write("patch-tags-evidence",
          Batch({CreateFinding(kClientA, 1, open), PatchFinding(kClientA, 2, 1, open, tags, {"tags", "evidence"})}));
  v1::Finding desc = open;
  desc.set_description("Alarm replaced on site.");
  w.Write("patch-description",
          Batch({CreateFinding(kClientA, 1, open), PatchFinding(kClientA, 2, 1, open, desc, {"description"})}));

  // Two devices edit the same finding from version 1: conflicts by policy.
  v1::Finding a = open, b = open;
  a.set_title("Gas alarm missing");
  b.set_title("Gas alarm expired");
  a.set_severity(v1::HIGH);
  b.set_severity(v1::CRITICAL);
  a.set_description("A's account.");
  b.set_description("B's account.");
  a.add_tags("a-tag");
  b.clear_tags();
  b.add_tags("b-tag");
  const std::vector<std::string> fields = {"title", "severity", "description", "tags"};
  w.Write("concurrent-patches", Batch({CreateFinding(kClientA, 1, open), PatchFinding(kClientA, 2, 1, open, a, fields),
                                       PatchFinding(kClientB, 1, 1, open, b, fields)}));
  w.Write("concurrent-status", Batch({CreateFinding(kClientA, 1, open),
                                      PatchFinding(kClientA, 2, 1, open, notified, {"status", "deadline_ms"}),
                                      PatchFinding(kClientB, 1, 1, open, voided, {"status", "void_reason"})}));

  // Deletes: an inspection (allowed), a finding (not), delete vs update, patch after delete.
  v1::Inspection insp = Inspection(), insp2 = Inspection();
  insp2.set_notes("Revisit planned.");
  w.Write("delete-inspection",
          Batch({CreateInspection(kClientA, 1, insp), Delete(kClientA, 2, "inspections", kInspection, 1)}));
  w.Write("delete-finding", Batch({CreateFinding(kClientA, 1, open), Delete(kClientA, 2, "findings", kFinding, 1)}));
  w.Write("delete-vs-update",
          Batch({CreateInspection(kClientA, 1, insp), PatchInspection(kClientA, 2, 1, insp, insp2, {"notes"}),
                 Delete(kClientB, 1, "inspections", kInspection, 1)}));
  w.Write("patch-after-delete",
          Batch({CreateInspection(kClientA, 1, insp), Delete(kClientA, 2, "inspections", kInspection, 1),
                 PatchInspection(kClientB, 1, 1, insp, insp2, {"notes"})}));

  // Per-mutation rejections beside a valid create.
  v1::Mutation bad = CreateFinding(kClientA, 2, open, kFinding2);
  bad.set_record_id("not-a-uuid");
  w.Write("bad-record-id", Batch({CreateFinding(kClientA, 1, open), bad}));
  bad = CreateFinding(kClientB, 1, open);
  bad.set_client_id("0190a000-0000-7000-8000-00000000c00");
  w.Write("bad-client-id", Batch({bad}));
  bad = CreateFinding(kClientA, 2, open, kFinding2);
  bad.set_collection("notices");
  w.Write("unknown-collection", Batch({CreateFinding(kClientA, 1, open), bad}));
  w.Write("empty-mask", Batch({CreateFinding(kClientA, 1, open), PatchFinding(kClientA, 2, 1, open, high, {})}));
  v1::Finding long_title = open;
  long_title.set_title(std::string(201, 'x'));
  w.Write("oversized-string",
          Batch({CreateFinding(kClientA, 1, open), PatchFinding(kClientA, 2, 1, open, long_title, {"title"})}));
  bad = CreateFinding(kClientA, 1, open);
  bad.set_hlc(core::Hlc::Pack(kTestNowMs + 3'600'000, 0));
  w.Write("future-hlc", Batch({bad}));
  w.Write("patch-unknown-record", Batch({PatchFinding(kClientA, 1, 1, open, high, {"severity"})}));
  w.Write("base-ahead",
          Batch({CreateFinding(kClientA, 1, open), PatchFinding(kClientA, 2, 7, open, high, {"severity"})}));
  w.Write("illegal-transition", Batch({CreateFinding(kClientA, 1, open),
                                       PatchFinding(kClientA, 2, 1, open, Finding(v1::CLOSED), {"status"})}));

  // Request-level errors and the ledger.
  v1::PushRequest req = Batch({CreateFinding(kClientA, 1, open)});
  req.set_protocol_version(2);
  w.Write("protocol-version-2", req);
  req.set_protocol_version(0);
  w.Write("protocol-version-0", req);
  w.Write("ids-not-increasing", Batch({CreateFinding(kClientA, 2, open), CreateFinding(kClientA, 2, open, kFinding2)}));
  w.Write("ack-through",
          Batch({CreateFinding(kClientA, 5, open), PatchFinding(kClientA, 6, 1, open, high, {"severity"})},
                /*ack_through=*/9));
  w.Write("empty-request", Batch({}));

  // Records at every limit: the fuzz engine's 16 KiB response budget cuts
  // this push after its first result and marks where the client resumes.
  v1::Finding max = testing::MaxFinding("site-001", {}, "m");
  v1::Finding max2 = testing::MaxFinding("site-001", {}, "n");
  v1::Finding max2_edit = max2;
  max2_edit.set_title("checked again");
  w.Write("findings-at-limits-cut",
          Batch({CreateFinding(kClientA, 1, max), CreateFinding(kClientA, 2, max2, kFinding2),
                 PatchFinding(kClientA, 3, 2, max2, max2_edit, {"title"}, kFinding2)}));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus <corpus-dir>\n");
    return 2;
  }
  fs::path root = argv[1];
  Writer merge(root / "fuzz_validate_merge");
  MergeSeeds(merge);
  Writer push(root / "fuzz_push");
  PushSeeds(push);
  std::printf("make_corpus: %d seeds for fuzz_validate_merge, %d for fuzz_push in %s\n", merge.count(), push.count(),
              root.c_str());
  return 0;
}
