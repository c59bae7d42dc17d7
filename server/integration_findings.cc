#include "server/integration_findings.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "core/export.h"
#include "core/hex.h"
#include "core/hlc.h"
#include "core/lifecycle.h"
#include "core/office_import.h"
#include "core/record_bounds.h"
#include "core/quote.h"
#include "core/text_encoding.h"
#include "core/patch.h"
#include "server/finding_names.h"
#include "server/report_filter.h"
#include "server/site_directory.h"

namespace inspectsync::server {

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr char kTokenPrefix[] = "f1.";
constexpr size_t kMaxProblemsListed = 100;
// What FindingNames adds to a row at most: a zone name (200 characters of up
// to 3 bytes), a site code and notice reference (64 each), a user id (a
// token's, 256) and name (200 characters), with their tags.
constexpr size_t kNamesMaxBytes = 600 + 64 + 64 + 256 + 600 + 5 * 3;

std::atomic<size_t> peak_pending{0};
std::atomic<size_t> peak_page{0};

void RaisePeak(std::atomic<size_t>& peak, size_t v) {
  size_t cur = peak.load();
  while (v > cur && !peak.compare_exchange_weak(cur, v)) {
  }
}

// The page token: the last finding id of the page, hex-encoded so it is
// opaque and checkable.
std::string EncodeToken(const std::string& id) { return kTokenPrefix + core::HexEncode(id); }

StatusOr<std::string> DecodeToken(const std::string& token) {
  auto bad = [&] {
    return InvalidArgument("page_token " + core::Quote(token) + " is not a token this list gave out");
  };
  if (token.rfind(kTokenPrefix, 0) != 0) return bad();
  std::string hex = token.substr(sizeof(kTokenPrefix) - 1);
  if (hex.empty() || hex.size() % 2 != 0 || hex.size() > 256) return bad();
  std::string id;
  if (!core::HexDecode(hex, &id)) return bad();
  return id;
}

// The query's filters as a problem-list query (so both lists share one
// matcher), with "every status" spelled out.
v1::ProblemQuery AsProblemQuery(const v1::FindingQuery& q) {
  v1::ProblemQuery p;
  *p.mutable_zone_ids() = q.zone_ids();
  *p.mutable_site_ids() = q.site_ids();
  *p.mutable_categories() = q.categories();
  *p.mutable_severities() = q.severities();
  p.set_overdue_only(q.overdue_only());
  if (q.statuses().empty()) {
    for (int s = v1::FindingStatus_MIN; s <= v1::FindingStatus_MAX; ++s)
      if (v1::FindingStatus_IsValid(s) && s != v1::FINDING_STATUS_UNSPECIFIED) p.add_statuses(static_cast<v1::FindingStatus>(s));
  } else {
    *p.mutable_statuses() = q.statuses();
  }
  return p;
}

// A UUIDv7's time: the tablet made the finding's id when it created it.
int64_t CreatedMillis(const std::string& id) {
  if (!core::IsUuid(id) || id[14] != '7') return 0;
  std::string hex = id.substr(0, 8) + id.substr(9, 4);
  return static_cast<int64_t>(std::stoull(hex, nullptr, 16));
}

// Filters and renders the findings of one query.
class FindingMatcher {
 public:
  FindingMatcher(const v1::FindingQuery& q, int64_t now_ms, const core::SiteDirectory* sites,
                 const core::CampaignFilter* campaigns)
      : q_(q), problem_(AsProblemQuery(q)), now_ms_(now_ms), sites_(sites), campaigns_(campaigns) {}

