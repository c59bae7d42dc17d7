// The office integration's findings (IntegrationService ListFindings,
// ExportFindings, Import, Summary) at engine level, without gRPC: the
// service (integration_service_findings.cc) adapts them, tests call them.
// The caller's role is checked by the service (office or integration see
// every finding: no scope here).
//
// Listing and exporting read the findings in id order in pages through
// ServerStore::ScanCollectionAfter, so a call holds one page of findings
// (plus the site directory: zone and name per site) whatever their number,
// and no read stays open between pages. Pages are taken from committed data
// as it is when each is read: an export running beside pushes sees each
// finding once, as of the moment its page was read.
//
// Overdue is judged by the engine's clock (EngineOptions::clock), like the
// problem list (core/problems.h), whose matcher the filters reuse.
//
// Import checks a whole file with core/office_import.h against the server's
// records, and writes every new record in ONE transaction
// (SyncEngine::WriteAll) or nothing.
//
// Thread-safety: as the engine (calls run concurrently); a FindingExporter
// is used by one thread at a time.
#ifndef INSPECTSYNC_SERVER_INTEGRATION_FINDINGS_H_
#define INSPECTSYNC_SERVER_INTEGRATION_FINDINGS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/campaign_filter.h"
#include "core/problems.h"
#include "inspectsync/v1/integration.pb.h"
#include "server/finding_names.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

inline constexpr size_t kExportChunkBytes = 256 * 1024;  // ExportChunk.data at most
inline constexpr size_t kExportPageRecords = 256;        // findings read per store page
inline constexpr size_t kMaxImportRows = 100000;

// INVALID_ARGUMENT naming the field: unknown statuses or severities, a page
// size over 1000, a page token this server did not give out (when `paged`).
Status CheckFindingQuery(const v1::FindingQuery& q, bool paged);

StatusOr<v1::FindingPage> ListFindings(SyncEngine* engine, const v1::FindingQuery& q);

// Renders the findings of an export query chunk by chunk. Memory: the
// pending output (under one chunk plus one rendered row: a read stops once a
// chunk is pending) and the record being rendered (the store hands records
// over one at a time).
class FindingExporter {
 public:
  // INVALID_ARGUMENT for a bad query or format.
  static StatusOr<std::unique_ptr<FindingExporter>> Start(SyncEngine* engine, const v1::ExportRequest& req);

  // The next chunk: data of at most kExportChunkBytes; the last one has
  // `last` and `rows` set. REQUIRES: !done().
  StatusOr<v1::ExportChunk> Next();
  bool done() const { return done_; }
  uint64_t rows() const { return rows_; }

  // Process-wide high-water marks of any exporter's pending output bytes and
  // records held per page: a structural measure of the export's memory,
  // for tests.
  static size_t PeakPendingBytes();
  static size_t PeakPageRecords();

 private:
  FindingExporter(SyncEngine* engine, const v1::ExportRequest& req);
  Status Fill();  // reads pages until a chunk is pending or the findings end

  SyncEngine* engine_;
  v1::ExportRequest req_;
  int64_t now_ms_ = 0;
  core::SiteDirectory sites_;
  core::CampaignFilter campaigns_;  // the query's campaign and sample filters
  std::optional<FindingNames> names_;  // set by Start
  std::string after_;      // the last finding id read
  bool scanned_ = false;   // every page read
  bool done_ = false;
  std::string pending_;    // rendered, not yet sent
  uint64_t rows_ = 0;
};

// The Import RPC: INVALID_ARGUMENT listing every problem "line N: ..." and
// nothing written, or the counts and the commit seq of the one transaction.
StatusOr<v1::ImportResponse> RunImport(SyncEngine* engine, const Caller& caller, const v1::ImportRequest& req);

StatusOr<v1::SummaryReport> Summarize(SyncEngine* engine, const v1::SummaryRequest& req);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_INTEGRATION_FINDINGS_H_
