// OfficeClient: the server's OfficeService for the office's own systems and
// the command line — the office's writes (teams, rectification notices,
// verifications, corrections of the register), and the district's problem
// list and its counts, judged by
// the server's clock, within the caller's role (office and integration: all;
// zone director: their zones; inspectors are refused). Same TLS trust and
// bearer token as a tablet's sync. Client::Problems is the same list over one
// device's own records, offline.
//
//   auto office = inspectsync::OfficeClient::Connect("sync.district:7443", grpc_options).value();
//   v1::ProblemQuery q;  q.set_overdue_only(true);
//   auto page = office->ListAll(q);   // every page, sorted by deadline
//
// Thread-safety: one thread at a time.
#ifndef INSPECTSYNC_OFFICE_H_
#define INSPECTSYNC_OFFICE_H_

#include <memory>
#include <string>

#include "inspectsync/status.h"
#include "inspectsync/transport.h"
#include "inspectsync/v1/office.pb.h"

namespace inspectsync {

class OfficeClient {
 public:
  // INVALID_ARGUMENT for a malformed token (CheckBearerToken),
  // FAILED_PRECONDITION if the CA file cannot be read. Connects lazily.
  static StatusOr<std::unique_ptr<OfficeClient>> Connect(const std::string& address,
                                                         const GrpcTransportOptions& options);
  ~OfficeClient();

  // Every page of `query` (following next_page_token), as one page; as_of_ms
  // is the first page's.
  StatusOr<v1::ProblemPage> ListAll(v1::ProblemQuery query);
  StatusOr<v1::ProblemReport> Count(const v1::ProblemQuery& query);

  // The office's writes (office.proto says who may call each and its
  // errors). Each is one server-side write through the engine a tablet's
  // push uses: on tablets at their next sync, in the change feed, by the
  // signed-in user. Zones, sites and users are named by code or id, teams
  // and campaigns by id or exact name.
  StatusOr<v1::TeamReply> CreateTeam(const v1::CreateTeamRequest& request);
  StatusOr<v1::TeamReply> UpdateTeam(const v1::UpdateTeamRequest& request);
  StatusOr<v1::AssignCampaignReply> AssignCampaign(const v1::AssignCampaignRequest& request);
  StatusOr<v1::AssignSitesReply> AssignSites(const v1::AssignSitesRequest& request);
  // Every live team with its people's and campaign's names and the count of
  // sites it covers (office and zone directors).
  StatusOr<v1::TeamList> ListTeams();
  StatusOr<v1::NoticeView> IssueNotice(const v1::IssueNoticeRequest& request);
  StatusOr<v1::NoticeList> ListNotices(const v1::NoticeQuery& query);
  StatusOr<v1::NoticeView> GetNotice(const std::string& notice_id);
  StatusOr<v1::RecordVerificationReply> RecordVerification(const v1::RecordVerificationRequest& request);
  StatusOr<v1::CorrectionReply> CorrectSite(const v1::CorrectSiteRequest& request);
  StatusOr<v1::CorrectionReply> RenameZone(const v1::RenameZoneRequest& request);
  StatusOr<v1::CorrectionReply> DeactivateUser(const std::string& user);
  StatusOr<v1::CorrectionReply> EndAssignment(const v1::EndAssignmentRequest& request);

 private:
  struct Impl;
  explicit OfficeClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace inspectsync

#endif  // INSPECTSYNC_OFFICE_H_