  // Whether the stored finding passes; fills *row if so.
  StatusOr<bool> Match(const storage::StoredRecord& r, v1::FindingRow* row) {
    if (r.deleted) return false;
    if (q_.updated_after_seq() > 0 && r.version <= q_.updated_after_seq()) return false;
    int64_t updated_ms = core::Hlc::Millis(r.meta.hlc());
    if (q_.updated_after_ms() > 0 && updated_ms <= q_.updated_after_ms()) return false;
    v1::Finding* f = row->mutable_finding();
    if (!f->ParseFromString(r.body)) return DataLoss("stored finding " + r.id + " is corrupt");
    const core::SiteInfo* info = core::FindSite(*sites_, f->site_id());
    const std::string zone = info ? info->zone_id : std::string();
    if (!core::MatchesProblem(problem_, *f, zone, now_ms_) || !campaigns_->Matches(*f, zone)) return false;
    row->set_finding_id(r.id);
    row->set_version(r.version);
    row->set_zone_id(zone);
    row->set_site_name(info ? info->name : std::string());
    bool overdue = core::IsOverdue(*f, now_ms_);
    row->set_overdue(overdue);
    row->set_overdue_days(overdue ? (now_ms_ - f->deadline_ms()) / kDayMs : 0);
    row->set_updated_ms(updated_ms);
    row->set_updated_by(r.meta.author());
    row->set_created_ms(CreatedMillis(r.id));
    return true;
  }

 private:
  v1::FindingQuery q_;
  v1::ProblemQuery problem_;
  int64_t now_ms_;
  const core::SiteDirectory* sites_;
  const core::CampaignFilter* campaigns_;
};

// Reads the current records for the import planner.
class StoreLookup : public core::ImportLookup {
 public:
  explicit StoreLookup(storage::ServerStore* store) : store_(store) {}
  StatusOr<bool> Exists(const std::string& collection, const std::string& id) override {
    auto rec = store_->GetRecord(collection, id);
    if (!rec.ok()) return rec.status();
    return rec->has_value() && !(*rec)->deleted;
  }

 private:
  storage::ServerStore* store_;
};

Status ProblemsStatus(std::vector<core::ImportProblem> problems) {
  std::stable_sort(problems.begin(), problems.end(),
                   [](const core::ImportProblem& a, const core::ImportProblem& b) { return a.line < b.line; });
  std::string msg = "the import has " + std::to_string(problems.size()) + " problem" +
                    (problems.size() == 1 ? "" : "s") + "; nothing was written: ";
  for (size_t i = 0; i < problems.size() && i < kMaxProblemsListed; ++i)
    msg += (i ? "; " : "") + problems[i].ToString();
  if (problems.size() > kMaxProblemsListed)
    msg += "; ... and " + std::to_string(problems.size() - kMaxProblemsListed) + " more";
  return InvalidArgument(msg);
}

}  // namespace

Status CheckFindingQuery(const v1::FindingQuery& q, bool paged) {
  for (int s : q.statuses())
    if (!v1::FindingStatus_IsValid(s) || s == v1::FINDING_STATUS_UNSPECIFIED)
      return InvalidArgument("statuses: " + std::to_string(s) + " is not a finding status");
  for (int s : q.severities())
    if (!v1::Severity_IsValid(s) || s == v1::SEVERITY_UNSPECIFIED)
      return InvalidArgument("severities: " + std::to_string(s) + " is not a severity (LOW, MEDIUM, HIGH, CRITICAL)");
  if (q.updated_after_ms() < 0) return InvalidArgument("updated_after_ms must not be negative");
  if (!paged) return Status::Ok();
  if (q.page_size() > core::kMaxProblemPageSize)
    return InvalidArgument("page_size " + std::to_string(q.page_size()) + " is over the limit of " +
                           std::to_string(core::kMaxProblemPageSize));
  if (!q.page_token().empty()) {
    auto id = DecodeToken(q.page_token());
    if (!id.ok()) return id.status();
  }
  return Status::Ok();
}

