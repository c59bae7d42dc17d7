// What every report of ReportService (proto/inspectsync/v1/reports.proto)
// shares: who may ask for which zones, the names of zones, sites and people,
// and the campaign asked about. The reports themselves live beside it:
//   report_progress.cc   CampaignProgress
//   report_records.cc    ItemResults, ShowInspection
//   report_subtotals.cc  Subtotals
//   special_report.cc    SpecialReport (the HTML document)
// and server/report_filter.h builds the campaign and sample filters the
// office's lists share.
//
// Cost: a ReportContext reads the reference data once (zones, sites, users:
// one pass each, a name per record), never findings or inspections; the
// reports then stream those in one pass with counters per site and zone.
//
// Thread-safety: a context belongs to one call.
#ifndef INSPECTSYNC_SERVER_REPORT_CONTEXT_H_
#define INSPECTSYNC_SERVER_REPORT_CONTEXT_H_

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/problems.h"
#include "inspectsync/v1/reports.pb.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

struct ReportSite {
  std::string code;
  std::string name;
  std::string zone_id;
  v1::SiteKind kind = v1::SITE_KIND_UNSPECIFIED;
};

// A campaign a report is about: its record id and its body.
struct ReportCampaign {
  std::string id;
  v1::Campaign campaign;
};

class ReportContext {
 public:
  // Checks the caller (PERMISSION_DENIED for an inspector) and reads the
  // directory. `zone_refs` narrows the report: each must be a live zone, by
  // the office's code or its id (NOT_FOUND naming `field` and the value as
  // given), that the caller may see (PERMISSION_DENIED naming it); empty =
  // every zone the caller may see.
  static StatusOr<ReportContext> Open(SyncEngine* engine, const Caller& caller,
                                      const std::vector<std::string>& zone_refs,
                                      const std::string& field = "zone_ids");

  // The live campaign `ref` names, resolved as office::Resolve resolves a
  // campaign (server/office_refs.h): INVALID_ARGUMENT when empty, NOT_FOUND
  // naming it. Reports match inspections and assignments by the id returned.
  StatusOr<ReportCampaign> Campaign(const std::string& ref) const;

  // The zones asked for (Open's `zone_refs`), as ids, in the order given.
  const std::vector<std::string>& asked_zones() const { return asked_zones_; }

  // Whether the report covers zone `zone_id` / the site `site_id` (a live
  // site of a covered zone).
  bool Covers(const std::string& zone_id) const { return zones_.count(zone_id) > 0; }
  bool CoversSite(const std::string& site_id) const;
  const std::set<std::string>& zones() const { return zones_; }

  const ReportSite* FindSite(const std::string& site_id) const;
  const std::unordered_map<std::string, ReportSite>& sites() const { return sites_; }
  v1::SiteRef SiteRefOf(const std::string& site_id) const;
  v1::PersonRef PersonOf(const std::string& user_id) const;
  std::string ZoneName(const std::string& zone_id) const;
  // A site's zone ("" for an unknown site).
  std::string ZoneOf(const std::string& site_id) const;

  SyncEngine* engine() const { return engine_; }
  int64_t now_ms() const { return now_ms_; }

 private:
  SyncEngine* engine_ = nullptr;
  int64_t now_ms_ = 0;
  std::vector<std::string> asked_zones_;
  std::set<std::string> zones_;  // covered by this report
  std::unordered_map<std::string, std::string> zone_names_;
  std::unordered_map<std::string, ReportSite> sites_;  // live sites, every zone
  std::unordered_map<std::string, std::string> people_;
};

// "people first": a site as a person names it, "CODE 名称" or the name alone.
std::string SiteLabel(const v1::SiteRef& s);

// Who inspected: the inspection's `inspectors`, or, when the tablet named
// none (offline, a tablet does not know whose token it will sync with), the
// signed-in user who wrote the inspection's latest version — in the field
// the inspecting tablet, which also wrote its answers.
std::vector<std::string> InspectorsOf(const storage::StoredRecord& rec, const v1::Inspection& in);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_REPORT_CONTEXT_H_
