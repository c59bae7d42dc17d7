// ReportClient: the server's ReportService (proto/inspectsync/v1/reports.proto)
// for the command line, the web console and the office's own programs —
// campaign progress, the records review of checklists, one inspection as a
// person reads it, subtotals of findings, and the zone director's special
// report (专报) as an HTML document. Same TLS trust and bearer token as a
// tablet's sync (GrpcTransportOptions).
//
//   auto reports = inspectsync::ReportClient::Connect("sync.district:7443", grpc_options).value();
//   v1::ProgressRequest p;  p.set_campaign_id(campaign);
//   v1::ProgressReport progress = reports->Progress(p).value();
//
// Who may call: office and integration (every zone), zone_director (their
// zones; another zone is PERMISSION_DENIED naming it); inspectors get
// PERMISSION_DENIED. Errors are the server's status as it sent it (NOT_FOUND
// naming an unknown campaign, zone or inspection; INVALID_ARGUMENT naming a
// missing field), UNAVAILABLE / DEADLINE_EXCEEDED from the network; every
// call ends within GrpcTransportOptions::call_deadline. Each report is one
// pass of the server over its records (server/reports.h gives the cost).
//
// Thread-safety: one thread at a time.
#ifndef INSPECTSYNC_REPORTS_H_
#define INSPECTSYNC_REPORTS_H_

#include <memory>
#include <string>

#include "inspectsync/status.h"
#include "inspectsync/transport.h"
#include "inspectsync/v1/reports.pb.h"

namespace inspectsync {

class ReportClient {
 public:
  // INVALID_ARGUMENT for a malformed token (CheckBearerToken),
  // FAILED_PRECONDITION if the CA file cannot be read. Connects lazily.
  static StatusOr<std::unique_ptr<ReportClient>> Connect(const std::string& address,
                                                         const GrpcTransportOptions& options);
  ~ReportClient();

  StatusOr<v1::ProgressReport> Progress(const v1::ProgressRequest& request);
  StatusOr<v1::ItemResultsReport> ItemResults(const v1::ItemResultsRequest& request);
  StatusOr<v1::InspectionSheet> ShowInspection(const std::string& inspection_id);
  // One finding with its names, history, conflicts, photos, notice and verifications.
  StatusOr<v1::FindingDossier> ShowFinding(const std::string& finding_id);
  StatusOr<v1::SubtotalsReport> Subtotals(const v1::SubtotalsRequest& request);
  StatusOr<v1::SpecialReportDocument> SpecialReport(const std::string& zone_id, const std::string& campaign_id);

 private:
  struct Impl;
  explicit ReportClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace inspectsync

#endif  // INSPECTSYNC_REPORTS_H_