StatusOr<v1::FindingPage> ListFindings(SyncEngine* engine, const v1::FindingQuery& query) {
  INSPECTSYNC_RETURN_IF_ERROR(CheckFindingQuery(query, /*paged=*/true));
  v1::FindingQuery q = query;
  INSPECTSYNC_RETURN_IF_ERROR(ResolvePlaces(engine, &q));
  std::string after;
  if (!q.page_token().empty()) after = *DecodeToken(q.page_token());
  const size_t page_size = q.page_size() == 0 ? core::kDefaultProblemPageSize : q.page_size();
  auto sites = ReadSiteDirectory(engine->store(), /*include_deleted=*/false);
  if (!sites.ok()) return sites.status();
  auto campaigns = ReadCampaignFilter(engine, q.campaign_ids(), q.sample_campaign_id());
  if (!campaigns.ok()) return campaigns.status();
  v1::FindingPage page;
  page.set_as_of_ms(engine->options().clock->NowMillis());
  FindingMatcher matcher(q, page.as_of_ms(), &*sites, &*campaigns);
  auto names = FindingNames::Read(engine->store());
  if (!names.ok()) return names.status();
  std::vector<uint64_t> created;  // each row's first version, for its names
  // The page is bounded by bytes too (EngineOptions::max_page_bytes, less
  // its token and time): findings until the next would pass it, at least one.
  constexpr size_t kPageEnvelopeBytes = 128;
  const size_t page_bytes = engine->options().max_page_bytes;
  const size_t budget = page_bytes > kPageEnvelopeBytes ? page_bytes - kPageEnvelopeBytes : 1;
  size_t bytes = 0;
  bool more = false, end = false;
  while (!more && !end) {
    size_t read = 0;
    v1::FindingRow row;
    Status st = engine->store()->ScanCollectionAfter(
        "findings", after, kExportPageRecords, [&](const storage::StoredRecord& r) -> StatusOr<bool> {
          ++read;
          row.Clear();
          auto m = matcher.Match(r, &row);
          if (!m.ok()) return m.status();
          if (*m) {
            // The names are added after the scan (FindingNames): count their largest size now.
            size_t b = core::DelimitedBytes(row.ByteSizeLong()) + kNamesMaxBytes;
            if (static_cast<size_t>(page.findings_size()) == page_size ||
                (page.findings_size() > 0 && bytes + b > budget)) {
              more = true;  // the next page starts at this finding
              return false;
            }
            bytes += b;
            *page.add_findings() = std::move(row);
            created.push_back(r.meta.created_version());
          }
          after = r.id;
          return true;
        });
    if (!st.ok()) return st;
    end = read < kExportPageRecords;
  }
  for (int i = 0; i < page.findings_size(); ++i)
    INSPECTSYNC_RETURN_IF_ERROR(names->Fill(*sites, created[i], page.mutable_findings(i)));
  if (more) page.set_next_page_token(EncodeToken(page.findings(page.findings_size() - 1).finding_id()));
  return page;
}

// ---------------------------------------------------------------- export

FindingExporter::FindingExporter(SyncEngine* engine, const v1::ExportRequest& req) : engine_(engine), req_(req) {}

StatusOr<std::unique_ptr<FindingExporter>> FindingExporter::Start(SyncEngine* engine, const v1::ExportRequest& req) {
  if (req.format() != v1::CSV && req.format() != v1::JSON_LINES)
    return InvalidArgument("format must be CSV or JSON_LINES");
  INSPECTSYNC_RETURN_IF_ERROR(CheckFindingQuery(req.query(), /*paged=*/false));
  std::unique_ptr<FindingExporter> e(new FindingExporter(engine, req));
  INSPECTSYNC_RETURN_IF_ERROR(ResolvePlaces(engine, e->req_.mutable_query()));
  e->now_ms_ = engine->options().clock->NowMillis();
  auto sites = ReadSiteDirectory(engine->store(), /*include_deleted=*/false);
  if (!sites.ok()) return sites.status();
  e->sites_ = std::move(*sites);
  auto campaigns = ReadCampaignFilter(engine, req.query().campaign_ids(), req.query().sample_campaign_id());
  if (!campaigns.ok()) return campaigns.status();
  e->campaigns_ = std::move(*campaigns);
  auto names = FindingNames::Read(engine->store());
  if (!names.ok()) return names.status();
  e->names_.emplace(std::move(*names));
  if (req.format() == v1::CSV) core::AppendFindingCsvHeader(&e->pending_);
  return e;
}

