#include "tools/tablet_inspect.h"

#include <cstdio>
#include <ctime>

#include "core/ids.h"
#include "core/workflow.h"
#include "tools/render.h"
#include "tools/tablet_reference.h"

namespace inspectsync::tools {

namespace {

int64_t NowMs() { return static_cast<int64_t>(std::time(nullptr)) * 1000; }

// The published template version the device holds; version 0 = the latest.
StatusOr<v1::ChecklistTemplate> FindTemplate(Client& c, const std::string& key, uint32_t version) {
  if (version > 0) {
    auto r = c.Get("templates", core::TemplateRecordId(key, version));
    if (!r.ok()) return NotFound("template " + key + "@" + std::to_string(version) + " is not on this tablet (sync?)");
    return r->body.checklist_template();
  }
  auto list = c.List("templates");
  if (!list.ok()) return list.status();
  const v1::ChecklistTemplate* best = nullptr;
  for (const auto& r : *list)
    if (r.body.checklist_template().key() == key && (!best || r.body.checklist_template().version() > best->version()))
      best = &r.body.checklist_template();
  if (!best) return NotFound("template " + key + " is not on this tablet (sync?)");
  return *best;
}

int Start(Client& c, const Args& fl, const ReferenceContext& ctx) {
  if (!fl.Has("site") || fl.Has("campaign") == fl.Has("template"))
    return ctx.usage("inspect start needs --site and one of --campaign, --template");
  v1::Inspection in;
  auto site = ResolveOnDevice(c, "sites", fl.Get("site"));
  if (!site.ok()) return ctx.fail(site.status());
  in.set_site_id(*site);
  if (fl.Has("campaign")) {
    // The campaign's id, or its exact name as people call it (秋季开学专项督查).
    const std::string ref = fl.Get("campaign");
    auto camp = c.Get("campaigns", ref);
    if (!camp.ok()) {
      auto all = c.List("campaigns");
      if (!all.ok()) return ctx.fail(all.status());
      int named = 0;
      for (LocalRecord& r : *all)
        if (r.body.campaign().name() == ref && ++named == 1) camp = std::move(r);
      if (named > 1) return ctx.fail(InvalidArgument("two campaigns are named '" + ref + "': give its id"));
      if (named == 0) return ctx.fail(NotFound("campaign '" + ref + "' is not on this tablet (sync?)"));
    }
    const v1::Campaign& k = camp->body.campaign();
    in.set_campaign_id(camp->id);
    in.set_kind(k.kind());
    in.set_template_key(k.template_key());
    in.set_template_version(k.template_version());
  } else {
    std::string ref = fl.Get("template"), key = ref.substr(0, ref.find('@'));
    uint32_t version = 0;
    if (ref.find('@') != std::string::npos) {
      std::string v = ref.substr(ref.find('@') + 1);
      if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos)
        return ctx.usage("--template is KEY or KEY@VERSION");
      version = static_cast<uint32_t>(std::stoul(v));
    }
    auto t = FindTemplate(c, key, version);
    if (!t.ok()) return ctx.fail(t.status());
    in.set_kind(v1::ROUTINE_VISIT);
    in.set_template_key(t->key());
    in.set_template_version(t->version());
  }
  // Who inspects: reports name them, and a team's members each count.
  for (const auto& ref : fl.GetAll("inspector")) {
    auto user = ResolveOnDevice(c, "users", ref);
    if (!user.ok()) return ctx.fail(user.status());
    in.add_inspectors(*user);
  }
  in.set_notes(fl.Get("notes"));
  in.set_started_at_ms(NowMs());
  auto id = c.CreateInspection(in);
  if (!id.ok()) return ctx.fail(id.status());
  std::printf("%s\n", id->c_str());
  return 0;
}

int Answer(Client& c, const Args& fl, const ReferenceContext& ctx) {
  if (!fl.Has("inspection") || !fl.Has("item") || !fl.Has("result"))
    return ctx.usage("inspect answer needs --inspection, --item and --result");
  std::string r = fl.Get("result");
  v1::ItemResult result = r == "pass" ? v1::PASS : r == "fail" ? v1::FAIL : r == "na" ? v1::NOT_APPLICABLE
                                                                                        : v1::ITEM_RESULT_UNSPECIFIED;
  if (result == v1::ITEM_RESULT_UNSPECIFIED) return ctx.usage("--result is pass, fail or na, not '" + r + "'");
  if (result != v1::FAIL && (fl.Has("finding-title") || fl.Has("severity")))
    return ctx.usage("--finding-title and --severity go with --result fail");
  v1::Severity severity = v1::SEVERITY_UNSPECIFIED;
  if (fl.Has("severity") && !ParseSeverity(fl.Get("severity"), &severity))
    return ctx.usage("unknown --severity '" + fl.Get("severity") + "'");
  auto in = c.GetInspection(fl.Get("inspection"));
  if (!in.ok()) return ctx.fail(in.status());
  if (in->value.template_key().empty()) return ctx.fail(FailedPrecondition("this inspection has no checklist"));
  auto t = FindTemplate(c, in->value.template_key(), in->value.template_version());
  if (!t.ok()) return ctx.fail(t.status());
  const v1::ChecklistItem* item = nullptr;
  for (const auto& it : t->items())
    if (it.id() == fl.Get("item")) item = &it;
  if (!item)
    return ctx.fail(InvalidArgument("'" + fl.Get("item") + "' is not an item of " + t->key() + "@" +
                                    std::to_string(t->version())));
  // Who answers: --by, or the inspection's one inspector.
  std::string by;
  if (fl.Has("by")) {
    auto user = ResolveOnDevice(c, "users", fl.Get("by"));
    if (!user.ok()) return ctx.fail(user.status());
    by = *user;
  } else if (in->value.inspectors_size() == 1) {
    by = in->value.inspectors(0);
  }
  // A new answer replaces the same person's earlier one to the same item;
  // two people's differing answers both stay (the records review counts them).
  v1::Inspection values;
  for (const auto& resp : in->value.responses())
    if (resp.item_id() != item->id() || resp.inspector() != by) *values.add_responses() = resp;
  v1::ItemResponse* resp = values.add_responses();
  resp->set_item_id(item->id());
  resp->set_inspector(by);
  resp->set_result(result);
  resp->set_note(fl.Get("note"));
  if (Status st = c.UpdateInspection(in->id, values, {"responses"}); !st.ok()) return ctx.fail(st);
  if (result != v1::FAIL) return 0;
  v1::Finding f;
  f.set_site_id(in->value.site_id());
  f.set_inspection_id(in->id);
  f.set_checklist_item_id(item->id());
  f.set_category(item->category());
  f.set_title(CutBytes(fl.Get("finding-title", item->text()), 200));
  f.set_description(fl.Get("note"));
  f.set_severity(severity != v1::SEVERITY_UNSPECIFIED ? severity : item->default_severity());
  f.set_status(v1::OPEN);
  auto fid = c.CreateFinding(f);
  if (!fid.ok()) return ctx.fail(fid.status());
  std::printf("%s\n", fid->c_str());
  if (item->evidence_required())
    std::fprintf(stderr, "item '%s' needs evidence: add a photo hash with finding edit %s --add-evidence HASH\n",
                 item->id().c_str(), fid->c_str());
  return 0;
}

int Show(Client& c, const Args& fl, const ReferenceContext& ctx) {
  if (!fl.Has("inspection")) return ctx.usage("inspect show needs --inspection");
  auto in = c.GetInspection(fl.Get("inspection"));
  if (!in.ok()) return ctx.fail(in.status());
  const v1::Inspection& v = in->value;
  DeviceNames names(c);
  std::string inspectors;
  for (const auto& u : v.inspectors()) inspectors += (inspectors.empty() ? "" : ", ") + names.Person(u);
  std::string campaign = "-";
  if (!v.campaign_id().empty()) {
    auto k = c.Get("campaigns", v.campaign_id());
    campaign = k.ok() ? k->body.campaign().name() : "(not on this tablet)";
  }
  std::printf("inspection %s  %s\nsite       %s (%s)\ncampaign   %s\ninspectors %s\nstarted    %s\n", in->id.c_str(),
              VersionText(in->version, in->pending).c_str(), names.Site(v.site_id()).c_str(),
              names.ZoneOfSite(v.site_id()).c_str(), campaign.c_str(), inspectors.empty() ? "-" : inspectors.c_str(),
              FormatDate(v.started_at_ms()).c_str());
  if (!v.notes().empty()) std::printf("notes      %s\n", v.notes().c_str());
  if (!v.template_key().empty()) {
    std::printf("checklist  %s@%u\n", v.template_key().c_str(), v.template_version());
    auto t = FindTemplate(c, v.template_key(), v.template_version());
    if (t.ok()) {
      for (const auto& it : t->items()) {
        std::string answers;
        for (const auto& r : v.responses())
          if (r.item_id() == it.id()) answers += std::string(answers.empty() ? "" : ", ") + ItemResultName(r.result());
        std::printf("  %-6s %-16s %s %s\n", answers.empty() ? "-" : answers.c_str(), it.id().c_str(),
                    Cell(it.category(), 20).c_str(), it.text().c_str());
        // Each answer: who gave it and what they noted (two people may differ).
        for (const auto& r : v.responses())
          if (r.item_id() == it.id())
            std::printf("         %-4s by %s%s\n", ItemResultName(r.result()), names.Person(r.inspector()).c_str(),
                        r.note().empty() ? "" : (": " + r.note()).c_str());
      }
    }
  }
  auto findings = c.ListFindings();
  if (!findings.ok()) return ctx.fail(findings.status());
  std::vector<LocalFinding> mine;
  for (auto& f : *findings)
    if (f.value.inspection_id() == in->id) mine.push_back(std::move(f));
  std::printf("findings   %zu\n", mine.size());
  if (!mine.empty()) PrintFindingTable(mine);
  return 0;
}

}  // namespace

