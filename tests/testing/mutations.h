// Builders for wire mutations in tests, the way a device would make them.
#ifndef INSPECTSYNC_TESTS_TESTING_MUTATIONS_H_
#define INSPECTSYNC_TESTS_TESTING_MUTATIONS_H_

#include <string>
#include <vector>

#include "core/hlc.h"
#include "core/patch.h"
#include "inspectsync/v1/sync.pb.h"

namespace inspectsync::testing {

inline constexpr int64_t kTestNowMs = 1'767'225'600'000;  // 2026-01-01, the ManualClock default

inline v1::Mutation CreateFinding(const std::string& client, uint64_t mid, const std::string& id,
                                  const v1::Finding& f, uint64_t hlc_ms = kTestNowMs) {
  v1::Mutation m;
  m.set_client_id(client);
  m.set_mutation_id(mid);
  m.set_collection("findings");
  m.set_record_id(id);
  m.set_op(v1::CREATE);
  *m.mutable_body()->mutable_finding() = f;
  m.set_hlc(core::Hlc::Pack(hlc_ms, static_cast<uint32_t>(mid)));
  return m;
}

// A PATCH of `fields`, new values from `after`, base values from `before`.
inline v1::Mutation PatchFinding(const std::string& client, uint64_t mid, const std::string& id, uint64_t base_version,
                                 const v1::Finding& before, const v1::Finding& after,
                                 const std::vector<std::string>& fields, uint64_t hlc_ms = kTestNowMs) {
  v1::Mutation m;
  m.set_client_id(client);
  m.set_mutation_id(mid);
  m.set_collection("findings");
  m.set_record_id(id);
  m.set_op(v1::PATCH);
  m.set_base_version(base_version);
  v1::Finding body, base;
  for (const auto& name : fields) {
    m.mutable_mask()->add_paths(name);
    const auto* f = v1::Finding::descriptor()->FindFieldByName(name);
    if (!f) continue;  // tests of unknown paths
    core::CopyField(after, f, &body);
    core::CopyField(before, f, &base);
  }
  *m.mutable_body()->mutable_finding() = body;
  *m.mutable_base_body()->mutable_finding() = base;
  m.set_hlc(core::Hlc::Pack(hlc_ms, static_cast<uint32_t>(mid)));
  return m;
}

inline v1::Finding SampleFinding(const std::string& title = "Gas alarm not serviced") {
  v1::Finding f;
  f.set_site_id("site-001");
  f.set_category("fire-safety");
  f.set_title(title);
  f.set_severity(v1::MEDIUM);
  f.set_description("The kitchen gas alarm has no service record since 2024.");
  f.set_status(v1::OPEN);
  return f;
}

// A CREATE of any collection.
inline v1::Mutation CreateRecord(const std::string& client, uint64_t mid, const std::string& collection,
                                 const std::string& id, const v1::RecordBody& body, uint64_t hlc_ms = kTestNowMs) {
  v1::Mutation m;
  m.set_client_id(client);
  m.set_mutation_id(mid);
  m.set_collection(collection);
  m.set_record_id(id);
  m.set_op(v1::CREATE);
  *m.mutable_body() = body;
  m.set_hlc(core::Hlc::Pack(hlc_ms, static_cast<uint32_t>(mid)));
  return m;
}

// A zone: filters and reports name only zones that exist as records.
inline v1::RecordBody ZoneBody(const std::string& name) {
  v1::RecordBody b;
  b.mutable_zone()->set_name(name);
  return b;
}

inline v1::RecordBody SiteBody(const std::string& zone_id, const std::string& name = "No. 1 Primary School") {
  v1::RecordBody b;
  b.mutable_site()->set_name(name);
  b.mutable_site()->set_kind(v1::PRIMARY_SCHOOL);
  b.mutable_site()->set_zone_id(zone_id);
  return b;
}

// An assignment of `user` to a site, or to a zone when `zone` is true.
inline v1::RecordBody AssignmentBody(const std::string& user, const std::string& key, bool zone = false,
                                     int64_t starts_at_ms = 0, int64_t ends_at_ms = 0) {
  v1::RecordBody b;
  auto* a = b.mutable_assignment();
  a->set_user_id(user);
  if (zone) {
    a->set_zone_id(key);
  } else {
    a->set_site_id(key);
  }
  a->set_starts_at_ms(starts_at_ms);
  a->set_ends_at_ms(ends_at_ms);
  return b;
}

inline v1::Finding FindingAt(const std::string& site, const std::string& title = "Gas alarm not serviced") {
  v1::Finding f = SampleFinding(title);
  f.set_site_id(site);
  return f;
}

inline v1::PushRequest Batch(std::vector<v1::Mutation> ms, uint64_t ack_through = 0) {
  v1::PushRequest req;
  req.set_protocol_version(1);
  for (auto& m : ms) *req.add_mutations() = std::move(m);
  req.set_ack_through(ack_through);
  return req;
}

}  // namespace inspectsync::testing

#endif  // INSPECTSYNC_TESTS_TESTING_MUTATIONS_H_
