// One finding as the console's finding page shows it (reports.proto
// ShowFinding): its fields with the names around them, every version with
// what it changed, its conflicts, photos, notice and verifications.
//
// Cost: the reference directories once (ReportContext, FindingNames, the
// site directory), point reads of the finding, its inspection, template and
// notice, the finding's history (one indexed read), its conflicts (by record),
// one attachment lookup per photo, and one pass over verifications (they are
// few per finding, but the store has no index by finding).
#include <algorithm>
#include <ctime>
#include <tuple>

#include "core/hlc.h"
#include "core/lifecycle.h"
#include "core/ids.h"
#include "core/patch.h"
#include "core/quote.h"
#include "core/schema.h"
#include "core/workflow.h"
#include "server/finding_names.h"
#include "storage/attachment_store.h"
#include "server/integration_conflicts.h"
#include "server/office_writes.h"
#include "server/reports.h"
#include "server/site_directory.h"

namespace inspectsync::server {

namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

// A point in time for people reading a change: "2026-12-04 09:30:00 UTC".
std::string TimeText(int64_t ms) {
  if (ms == 0) return "";
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// A field's value as text: times as UTC dates, the rest as core::FieldToString.
std::string ValueText(const google::protobuf::Message& m, const core::FieldSpec& f) {
  if (f.unix_ms && !f.field->is_repeated())
    return TimeText(m.GetReflection()->GetInt64(m, f.field));
  return core::FieldToString(m, f.field);
}

// The fields `now` changed against `before` (nullptr: the first version, whose
// set fields are listed against "").
void Changes(const core::CollectionSpec& spec, const v1::Finding* before, const v1::Finding& now,
             v1::FindingVersion* out) {
  static const v1::Finding kEmpty;
  const v1::Finding& prev = before ? *before : kEmpty;
  for (const core::FieldSpec* f : core::ChangedFields(spec, prev, now)) {
    v1::FieldChange* c = out->add_changes();
    c->set_field(f->field->name());
    if (before != nullptr) c->set_old_value(ValueText(prev, *f));
    c->set_new_value(ValueText(now, *f));
  }
}

// The photo `sha256`, and whether the server has its bytes.
StatusOr<v1::PhotoRef> Photo(storage::ServerStore* store, const std::string& sha256) {
  v1::PhotoRef p;
  p.set_attachment_id(sha256);
  std::vector<storage::AttachmentRow> rows;
  INSPECTSYNC_RETURN_IF_ERROR(store->attachments()->RowsFor(sha256, &rows));
  if (!rows.empty()) {  // a row is written when an upload's bytes were verified and kept
    p.set_on_server(true);
    p.set_media_type(rows.front().media_type);
    p.set_size_bytes(rows.front().size);
  }
  return p;
}

// The photos `shas` into `out`, in the order given.
Status AddPhotos(storage::ServerStore* store, const google::protobuf::RepeatedPtrField<std::string>& shas,
                 google::protobuf::RepeatedPtrField<v1::PhotoRef>* out) {
  for (const std::string& sha : shas) {
    auto p = Photo(store, sha);
    if (!p.ok()) return p.status();
    *out->Add() = std::move(*p);
  }
  return Status::Ok();
}

// The dossier's row: the finding `r` (already parsed into out's row) with
// its site, zone, people and overdue state, as the findings list shows it.
Status FillRow(const ReportContext& ctx, const core::SiteDirectory& sites, FindingNames* names,
               const storage::StoredRecord& r, v1::FindingDossier* out) {
  const int64_t now = ctx.now_ms();
  v1::FindingRow* row = out->mutable_finding();
  const v1::Finding& f = row->finding();
  const core::SiteInfo* site = core::FindSite(sites, f.site_id());
  row->set_finding_id(r.id);
  row->set_version(r.version);
  row->set_zone_id(site ? site->zone_id : std::string());
  row->set_site_name(site ? site->name : std::string());
  const bool overdue = core::IsOverdue(f, now);
  row->set_overdue(overdue);
  row->set_overdue_days(overdue ? (now - f.deadline_ms()) / kDayMs : 0);
  row->set_updated_ms(core::Hlc::Millis(r.meta.hlc()));
  row->set_updated_by(r.meta.author());
  INSPECTSYNC_RETURN_IF_ERROR(names->Fill(sites, r.meta.created_version(), row));
  if (const ReportSite* s = ctx.FindSite(f.site_id())) out->set_site_kind(s->kind);
  return Status::Ok();
}

// What the finding's inspection says about it: campaign, inspectors, the
// checklist item's words. An inspection not on the server yet (still on a
// tablet), or a template it cannot read, leaves these out of the dossier.
Status AddInspection(storage::ServerStore* store, const ReportContext& ctx, const FindingNames& names,
                     const v1::Finding& f, v1::FindingDossier* out) {
  if (f.inspection_id().empty()) return Status::Ok();
  auto in_rec = store->GetRecord("inspections", f.inspection_id());
  if (!in_rec.ok()) return in_rec.status();
  v1::Inspection in;
  if (!in_rec->has_value() || (*in_rec)->deleted || !in.ParseFromString((*in_rec)->body)) return Status::Ok();
  out->set_campaign_id(in.campaign_id());
  if (!in.campaign_id().empty()) {
    auto campaign = ctx.Campaign(in.campaign_id());
    if (campaign.ok()) out->set_campaign_name(campaign->campaign.name());
  }
  for (const std::string& u : InspectorsOf(**in_rec, in)) {
    v1::PersonRef* p = out->add_inspectors();
    p->set_user_id(u);
    p->set_name(names.UserName(u));
  }
  if (f.checklist_item_id().empty() || in.template_key().empty()) return Status::Ok();
  auto t = store->GetRecord("templates", core::TemplateRecordId(in.template_key(), in.template_version()));
  if (!t.ok()) return t.status();
  v1::ChecklistTemplate tmpl;
  if (t->has_value() && tmpl.ParseFromString((*t)->body))
    for (const auto& item : tmpl.items())
      if (item.id() == f.checklist_item_id()) out->set_item_text(item.text());
  return Status::Ok();
}

// Every version of finding `finding_id`, oldest first, each with the fields
// it changed against the one before; the row's created_ms is the first's.
Status AddHistory(storage::ServerStore* store, const FindingNames& names, const std::string& finding_id,
                  v1::FindingDossier* out) {
  std::vector<storage::VersionRow> versions;
  INSPECTSYNC_RETURN_IF_ERROR(store->History("findings", finding_id, &versions));
  const core::CollectionSpec* spec = core::FindCollection("findings");
  v1::Finding prev, cur;
  bool have_prev = false;
  for (const storage::VersionRow& v : versions) {
    if (!cur.ParseFromString(v.body)) return DataLoss("stored version " + std::to_string(v.seq) + " is corrupt");
    v1::FindingVersion* h = out->add_history();
    h->set_version(v.seq);
    h->set_at_ms(core::Hlc::Millis(v.meta.hlc()));
    h->mutable_author()->set_user_id(v.meta.author());
    h->mutable_author()->set_name(names.UserName(v.meta.author()));
    h->set_device_id(v.meta.device_id());
    h->set_client_id(v.client_id);
    // Server-side writes (the office's) carry no device op: the first
    // version created the record, every later one patched it.
    h->set_op(v.op != v1::MUTATION_OP_UNSPECIFIED ? v.op : have_prev ? v1::PATCH : v1::CREATE);
    Changes(*spec, have_prev ? &prev : nullptr, cur, h);
    prev.Swap(&cur);
    have_prev = true;
  }
  if (!versions.empty()) out->mutable_finding()->set_created_ms(out->history(0).at_ms());
  return Status::Ok();
}

// Conflicts on the finding, every state, as ListConflicts shows them (names
// included): its own rules decide what the caller may see.
Status AddConflicts(SyncEngine* engine, const Caller& caller, const std::string& finding_id,
                    v1::FindingDossier* out) {
  v1::ConflictQuery cq;
  cq.set_collection("findings");
  cq.set_record_id(finding_id);
  for (auto s : {v1::CONFLICT_OPEN, v1::CONFLICT_AUTO_RESOLVED, v1::CONFLICT_RESOLVED}) cq.add_states(s);
  cq.set_page_size(kMaxConflictPage);
  for (;;) {
    auto page = ListConflicts(engine, caller, cq);
    if (!page.ok()) return page.status();
    for (auto& c : *page->mutable_conflicts()) *out->add_conflicts() = std::move(c);
    if (page->next_page_token().empty()) return Status::Ok();
    cq.set_page_token(page->next_page_token());
  }
}

// The finding's notice, as GetNotice shows it. A notice not on the server
// yet (still on the tablet that issued it) is simply not shown.
Status AddNotice(SyncEngine* engine, const Caller& caller, const std::string& notice_id, v1::FindingDossier* out) {
  if (notice_id.empty()) return Status::Ok();
  v1::GetNoticeRequest nq;
  nq.set_notice_id(notice_id);
  auto notice = GetNotice(engine, caller, nq);
  if (notice.ok()) {
    *out->mutable_notice() = std::move(*notice);
  } else if (notice.status().code() != StatusCode::kNotFound) {
    return notice.status();
  }
  return Status::Ok();
}

// Verifications of finding `r`, by time, each with its verifier and photos.
// Collected first, then named and given photos: no point read may run inside
// a scan (server/finding_names.h says why).
Status AddVerifications(storage::ServerStore* store, const FindingNames& names, const storage::StoredRecord& r,
                        v1::FindingDossier* out) {
  std::vector<std::pair<std::string, v1::Verification>> checks;
  v1::Verification vf;
  INSPECTSYNC_RETURN_IF_ERROR(store->ScanCollection("verifications", [&](const storage::StoredRecord& vr) -> Status {
    if (vr.deleted || vr.scope != r.scope) return Status::Ok();  // same site: skip the rest unparsed
    if (!vf.ParseFromString(vr.body)) return DataLoss("stored verification " + vr.id + " is corrupt");
    if (vf.finding_id() == r.id) checks.emplace_back(vr.id, vf);
    return Status::Ok();
  }));
  std::sort(checks.begin(), checks.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(a.second.verified_at_ms(), a.first) < std::make_tuple(b.second.verified_at_ms(), b.first);
  });
  for (const auto& [id, v] : checks) {
    v1::VerificationLine* line = out->add_verifications();
    line->set_verification_id(id);
    line->set_method(v.method());
    line->set_result(v.result());
    line->set_note(v.note());
    line->set_new_deadline_ms(v.new_deadline_ms());
    line->mutable_verifier()->set_user_id(v.verifier());
    line->mutable_verifier()->set_name(names.UserName(v.verifier()));
    line->set_verified_at_ms(v.verified_at_ms());
    INSPECTSYNC_RETURN_IF_ERROR(AddPhotos(store, v.evidence(), line->mutable_evidence()));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<v1::FindingDossier> ShowFinding(SyncEngine* engine, const Caller& caller, const v1::ShowFindingRequest& req) {
  auto ctx = ReportContext::Open(engine, caller, {});
  if (!ctx.ok()) return ctx.status();
  if (req.finding_id().empty()) return InvalidArgument("finding_id is required");
  storage::ServerStore* store = engine->store();
  auto rec = store->GetRecord("findings", req.finding_id());
  if (!rec.ok()) return rec.status();
  auto scope = engine->ScopeOf(caller);
  if (!scope.ok()) return scope.status();
  // Outside a director's zones reads as missing, as ShowInspection; the
  // office sees a finding whose site is not (or no longer) in the register too.
  if (!rec->has_value() || (*rec)->deleted || (!scope->all && !ctx->CoversSite((*rec)->scope)))
    return Status(StatusCode::kNotFound, "no finding " + core::Quote(req.finding_id()) + " that you may see");
  const storage::StoredRecord& r = **rec;

  v1::FindingDossier out;
  out.set_as_of_ms(ctx->now_ms());
  v1::Finding* f = out.mutable_finding()->mutable_finding();
  if (!f->ParseFromString(r.body)) return DataLoss("stored finding " + r.id + " is corrupt");
  // Deleted sites too: an old finding still names the site it was found at.
  auto sites = ReadSiteDirectory(store, /*include_deleted=*/true);
  if (!sites.ok()) return sites.status();
  auto names = FindingNames::Read(store);
  if (!names.ok()) return names.status();

  INSPECTSYNC_RETURN_IF_ERROR(FillRow(*ctx, *sites, &*names, r, &out));
  INSPECTSYNC_RETURN_IF_ERROR(AddInspection(store, *ctx, *names, *f, &out));
  INSPECTSYNC_RETURN_IF_ERROR(AddHistory(store, *names, r.id, &out));
  INSPECTSYNC_RETURN_IF_ERROR(AddConflicts(engine, caller, r.id, &out));
  INSPECTSYNC_RETURN_IF_ERROR(AddPhotos(store, f->evidence(), out.mutable_photos()));
  INSPECTSYNC_RETURN_IF_ERROR(AddNotice(engine, caller, f->notice_id(), &out));
  INSPECTSYNC_RETURN_IF_ERROR(AddVerifications(store, *names, r, &out));
  return out;
}

}  // namespace inspectsync::server