std::optional<int> RunInspectCommand(Client& c, const Args& fl, const std::vector<std::string>& pos,
                                     const ReferenceContext& ctx) {
  if (pos.empty() || pos[0] != "inspect") return std::nullopt;
  std::string verb = pos.size() > 1 ? pos[1] : "";
  if (verb == "start") return Start(c, fl, ctx);
  if (verb == "answer") return Answer(c, fl, ctx);
  if (verb == "show") return Show(c, fl, ctx);
  return ctx.usage("inspect start, answer or show, not '" + verb + "'");
}

}  // namespace inspectsync::tools

namespace inspectsync::tools {

void AddTabletInspectCommands(Command& tablet, const Handler& run) {
  Command inspect = tablet.Sub("inspect", "an inspection with a checklist, offline; 'sync' sends it");
  inspect.Sub("start", "start an inspection at a site (prints its id)")
      .Opt("site", "SITE", "the site (code or id)")
      .Opt("campaign", "ID", "the campaign (its template version)")
      .Opt("template", "KEY[@VERSION]", "or a template (the latest version unless given)")
      .Multi("inspector", "USER", "who inspects (code or id; repeat for each)")
      .Opt("notes", "TEXT", "notes")
      .Run(run);
  inspect.Sub("answer", "answer one item; a fail records a finding (prints its id)")
      .Opt("inspection", "ID", "the inspection")
      .Opt("item", "ITEM", "the checklist item")
      .Opt("result", "RESULT", "pass, fail or na")
      .Opt("note", "TEXT", "what was seen")
      .Opt("by", "USER", "who answers (code or id; default: the inspection's one inspector)")
      .Opt("finding-title", "TEXT", "the finding's title (default: the item's text)")
      .Opt("severity", "LEVEL", "the finding's severity (default: the item's)")
      .Run(run);
  inspect.Sub("show", "the checklist with its answers, and its findings").Opt("inspection", "ID", "the inspection").Run(run);
}

}  // namespace inspectsync::tools
