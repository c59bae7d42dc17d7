#include "bench/findings.h"

#include <cstdio>

#include "core/clock.h"
#include "core/ids.h"
#include "inspectsync/v1/sync.pb.h"

namespace inspectsync::bench {

namespace {

const char* kWords[] = {
    "the",        "fire",      "extinguisher", "on",        "floor",      "two",       "was",      "last",
    "serviced",   "in",        "March",        "and",       "its",        "pressure",  "gauge",    "reads",
    "low",        "kitchen",   "gas",          "alarm",     "has",        "no",        "record",   "of",
    "inspection", "staff",     "could",        "not",       "find",       "key",       "to",       "cabinet",
    "disinfectant", "bottles", "expired",      "signage",   "missing",    "at",        "canteen",  "entrance",
    "emergency",  "exit",      "blocked",      "by",        "stacked",    "chairs",    "corridor", "lighting",
    "dim",        "first-aid", "kit",          "incomplete", "duty",      "log",       "shows",    "gaps",
    "for",        "week",      "principal",    "informed",  "photo",      "attached",  "see",      "note",
};
constexpr size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);

const char* kCategories[] = {"fire-safety", "gas-safety", "prevention-supplies", "signage", "records", "first-aid"};
const char* kOrgs[] = {"School logistics office", "Kindergarten administration", "District facilities unit",
                       "Canteen contractor", "Health and safety officer"};
const char* kTags[] = {"kitchen", "floor-2", "canteen", "playground", "urgent", "follow-up", "clinic", "gym"};

std::string Hex(std::mt19937_64& rng, size_t chars) {
  static const char* hex = "0123456789abcdef";
  std::string s;
  s.reserve(chars);
  for (size_t i = 0; i < chars; ++i) s.push_back(hex[rng() & 15]);
  return s;
}

}  // namespace

std::string MakeText(std::mt19937_64& rng, size_t chars) {
  std::string s;
  s.reserve(chars + 16);
  while (s.size() < chars) {
    if (!s.empty()) s.push_back(' ');
    s += kWords[rng() % kWordCount];
  }
  s.resize(chars);
  if (!s.empty()) s.back() = '.';
  return s;
}

v1::Finding MakeFinding(std::mt19937_64& rng) {
  static core::IdGenerator* ids = new core::IdGenerator(core::SystemClock(), 42);
  v1::Finding f;
  f.set_inspection_id(ids->NewUuidV7());
  f.set_site_id("school-" + std::to_string(1000 + rng() % 9000));
  const char* category = kCategories[rng() % 6];
  f.set_category(category);
  f.set_checklist_item_id(std::string(category) + "/item-" + std::to_string(rng() % 100));
  f.set_title("Inspection finding: " + MakeText(rng, 75));
  f.set_severity(static_cast<v1::Severity>(1 + rng() % 3));  // LOW..HIGH; edits may raise it
  f.set_description(MakeText(rng, kDescriptionChars));
  f.add_evidence(Hex(rng, 64));
  f.add_tags(kTags[rng() % 8]);
  f.add_tags(kTags[rng() % 8] + std::string("-x"));
  f.set_status(v1::OPEN);
  f.set_responsible_org(kOrgs[rng() % 5]);
  return f;
}

size_t TypicalFindingBytes() {
  std::mt19937_64 rng(7);
  size_t total = 0;
  for (int i = 0; i < 100; ++i) total += MakeFinding(rng).ByteSizeLong();
  return total / 100;
}

size_t TypicalRecordBytes() {
  std::mt19937_64 rng(7);
  size_t total = 0;
  for (int i = 0; i < 100; ++i) {
    v1::Record r;
    r.set_collection("findings");
    r.set_id(core::NewUuidV7());
    r.set_version(1234567);
    *r.mutable_body()->mutable_finding() = MakeFinding(rng);
    r.mutable_meta()->set_device_id(core::NewUuidV7());
    r.mutable_meta()->set_hlc(uint64_t{1} << 56);
    r.mutable_meta()->set_created_version(1234567);
    total += r.ByteSizeLong();
  }
  return total / 100;
}

}  // namespace inspectsync::bench
