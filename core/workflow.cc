#include "core/workflow.h"

#include <cstdio>
#include <set>
#include <vector>

#include "core/ids.h"
#include "core/lifecycle.h"
#include "core/quote.h"

namespace inspectsync::core {

namespace {

Rejection Reject(v1::RejectCode code, std::string reason) { return Rejection{code, std::move(reason)}; }
Rejection Workflow(std::string reason) { return Reject(v1::WORKFLOW, std::move(reason)); }

// The live record `id` of `collection` as message type T, or nullptr.
template <typename T>
StatusOr<std::unique_ptr<T>> FindAs(RecordLookup& lookup, const char* collection, const std::string& id) {
  const CollectionSpec* spec = FindCollection(collection);
  auto m = lookup.Find(*spec, id);
  if (!m.ok()) return m.status();
  if (*m == nullptr) return std::unique_ptr<T>();
  auto out = std::make_unique<T>();
  out->CopyFrom(**m);
  return out;
}

#define ASSIGN_OR_RETURN_STATUS(lhs, expr) \
  auto lhs##_or = (expr);                  \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = std::move(*lhs##_or)

StatusOr<Rejection> TemplateRules(const std::string& id, const v1::ChecklistTemplate& t, RecordLookup& lookup) {
  if (t.key().empty()) return Reject(v1::INVALID, "a template needs a key (e.g. \"epidemic-prevention\")");
  if (t.version() == 0) return Reject(v1::INVALID, "template versions start at 1");
  std::string want = TemplateRecordId(t.key(), t.version());
  if (id != want)
    return Reject(v1::INVALID, "template " + t.key() + " version " + std::to_string(t.version()) + " has the id " +
                                   want + " (derived from key and version, so a version is published once)");
  if (t.items().empty()) return Reject(v1::INVALID, "a template needs at least one checklist item");
  std::set<std::string> ids;
  for (int i = 0; i < t.items_size(); ++i) {
    const v1::ChecklistItem& it = t.items(i);
    std::string where = "checklist item " + std::to_string(i + 1);
    if (it.id().empty()) return Reject(v1::INVALID, where + " has no id");
    if (!ids.insert(it.id()).second) return Reject(v1::INVALID, where + " repeats the id " + Quote(it.id()));
    if (it.category().empty()) return Reject(v1::INVALID, where + " (" + Quote(it.id()) + ") has no category");
    if (it.text().empty()) return Reject(v1::INVALID, where + " (" + Quote(it.id()) + ") has no text");
  }
  if (t.version() > 1) {
    ASSIGN_OR_RETURN_STATUS(prev, FindAs<v1::ChecklistTemplate>(lookup, "templates",
                                                                TemplateRecordId(t.key(), t.version() - 1)));
    if (prev == nullptr)
      return Workflow("template " + t.key() + " version " + std::to_string(t.version() - 1) +
                      " is not published; versions are published in order");
  }
  return Rejection{};
}

// The published template version (key, version), or a rejection naming it.
StatusOr<Rejection> NeedTemplate(RecordLookup& lookup, const std::string& key, uint32_t version,
                                 std::unique_ptr<v1::ChecklistTemplate>* out) {
  if (version == 0) return Reject(v1::INVALID, "template_version is missing for template " + Quote(key));
  ASSIGN_OR_RETURN_STATUS(t, FindAs<v1::ChecklistTemplate>(lookup, "templates", TemplateRecordId(key, version)));
  if (t == nullptr)
    return Workflow("template " + key + " version " + std::to_string(version) +
                    " is not published (or not yet synced to this device)");
  *out = std::move(t);
  return Rejection{};
}

StatusOr<Rejection> InspectionRules(const v1::Inspection& in, RecordLookup& lookup) {
  if (in.template_key().empty()) {
    if (in.responses_size() > 0) return Reject(v1::INVALID, "checklist responses need the inspection's template_key");
    if (in.template_version() != 0) return Reject(v1::INVALID, "template_version is set without a template_key");
  }
  std::unique_ptr<v1::ChecklistTemplate> tmpl;
  if (!in.template_key().empty()) {
    auto r = NeedTemplate(lookup, in.template_key(), in.template_version(), &tmpl);
    if (!r.ok() || !r->ok()) return r;
  }
  if (!in.campaign_id().empty()) {
    ASSIGN_OR_RETURN_STATUS(c, FindAs<v1::Campaign>(lookup, "campaigns", in.campaign_id()));
    if (c == nullptr) return Workflow("campaign " + in.campaign_id() + " does not exist (or is not yet synced)");
    if (!c->template_key().empty() &&
        (c->template_key() != in.template_key() || c->template_version() != in.template_version()))
      return Workflow("campaign '" + c->name() + "' inspects with template " + c->template_key() + " version " +
                      std::to_string(c->template_version()) + ", not " +
                      (in.template_key().empty() ? std::string("none")
                                                 : in.template_key() + " version " +
                                                       std::to_string(in.template_version())));
  }
  if (tmpl != nullptr) {
    std::set<std::string> items;
    for (const auto& it : tmpl->items()) items.insert(it.id());
    for (const auto& resp : in.responses()) {
      if (!items.count(resp.item_id()))
        return Reject(v1::INVALID, Quote(resp.item_id()) + " is not an item of template " + tmpl->key() +
                                       " version " + std::to_string(tmpl->version()));
      if (resp.result() == v1::ITEM_RESULT_UNSPECIFIED)
        return Reject(v1::INVALID, "the response to item " + Quote(resp.item_id()) + " has no result");
    }
  }
  return Rejection{};
}

StatusOr<Rejection> NoticeRules(const std::string& id, const v1::RectificationNotice& n,
                                const v1::RectificationNotice* before, RecordLookup& lookup) {
  if (n.finding_ids().empty()) return Reject(v1::INVALID, "a rectification notice lists at least one finding");
  if (n.deadline_ms() <= 0) return Reject(v1::INVALID, "a rectification notice needs a deadline (deadline_ms)");
  std::set<std::string> had;
  if (before != nullptr) had.insert(before->finding_ids().begin(), before->finding_ids().end());
  for (const std::string& fid : n.finding_ids()) {
    if (had.count(fid)) continue;
    ASSIGN_OR_RETURN_STATUS(f, FindAs<v1::Finding>(lookup, "findings", fid));
    if (f == nullptr) return Workflow("notice " + id + " lists finding " + fid + ", which does not exist here");
    if (f->site_id() != n.site_id())
      return Workflow("finding " + fid + " is at site " + f->site_id() + ", not at the notice's site " + n.site_id());
  }
  return Rejection{};
}

StatusOr<Rejection> VerificationRules(const v1::Verification& v, RecordLookup& lookup) {
  if (v.finding_id().empty()) return Reject(v1::INVALID, "a verification names the finding it verifies");
  if (v.method() == v1::VERIFICATION_METHOD_UNSPECIFIED)
    return Reject(v1::INVALID, "a verification needs a method: DESK or ON_SITE");
  if (v.result() == v1::VERIFICATION_RESULT_UNSPECIFIED)
    return Reject(v1::INVALID, "a verification needs a result: PASSED or FAILED");
  if (v.verifier().empty()) return Reject(v1::INVALID, "a verification names its verifier");
  if (v.result() == v1::FAILED && v.new_deadline_ms() <= 0)
    return Reject(v1::INVALID, "a FAILED verification sets the new rectification deadline (new_deadline_ms)");
  ASSIGN_OR_RETURN_STATUS(f, FindAs<v1::Finding>(lookup, "findings", v.finding_id()));
  if (f == nullptr) return Workflow("finding " + v.finding_id() + " does not exist (or is not synced to this device)");
  if (f->site_id() != v.site_id())
    return Workflow("finding " + v.finding_id() + " is at site " + f->site_id() + ", not at " + v.site_id());
  return Rejection{};
}

StatusOr<Rejection> AssignmentRules(const v1::Assignment& a, RecordLookup* lookup) {
  if (a.user_id().empty() == a.team_id().empty())
    return Reject(v1::INVALID, "an assignment names exactly one of user_id (a supervisor) or team_id (a team)");
  if (a.ends_at_ms() != 0 && a.ends_at_ms() <= a.starts_at_ms())
    return Reject(v1::INVALID, "an assignment ends after it starts");
  if (lookup != nullptr && !a.campaign_id().empty()) {
    ASSIGN_OR_RETURN_STATUS(c, FindAs<v1::Campaign>(*lookup, "campaigns", a.campaign_id()));
    if (c == nullptr) return Workflow("campaign " + a.campaign_id() + " does not exist");
  }
  return Rejection{};
}

StatusOr<Rejection> CampaignRules(const v1::Campaign& c, RecordLookup* lookup) {
  if (c.name().empty()) return Reject(v1::INVALID, "a campaign needs a name");
  if (c.kind() == v1::INSPECTION_KIND_UNSPECIFIED)
    return Reject(v1::INVALID, "a campaign needs a kind: SPECIAL_CAMPAIGN, ROUTINE_VISIT or SPOT_CHECK");
  if (c.ends_at_ms() != 0 && c.ends_at_ms() < c.starts_at_ms())
    return Reject(v1::INVALID, "a campaign's period ends after it starts");
  if (lookup != nullptr && !c.template_key().empty()) {
    std::unique_ptr<v1::ChecklistTemplate> t;
    return NeedTemplate(*lookup, c.template_key(), c.template_version(), &t);
  }
  return Rejection{};
}

// The finding's status move from `before` to `after`, if it took effect;
// and, on a CLOSED or REOPENED finding, a change of the verification it
// names without a move (a person settling the conflict two verifiers left
// takes the loser's id): it must still be the verification that did it, or
// the record would say REOPENED by a pass.
StatusOr<Rejection> FindingMoveRules(const std::string& id, const v1::Finding& before, const v1::Finding& after,
                                     RecordLookup& lookup) {
  const bool moved = before.status() != after.status();
  const bool verified = after.status() == v1::CLOSED || after.status() == v1::REOPENED;
  if (!moved && !(verified && before.verification_id() != after.verification_id())) return Rejection{};
  switch (after.status()) {
    case v1::NOTIFIED: {
      if (after.notice_id().empty())
        return Workflow("a finding is NOTIFIED through a rectification notice: set notice_id");
      ASSIGN_OR_RETURN_STATUS(n, FindAs<v1::RectificationNotice>(lookup, "notices", after.notice_id()));
      if (n == nullptr) return Workflow("notice " + after.notice_id() + " does not exist");
      bool listed = false;
      for (const auto& fid : n->finding_ids()) listed |= fid == id;
      if (!listed) return Workflow("notice " + after.notice_id() + " does not list finding " + id);
      return Rejection{};
    }
    case v1::CLOSED:
    case v1::REOPENED: {
      bool closing = after.status() == v1::CLOSED;
      const char* need = closing ? "PASSED" : "FAILED";
      if (after.verification_id().empty())
        return Workflow(std::string("a finding is ") + (closing ? "CLOSED" : "REOPENED") + " by a " + need +
                        " verification of it: set verification_id");
      ASSIGN_OR_RETURN_STATUS(v, FindAs<v1::Verification>(lookup, "verifications", after.verification_id()));
      if (v == nullptr) return Workflow("verification " + after.verification_id() + " does not exist");
      if (v->finding_id() != id)
        return Workflow("verification " + after.verification_id() + " is of finding " + v->finding_id());
      if (v->result() != (closing ? v1::PASSED : v1::FAILED)) {
        if (!moved)
          return Workflow("verification " + after.verification_id() + " " +
                          (closing ? "failed: a CLOSED finding names the PASSED verification that closed it"
                                   : "passed: a REOPENED finding names the FAILED verification that reopened it"));
        return Workflow("verification " + after.verification_id() + " " +
                        (closing ? "failed: the finding cannot close" : "passed: the finding cannot reopen"));
      }
      if (moved && !closing && after.deadline_ms() <= before.deadline_ms())
        return Workflow("a reopened finding needs a new deadline, later than the previous one");
      return Rejection{};
    }
    default:
      return Rejection{};
  }
}

// The ids a (references) field names in `after` that it did not name in
// `before` (nullptr: a create): what an edit makes the record point at.
std::vector<std::string> NewlyNamed(const FieldSpec& fs, const pb::Message* before, const pb::Message& after) {
  const pb::Reflection* r = after.GetReflection();
  std::vector<std::string> out;
  if (!fs.field->is_repeated()) {
    std::string now = r->GetString(after, fs.field);
    if (!now.empty() && (before == nullptr || before->GetReflection()->GetString(*before, fs.field) != now))
      out.push_back(std::move(now));
    return out;
  }
  std::set<std::string> had;
  if (before != nullptr)
    for (int i = 0; i < before->GetReflection()->FieldSize(*before, fs.field); ++i)
      had.insert(before->GetReflection()->GetRepeatedString(*before, fs.field, i));
  for (int i = 0; i < r->FieldSize(after, fs.field); ++i) {
    std::string id = r->GetRepeatedString(after, fs.field, i);
    if (!id.empty() && had.insert(id).second) out.push_back(std::move(id));
  }
  return out;
}

// Every (references) field names, for what the edit adds, a record the
// caller can see — one it may not see reads as missing, so the answer never
// reveals it — and, when both collections are scoped, one of the same site.
StatusOr<Rejection> ReferenceRules(const CollectionSpec& spec, const std::string& id, const pb::Message* before,
                                   const pb::Message& after, RecordLookup& lookup) {
  for (const FieldSpec& fs : spec.fields()) {
    if (fs.references.empty()) continue;
    const CollectionSpec& target = *FindCollection(fs.references);
    const std::string& field = fs.field->name();
    for (const std::string& ref : NewlyNamed(fs, before, after)) {
      auto found = lookup.Find(target, ref);
      if (!found.ok()) return found.status();
      if (*found == nullptr) {
        if (fs.reference_may_be_pending) continue;  // checked if it is there, not required
        return Workflow(field + " names " + target.name() + " record " + Quote(ref) +
                        ", which does not exist where you can see it (or is not synced to this device)");
      }
      if (!spec.scoped() || !target.scoped()) continue;
      std::string mine = spec.ScopeOf(after, id), theirs = target.ScopeOf(**found, ref);
      if (mine != theirs)
        return Workflow(field + " names " + target.name() + " record " + ref + " of site " + theirs + "; this " +
                        spec.descriptor()->name() + " is at site " + mine +
                        ", and a record names records of its own site only");
    }
  }
  return Rejection{};
}

// The rules of each collection, before the references every one checks.
StatusOr<Rejection> CollectionCreateRules(const CollectionSpec& spec, const std::string& id, const pb::Message& rec,
                                          RecordLookup& lookup) {
  const pb::Descriptor* d = spec.descriptor();
  if (d == v1::ChecklistTemplate::descriptor())
    return TemplateRules(id, static_cast<const v1::ChecklistTemplate&>(rec), lookup);
  if (d == v1::Inspection::descriptor()) return InspectionRules(static_cast<const v1::Inspection&>(rec), lookup);
  if (d == v1::RectificationNotice::descriptor())
    return NoticeRules(id, static_cast<const v1::RectificationNotice&>(rec), nullptr, lookup);
  if (d == v1::Verification::descriptor()) return VerificationRules(static_cast<const v1::Verification&>(rec), lookup);
  if (d == v1::Assignment::descriptor()) return AssignmentRules(static_cast<const v1::Assignment&>(rec), &lookup);
  if (d == v1::Campaign::descriptor()) return CampaignRules(static_cast<const v1::Campaign&>(rec), &lookup);
  if (d == v1::Team::descriptor() && static_cast<const v1::Team&>(rec).name().empty())
    return Reject(v1::INVALID, "a team needs a name");
  return Rejection{};
}

StatusOr<Rejection> CollectionChangeRules(const CollectionSpec& spec, const std::string& id, const pb::Message& before,
                                          const pb::Message& after, RecordLookup& lookup) {
  const pb::Descriptor* d = spec.descriptor();
  if (d == v1::Finding::descriptor())
    return FindingMoveRules(id, static_cast<const v1::Finding&>(before), static_cast<const v1::Finding&>(after), lookup);
  if (d == v1::Inspection::descriptor()) return InspectionRules(static_cast<const v1::Inspection&>(after), lookup);
  if (d == v1::RectificationNotice::descriptor())
    return NoticeRules(id, static_cast<const v1::RectificationNotice&>(after),
                       &static_cast<const v1::RectificationNotice&>(before), lookup);
  if (d == v1::Assignment::descriptor()) return AssignmentRules(static_cast<const v1::Assignment&>(after), nullptr);
  if (d == v1::Campaign::descriptor()) return CampaignRules(static_cast<const v1::Campaign&>(after), nullptr);
  return Rejection{};
}

}  // namespace

StatusOr<Rejection> CheckNewWorkSite(const CollectionSpec& spec, const pb::Message& rec, RecordLookup& lookup) {
  std::string site_id;
  const char* what = nullptr;
  if (spec.descriptor() == v1::Inspection::descriptor()) {
    site_id = static_cast<const v1::Inspection&>(rec).site_id();
    what = "inspections";
  } else if (spec.descriptor() == v1::Finding::descriptor()) {
    const auto& f = static_cast<const v1::Finding&>(rec);
    // The rest of a visit already underway (a failed checklist item of an
    // inspection started before) is not new work.
    if (!f.inspection_id().empty()) return Rejection{};
    site_id = f.site_id();
    what = "findings";
  }
  if (what == nullptr || site_id.empty()) return Rejection{};
  ASSIGN_OR_RETURN_STATUS(site, FindAs<v1::Site>(lookup, "sites", site_id));
  if (site == nullptr || !site->deactivated()) return Rejection{};
  std::string name = site->code().empty() ? site->name() : site->code() + " " + site->name();
  return Workflow("site " + Quote(name) + " is deactivated (closed or no longer supervised): it takes no new " +
                  what + "; its records stay readable, and the office can reactivate it");
}

std::string TemplateRecordId(const std::string& key, uint32_t version) {
  return NameBasedUuid("inspectsync/template/" + key + "/" + std::to_string(version));
}

StatusOr<Rejection> CheckCreateRules(const CollectionSpec& spec, const std::string& id, const pb::Message& rec,
                                     RecordLookup& lookup) {
  auto rule = CollectionCreateRules(spec, id, rec, lookup);
  if (!rule.ok() || !rule->ok()) return rule;
  return ReferenceRules(spec, id, nullptr, rec, lookup);
}

StatusOr<Rejection> CheckChangeRules(const CollectionSpec& spec, const std::string& id, const pb::Message& before,
                                     const pb::Message& after, RecordLookup& lookup) {
  auto rule = CollectionChangeRules(spec, id, before, after, lookup);
  if (!rule.ok() || !rule->ok()) return rule;
  return ReferenceRules(spec, id, &before, after, lookup);
}

}  // namespace inspectsync::core
