// The records review (reports.proto ItemResults, ShowInspection): checklist
// answers counted per item over a campaign, and one inspection as a person
// reads it.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "core/ids.h"
#include "core/quote.h"
#include "core/workflow.h"
#include "server/reports.h"

namespace inspectsync::server {

namespace {

// The template version an inspection or campaign names, or nullopt when it
// is not on the server (an answer then shows its item id only).
StatusOr<std::optional<v1::ChecklistTemplate>> ReadTemplate(storage::ServerStore* store, const std::string& key,
                                                            uint32_t version) {
  if (key.empty()) return std::optional<v1::ChecklistTemplate>();
  auto rec = store->GetRecord("templates", core::TemplateRecordId(key, version));
  if (!rec.ok()) return rec.status();
  if (!rec->has_value() || (*rec)->deleted) return std::optional<v1::ChecklistTemplate>();
  v1::ChecklistTemplate t;
  if (!t.ParseFromString((*rec)->body)) return DataLoss("stored template " + key + " is corrupt");
  return std::optional<v1::ChecklistTemplate>(std::move(t));
}

// An item's position in the template (unknown items after every known one).
struct ItemOrder {
  std::map<std::string, int> index;
  const v1::ChecklistItem* Find(const v1::ChecklistTemplate* t, const std::string& id) const {
    auto it = index.find(id);
    return it == index.end() || t == nullptr ? nullptr : &t->items(it->second);
  }
  int Rank(const std::string& id) const {
    auto it = index.find(id);
    return it == index.end() ? INT32_MAX : it->second;
  }
};

ItemOrder OrderOf(const v1::ChecklistTemplate* t) {
  ItemOrder o;
  if (t != nullptr)
    for (int i = 0; i < t->items_size(); ++i) o.index.emplace(t->items(i).id(), i);
  return o;
}

}  // namespace

StatusOr<v1::ItemResultsReport> ItemResults(SyncEngine* engine, const Caller& caller,
                                            const v1::ItemResultsRequest& req) {
  auto ctx = ReportContext::Open(engine, caller, {req.zone_ids().begin(), req.zone_ids().end()});
  if (!ctx.ok()) return ctx.status();
  auto campaign = ctx->Campaign(req.campaign_id());
  if (!campaign.ok()) return campaign.status();
  const v1::Campaign& c = campaign->campaign;
  auto tmpl = ReadTemplate(engine->store(), c.template_key(), c.template_version());
  if (!tmpl.ok()) return tmpl.status();
  const v1::ChecklistTemplate* t = tmpl->has_value() ? &**tmpl : nullptr;
  ItemOrder order = OrderOf(t);

  v1::ItemResultsReport out;
  out.set_campaign_id(campaign->id);
  out.set_campaign_name(c.name());
  out.set_template_key(c.template_key());
  out.set_template_version(c.template_version());
  std::map<std::string, v1::ItemTally> tallies;
  if (t != nullptr)
    for (const auto& item : t->items()) tallies[item.id()].set_item_id(item.id());
  v1::Inspection in;
  INSPECTSYNC_RETURN_IF_ERROR(engine->store()->ScanCollection("inspections", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    if (!in.ParseFromString(r.body)) return DataLoss("stored inspection " + r.id + " is corrupt");
    if (in.campaign_id() != campaign->id || !ctx->CoversSite(in.site_id())) return Status::Ok();
    out.set_inspections(out.inspections() + 1);
    // Each result given for an item counts once per inspection; two people
    // giving different results is a disagreement, and both count.
    std::map<std::string, std::set<int>> results;
    for (const auto& resp : in.responses())
      if (resp.result() != v1::ITEM_RESULT_UNSPECIFIED) results[resp.item_id()].insert(resp.result());
    for (const auto& [item, given] : results) {
      v1::ItemTally& tally = tallies[item];
      tally.set_item_id(item);
      for (int result : given) {
        if (result == v1::PASS) tally.set_pass(tally.pass() + 1);
        if (result == v1::FAIL) tally.set_fail(tally.fail() + 1);
        if (result == v1::NOT_APPLICABLE) tally.set_not_applicable(tally.not_applicable() + 1);
      }
      if (given.size() > 1) tally.set_disagreements(tally.disagreements() + 1);
    }
    return Status::Ok();
  }));
  std::vector<v1::ItemTally> rows;
  for (auto& [id, tally] : tallies) {
    if (const v1::ChecklistItem* item = order.Find(t, id)) {
      tally.set_category(item->category());
      tally.set_text(item->text());
    }
    rows.push_back(std::move(tally));
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const v1::ItemTally& a, const v1::ItemTally& b) {
    return order.Rank(a.item_id()) < order.Rank(b.item_id());
  });
  for (auto& r : rows) *out.add_items() = std::move(r);
  return out;
}

