// ReportService (proto/inspectsync/v1/reports.proto) at engine level, without
// gRPC: server/report_service.* adapts them, tests may call them. Each call
// opens a ReportContext (server/report_context.h: the caller's role and
// zones, the names of zones, sites and people) and then streams what it
// counts once.
//
// Who may call: office and integration (every zone), zone_director (their
// zones; another zone is PERMISSION_DENIED naming it), inspector
// PERMISSION_DENIED. Unknown campaign, zone or inspection: NOT_FOUND naming
// it. Nothing here writes.
//
// Cost, per call (memory is bounded by the reference data and the
// campaign's inspections, never by the findings):
//   CampaignProgress  one pass over assignments, teams and inspections;
//                     keeps the campaign's assigned site ids and one entry
//                     (id, start, inspectors) per inspection of it.
//   ItemResults       one pass over inspections; a counter per item.
//   ShowInspection    three lookups and one pass over findings (a count).
//   Subtotals         one pass over inspections (id -> inspector ids, for
//                     the per-inspector figures) and one over findings;
//                     counters per zone, site and inspector.
//   SpecialReport     one pass over inspections, findings, notices and
//                     verifications of the zone; counters per site and
//                     category, at most a few examples and overdue lines kept.
//   ShowFinding       point reads, the finding's history and conflicts, and
//                     one pass over verifications (server/report_finding.cc).
//   ListDirectory     the reference data of one kind, sorted in memory
//                     (server/report_directory.cc).
//
// Thread-safety: functions; calls run concurrently over the thread-safe engine.
#ifndef INSPECTSYNC_SERVER_REPORTS_H_
#define INSPECTSYNC_SERVER_REPORTS_H_

#include "inspectsync/v1/reports.pb.h"
#include "server/report_context.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

StatusOr<v1::ProgressReport> CampaignProgress(SyncEngine* engine, const Caller& caller, const v1::ProgressRequest& req);
StatusOr<v1::ItemResultsReport> ItemResults(SyncEngine* engine, const Caller& caller, const v1::ItemResultsRequest& req);
StatusOr<v1::InspectionSheet> ShowInspection(SyncEngine* engine, const Caller& caller,
                                             const v1::ShowInspectionRequest& req);
StatusOr<v1::SubtotalsReport> Subtotals(SyncEngine* engine, const Caller& caller, const v1::SubtotalsRequest& req);
// server/special_report.cc
StatusOr<v1::SpecialReportDocument> SpecialReport(SyncEngine* engine, const Caller& caller,
                                                  const v1::SpecialReportRequest& req);
// server/report_finding.cc: NOT_FOUND for an unknown finding or one outside
// a zone director's zones; INVALID_ARGUMENT without an id.
StatusOr<v1::FindingDossier> ShowFinding(SyncEngine* engine, const Caller& caller, const v1::ShowFindingRequest& req);
// server/report_directory.cc: INVALID_ARGUMENT for a missing kind, a page
// size over 1000 or a page token this server did not give.
StatusOr<v1::DirectoryPage> ListDirectory(SyncEngine* engine, const Caller& caller, const v1::DirectoryRequest& req);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_REPORTS_H_