Status FindingExporter::Fill() {
  FindingMatcher matcher(req_.query(), now_ms_, &sites_, &campaigns_);
  // Matched findings wait here for their names, which are read between
  // scans (FindingNames), then are rendered: at most a chunk's worth.
  std::vector<std::pair<v1::FindingRow, uint64_t>> batch;
  while (!scanned_ && pending_.size() < kExportChunkBytes) {
    size_t read = 0, batch_bytes = 0;
    bool full = false;
    batch.clear();
    Status st = engine_->store()->ScanCollectionAfter(
        "findings", after_, kExportPageRecords, [&](const storage::StoredRecord& r) -> StatusOr<bool> {
          ++read;
          after_ = r.id;
          v1::FindingRow row;
          auto m = matcher.Match(r, &row);
          if (!m.ok()) return m.status();
          if (!*m) return true;
          batch_bytes += row.ByteSizeLong();
          batch.emplace_back(std::move(row), r.meta.created_version());
          // Bounded by bytes, not only by the page's count: large findings
          // (escaped, a JSON line can be several times its record) stop the
          // read once a chunk is pending.
          full = pending_.size() + batch_bytes >= kExportChunkBytes;
          return !full;
        });
    if (!st.ok()) return st;
    for (auto& [row, created] : batch) {
      INSPECTSYNC_RETURN_IF_ERROR(names_->Fill(sites_, created, &row));
      if (req_.format() == v1::CSV) core::AppendFindingCsv(row, &pending_);
      else core::AppendFindingJson(row, &pending_);
      ++rows_;
    }
    RaisePeak(peak_page, read);
    RaisePeak(peak_pending, pending_.size());
    scanned_ = !full && read < kExportPageRecords;
  }
  return Status::Ok();
}

StatusOr<v1::ExportChunk> FindingExporter::Next() {
  INSPECTSYNC_RETURN_IF_ERROR(Fill());
  v1::ExportChunk chunk;
  size_t n = std::min(pending_.size(), kExportChunkBytes);
  chunk.set_data(pending_.substr(0, n));
  pending_.erase(0, n);
  if (scanned_ && pending_.empty()) {
    chunk.set_last(true);
    chunk.set_rows(rows_);
    done_ = true;
    pending_.shrink_to_fit();
  }
  return chunk;
}

size_t FindingExporter::PeakPendingBytes() { return peak_pending.load(); }
size_t FindingExporter::PeakPageRecords() { return peak_page.load(); }

// ---------------------------------------------------------------- import

namespace {

// "N (North)": a zone (or any coded record) as the office knows it.
std::string RefText(storage::ServerStore* store, const std::string& collection, const std::string& id) {
  auto rec = store->GetRecord(collection, id);
  const core::CollectionSpec* spec = core::FindCollection(collection);
  if (!rec.ok() || !rec->has_value() || spec == nullptr) return id;
  v1::RecordBody body;
  if (!spec->Mutable(&body)->ParseFromString((*rec)->body)) return id;
  std::string text = core::CodeAndName(body);
  return text.empty() ? id : text;
}

// A row of the file whose record is already there: the same (nothing to
// do) or different (a difference, and with `update` a PATCH of the fields).
StatusOr<bool> Compare(storage::ServerStore* store, core::ImportKind kind,
                       const core::PlannedRecord& rec, v1::ImportResponse* resp, v1::Mutation* patch) {
  auto stored = store->GetRecord(rec.collection, rec.id);
  if (!stored.ok()) return stored.status();
  const core::CollectionSpec& spec = *core::FindCollection(rec.collection);
  v1::RecordBody now;
  if (!stored->has_value() || !spec.Mutable(&now)->ParseFromString((**stored).body))
    return Internal("the stored " + rec.collection + " record " + rec.id + " cannot be read");
  auto changes = core::DiffImport(kind, rec, now, [&](const std::string& collection, const std::string& id) {
    return RefText(store, collection, id);
  });
  if (changes.empty()) return false;
  *resp->add_differences() = core::ImportDifferenceOf(kind, rec, now, changes);
  patch->set_collection(rec.collection);
  patch->set_record_id(rec.id);
  patch->set_op(v1::PATCH);
  google::protobuf::Message* values = spec.Mutable(patch->mutable_body());
  for (const core::ImportChange& c : changes) {
    patch->mutable_mask()->add_paths(c.field);
    core::CopyField(spec.Get(rec.body), spec.FindField(c.field)->field, values);
  }
  return true;
}

}  // namespace