StatusOr<v1::InspectionSheet> ShowInspection(SyncEngine* engine, const Caller& caller,
                                             const v1::ShowInspectionRequest& req) {
  auto ctx = ReportContext::Open(engine, caller, {});
  if (!ctx.ok()) return ctx.status();
  if (req.inspection_id().empty()) return InvalidArgument("inspection_id is required");
  auto rec = engine->store()->GetRecord("inspections", req.inspection_id());
  if (!rec.ok()) return rec.status();
  // Outside a director's zones reads as missing: the answer reveals nothing.
  if (!rec->has_value() || (*rec)->deleted || !ctx->CoversSite((*rec)->scope))
    return Status(StatusCode::kNotFound, "no inspection " + core::Quote(req.inspection_id()) + " that you may see");
  v1::Inspection in;
  if (!in.ParseFromString((*rec)->body)) return DataLoss("stored inspection " + req.inspection_id() + " is corrupt");

  v1::InspectionSheet out;
  out.set_inspection_id(req.inspection_id());
  *out.mutable_site() = ctx->SiteRefOf(in.site_id());
  out.set_campaign_id(in.campaign_id());
  if (!in.campaign_id().empty()) {
    auto campaign = ctx->Campaign(in.campaign_id());
    if (campaign.ok()) out.set_campaign_name(campaign->campaign.name());
  }
  out.set_kind(in.kind());
  out.set_template_key(in.template_key());
  out.set_template_version(in.template_version());
  auto tmpl = ReadTemplate(engine->store(), in.template_key(), in.template_version());
  if (!tmpl.ok()) return tmpl.status();
  const v1::ChecklistTemplate* t = tmpl->has_value() ? &**tmpl : nullptr;
  if (t != nullptr) out.set_template_title(t->title());
  const std::vector<std::string> inspectors = InspectorsOf(**rec, in);
  for (const std::string& u : inspectors) *out.add_inspectors() = ctx->PersonOf(u);
  out.set_started_at_ms(in.started_at_ms());
  out.set_ended_at_ms(in.ended_at_ms());
  out.set_notes(in.notes());

  ItemOrder order = OrderOf(t);
  std::vector<v1::AnswerLine> lines;
  for (const auto& resp : in.responses()) {
    v1::AnswerLine line;
    line.set_item_id(resp.item_id());
    if (const v1::ChecklistItem* item = order.Find(t, resp.item_id())) {
      line.set_category(item->category());
      line.set_text(item->text());
    }
    line.set_result(resp.result());
    line.set_note(resp.note());
    // An answer without its inspector is the inspection's one inspector's.
    const std::string& by = !resp.inspector().empty() || inspectors.size() != 1 ? resp.inspector() : inspectors[0];
    *line.mutable_answered_by() = ctx->PersonOf(by);
    lines.push_back(std::move(line));
  }
  std::stable_sort(lines.begin(), lines.end(), [&](const v1::AnswerLine& a, const v1::AnswerLine& b) {
    return std::make_tuple(order.Rank(a.item_id()), a.item_id(), a.answered_by().name()) <
           std::make_tuple(order.Rank(b.item_id()), b.item_id(), b.answered_by().name());
  });
  for (auto& l : lines) *out.add_answers() = std::move(l);

  // The findings recorded against it: its site's findings (scope key = site,
  // filtered before parsing), counted.
  v1::Finding f;
  INSPECTSYNC_RETURN_IF_ERROR(engine->store()->ScanCollection("findings", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted || r.scope != in.site_id()) return Status::Ok();
    if (!f.ParseFromString(r.body)) return DataLoss("stored finding " + r.id + " is corrupt");
    if (f.inspection_id() == req.inspection_id()) out.set_findings(out.findings() + 1);
    return Status::Ok();
  }));
  return out;
}

}  // namespace inspectsync::server
