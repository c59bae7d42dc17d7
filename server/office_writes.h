// The office's writes without gRPC (proto/inspectsync/v1/office.proto, issue
// 17): teams, rectification notices, verifications and corrections of the
// register. Each builds ordinary record mutations and hands them to
// SyncEngine::WriteAll with the caller, so they are versioned, validated,
// merged, scoped and attributed exactly like a tablet's push, reach the
// change feed and the tablets at their next sync, and are all or nothing.
// There is no second write path: the engine's rules (lifecycle, workflow,
// scope, role) still run on every mutation, and the checks here only turn
// what a person would otherwise meet as a refused mutation into a status
// that names the site, zone, person or value.
//
// Who may call (checked first, before any read): see office.proto. Inspectors
// are always PERMISSION_DENIED.
//
// Thread-safety: as the engine's: calls run concurrently. Checks that read
// before the write (unique names and reference numbers) can race with a
// concurrent call; the records that must be unique where it matters (a
// notice's reference per site, a team's coverage of a site per campaign)
// have ids derived from that key, so the second write collides inside the
// transaction (ALREADY_EXISTS) instead.
#ifndef INSPECTSYNC_SERVER_OFFICE_WRITES_H_
#define INSPECTSYNC_SERVER_OFFICE_WRITES_H_

#include "inspectsync/v1/office.pb.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

StatusOr<v1::TeamReply> CreateTeam(SyncEngine* engine, const Caller& caller, const v1::CreateTeamRequest& req);
StatusOr<v1::TeamReply> UpdateTeam(SyncEngine* engine, const Caller& caller, const v1::UpdateTeamRequest& req);
StatusOr<v1::AssignCampaignReply> AssignCampaign(SyncEngine* engine, const Caller& caller,
                                                 const v1::AssignCampaignRequest& req);
StatusOr<v1::AssignSitesReply> AssignSites(SyncEngine* engine, const Caller& caller,
                                           const v1::AssignSitesRequest& req);
StatusOr<v1::TeamList> ListTeams(SyncEngine* engine, const Caller& caller, const v1::ListTeamsRequest& req);

StatusOr<v1::NoticeView> IssueNotice(SyncEngine* engine, const Caller& caller, const v1::IssueNoticeRequest& req);
StatusOr<v1::NoticeList> ListNotices(SyncEngine* engine, const Caller& caller, const v1::NoticeQuery& req);
StatusOr<v1::NoticeView> GetNotice(SyncEngine* engine, const Caller& caller, const v1::GetNoticeRequest& req);
StatusOr<v1::RecordVerificationReply> RecordVerification(SyncEngine* engine, const Caller& caller,
                                                         const v1::RecordVerificationRequest& req);

StatusOr<v1::CorrectionReply> CorrectSite(SyncEngine* engine, const Caller& caller, const v1::CorrectSiteRequest& req);
StatusOr<v1::CorrectionReply> RenameZone(SyncEngine* engine, const Caller& caller, const v1::RenameZoneRequest& req);
StatusOr<v1::CorrectionReply> DeactivateUser(SyncEngine* engine, const Caller& caller,
                                             const v1::DeactivateUserRequest& req);
StatusOr<v1::CorrectionReply> EndAssignment(SyncEngine* engine, const Caller& caller,
                                            const v1::EndAssignmentRequest& req);

// server/office_devices.cc (a read, beside the writes for its role rules).
StatusOr<v1::DeviceList> ListDevices(SyncEngine* engine, const Caller& caller, const v1::ListDevicesRequest& req);

// server/office_campaigns.cc
StatusOr<v1::CampaignReply> CreateCampaign(SyncEngine* engine, const Caller& caller,
                                           const v1::CreateCampaignRequest& req);
StatusOr<v1::SampleReply> DrawSample(SyncEngine* engine, const Caller& caller, const v1::DrawSampleRequest& req);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_OFFICE_WRITES_H_