StatusOr<v1::ImportResponse> RunImport(SyncEngine* engine, const Caller& caller, const v1::ImportRequest& req) {
  core::ImportKind kind;
  switch (req.kind()) {
    case v1::IMPORT_ZONES: kind = core::ImportKind::kZones; break;
    case v1::IMPORT_SITES: kind = core::ImportKind::kSites; break;
    case v1::IMPORT_USERS: kind = core::ImportKind::kUsers; break;
    case v1::IMPORT_ASSIGNMENTS: kind = core::ImportKind::kAssignments; break;
    default: return InvalidArgument("kind must be IMPORT_ZONES, IMPORT_SITES, IMPORT_USERS or IMPORT_ASSIGNMENTS");
  }
  if (req.format() != v1::CSV && req.format() != v1::JSON_LINES)
    return InvalidArgument("format must be CSV or JSON_LINES");
  core::TextEncoding encoding = core::TextEncoding::kAuto;
  if (!req.encoding().empty()) {
    auto parsed = core::ParseTextEncoding(req.encoding());
    if (!parsed.ok()) return parsed.status();
    encoding = *parsed;
    // JSON is UTF-8 by definition (RFC 8259): only "utf-8" or "auto" fit.
    if (req.format() == v1::JSON_LINES && encoding == core::TextEncoding::kGb18030)
      return InvalidArgument("encoding " + core::Quote(req.encoding()) + " is for CSV files; JSON Lines are UTF-8");
  }
  std::vector<std::string> required, optional;
  core::ImportColumns(kind, &required, &optional);
  std::istringstream in(req.data());
  core::ImportTable table = req.format() == v1::CSV ? core::ReadCsvTable(in, required, optional, encoding)
                                                    : core::ReadJsonLinesTable(in, required, optional);
  if (table.rows.size() > kMaxImportRows)
    return InvalidArgument("the import has " + std::to_string(table.rows.size()) + " rows; at most " +
                           std::to_string(kMaxImportRows) + " per call");
  StoreLookup lookup(engine->store());
  auto plan = core::PlanImport(kind, table, lookup);
  if (!plan.ok()) return plan.status();
  std::vector<core::ImportProblem> problems = table.problems;
  problems.insert(problems.end(), plan->problems.begin(), plan->problems.end());
  if (!problems.empty()) return ProblemsStatus(std::move(problems));

  v1::ImportResponse resp;
  resp.set_rows(table.rows.size());
  std::vector<v1::Mutation> writes;  // creates, then (with update) patches
  std::vector<int64_t> lines;        // of each write
  std::vector<v1::Mutation> patches;
  std::vector<int64_t> patch_lines;
  for (const auto& rec : plan->records) {
    auto exists = lookup.Exists(rec.collection, rec.id);
    if (!exists.ok()) return exists.status();
    if (*exists) {
      v1::Mutation patch;
      auto differs = Compare(engine->store(), kind, rec, &resp, &patch);
      if (!differs.ok()) return differs.status();
      if (!*differs) {
        resp.set_unchanged(resp.unchanged() + 1);
      } else if (req.update()) {
        patches.push_back(std::move(patch));
        patch_lines.push_back(rec.line);
      }
      continue;
    }
    v1::Mutation& m = writes.emplace_back();
    m.set_collection(rec.collection);
    m.set_record_id(rec.id);
    m.set_op(v1::CREATE);
    *m.mutable_body() = rec.body;
    lines.push_back(rec.line);
  }
  resp.set_created(writes.size());
  for (size_t i = 0; i < patches.size(); ++i) {
    writes.push_back(std::move(patches[i]));
    lines.push_back(patch_lines[i]);
  }
  if (req.dry_run() || writes.empty()) return resp;

  // The office's write, by the engine's own rules, in one transaction: an
  // update is a PATCH like a tablet's, attributed to the caller.
  size_t refused = 0;
  WriteOptions options;
  options.max_mutations = kMaxImportRows;
  options.refused_index = &refused;
  auto written = engine->WriteAll(std::move(writes), caller, nullptr, options);
  if (!written.ok()) {
    if (written.status().code() == StatusCode::kAlreadyExists)
      return Status(StatusCode::kAborted,
                    "records of this import were created by someone else meanwhile; nothing was written (import again)");
    if (refused < lines.size())
      return ProblemsStatus({core::ImportProblem{lines[refused], written.status().message()}});
    return written.status();
  }
  resp.set_updated(patch_lines.size());
  uint64_t seq = 0;
  for (const auto& r : *written) seq = std::max(seq, r.record().version());
  resp.set_seq(seq);
  return resp;
}

// ---------------------------------------------------------------- summary

StatusOr<v1::SummaryReport> Summarize(SyncEngine* engine, const v1::SummaryRequest& request) {
  v1::SummaryRequest req = request;
  INSPECTSYNC_RETURN_IF_ERROR(ResolveRefs(engine, "zones", "zone_ids", req.mutable_zone_ids()));
  v1::FindingQuery q;
  *q.mutable_zone_ids() = req.zone_ids();
  *q.mutable_categories() = req.categories();
  int64_t now = engine->options().clock->NowMillis();
  auto sites = ReadSiteDirectory(engine->store(), /*include_deleted=*/false);
  if (!sites.ok()) return sites.status();
  auto campaigns = ReadCampaignFilter(engine, req.campaign_ids(), req.sample_campaign_id());
  if (!campaigns.ok()) return campaigns.status();
  core::ProblemCounter counter(AsProblemQuery(q), now);
  v1::Finding f;
  INSPECTSYNC_RETURN_IF_ERROR(engine->store()->ScanCollection("findings", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    if (!f.ParseFromString(r.body)) return DataLoss("stored finding " + r.id + " is corrupt");
    const core::SiteInfo* site = core::FindSite(*sites, f.site_id());
    if (!campaigns->Matches(f, site ? site->zone_id : std::string())) return Status::Ok();
    counter.Offer(f, site);
    return Status::Ok();
  }));
  v1::ProblemReport counted = counter.Finish();
  auto names = FindingNames::Read(engine->store());
  if (!names.ok()) return names.status();
  NameZones(*names, &counted);
  v1::SummaryReport report;
  report.set_as_of_ms(now);
  *report.mutable_counts() = counted.counts();
  report.set_findings(counted.findings());
  report.set_overdue(counted.overdue());

  // Conflicts by the zone of their record's site (or the zone itself for a
  // zone-scoped record; "" for reference data), streamed from the store one
  // at a time with their record's scope.
  storage::ConflictFilter filter;
  filter.limit = static_cast<size_t>(INT64_MAX);  // every conflict
  std::set<std::string> zones(req.zone_ids().begin(), req.zone_ids().end());
  std::map<std::string, v1::ConflictCount> by_zone;
  INSPECTSYNC_RETURN_IF_ERROR(engine->store()->ScanConflicts(filter, [&](const storage::ConflictEntry& e) -> StatusOr<bool> {
    const std::string zone = core::ZoneOfScope(*sites, e.scope);
    if (!zones.empty() && !zones.count(zone)) return true;
    v1::ConflictCount& cc = by_zone[zone];
    cc.set_zone_id(zone);
    cc.set_zone_name(names->ZoneName(zone));
    switch (e.conflict.state()) {
      case v1::CONFLICT_OPEN: cc.set_open(cc.open() + 1); break;
      case v1::CONFLICT_RESOLVED: cc.set_resolved(cc.resolved() + 1); break;
      case v1::CONFLICT_AUTO_RESOLVED: cc.set_auto_resolved(cc.auto_resolved() + 1); break;
      default: break;
    }
    return true;
  }));
  for (auto& [zone, cc] : by_zone) {
    report.set_open_conflicts(report.open_conflicts() + cc.open());
    *report.add_conflicts() = std::move(cc);
  }
  return report;
}

}  // namespace inspectsync::server
