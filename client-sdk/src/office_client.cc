#include "inspectsync/office.h"

#include <grpcpp/grpcpp.h>

#include "client-sdk/src/grpc_channel.h"
#include "inspectsync/v1/office.grpc.pb.h"

namespace inspectsync {

using sdk_internal::FromGrpc;

// The connection (options, bearer, channel, Context()) and the stub.
struct OfficeClient::Impl : sdk_internal::ServiceConnection {
  std::unique_ptr<v1::OfficeService::Stub> stub;
};

OfficeClient::OfficeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OfficeClient::~OfficeClient() = default;

StatusOr<std::unique_ptr<OfficeClient>> OfficeClient::Connect(const std::string& address,
                                                              const GrpcTransportOptions& options) {
  auto conn = sdk_internal::ConnectService(address, options);
  if (!conn.ok()) return conn.status();
  auto impl = std::make_unique<Impl>();
  static_cast<sdk_internal::ServiceConnection&>(*impl) = std::move(*conn);
  impl->stub = v1::OfficeService::NewStub(impl->channel);
  return std::unique_ptr<OfficeClient>(new OfficeClient(std::move(impl)));
}

StatusOr<v1::ProblemPage> OfficeClient::ListAll(v1::ProblemQuery query) {
  v1::ProblemPage all;
  for (bool first = true;; first = false) {
    v1::ProblemPage page;
    Status st = FromGrpc(impl_->stub->ListProblems(impl_->Context().get(), query, &page));
    if (!st.ok()) return st;
    if (first) all.set_as_of_ms(page.as_of_ms());
    for (auto& p : *page.mutable_problems()) *all.add_problems() = std::move(p);
    if (page.next_page_token().empty()) return all;
    query.set_page_token(page.next_page_token());
  }
}

StatusOr<v1::ProblemReport> OfficeClient::Count(const v1::ProblemQuery& query) {
  v1::ProblemReport report;
  Status st = FromGrpc(impl_->stub->CountProblems(impl_->Context().get(), query, &report));
  if (!st.ok()) return st;
  return report;
}

namespace {

// One unary call of the stub: the reply, or the server's status.
// (Impl deduced: OfficeClient::Impl is private to the class.)
template <class Resp, class Impl, class Method, class Req>
StatusOr<Resp> Call(Impl& impl, Method method, const Req& req) {
  Resp resp;
  Status st = FromGrpc((impl.stub.get()->*method)(impl.Context().get(), req, &resp));
  if (!st.ok()) return st;
  return resp;
}

}  // namespace

StatusOr<v1::TeamReply> OfficeClient::CreateTeam(const v1::CreateTeamRequest& request) {
  return Call<v1::TeamReply>(*impl_, &v1::OfficeService::Stub::CreateTeam, request);
}

StatusOr<v1::TeamReply> OfficeClient::UpdateTeam(const v1::UpdateTeamRequest& request) {
  return Call<v1::TeamReply>(*impl_, &v1::OfficeService::Stub::UpdateTeam, request);
}

StatusOr<v1::AssignCampaignReply> OfficeClient::AssignCampaign(const v1::AssignCampaignRequest& request) {
  return Call<v1::AssignCampaignReply>(*impl_, &v1::OfficeService::Stub::AssignCampaign, request);
}

StatusOr<v1::AssignSitesReply> OfficeClient::AssignSites(const v1::AssignSitesRequest& request) {
  return Call<v1::AssignSitesReply>(*impl_, &v1::OfficeService::Stub::AssignSites, request);
}

StatusOr<v1::TeamList> OfficeClient::ListTeams() {
  return Call<v1::TeamList>(*impl_, &v1::OfficeService::Stub::ListTeams, v1::ListTeamsRequest());
}

StatusOr<v1::NoticeView> OfficeClient::IssueNotice(const v1::IssueNoticeRequest& request) {
  return Call<v1::NoticeView>(*impl_, &v1::OfficeService::Stub::IssueNotice, request);
}

StatusOr<v1::NoticeList> OfficeClient::ListNotices(const v1::NoticeQuery& query) {
  return Call<v1::NoticeList>(*impl_, &v1::OfficeService::Stub::ListNotices, query);
}

StatusOr<v1::RecordVerificationReply> OfficeClient::RecordVerification(const v1::RecordVerificationRequest& request) {
  return Call<v1::RecordVerificationReply>(*impl_, &v1::OfficeService::Stub::RecordVerification, request);
}

StatusOr<v1::CorrectionReply> OfficeClient::CorrectSite(const v1::CorrectSiteRequest& request) {
  return Call<v1::CorrectionReply>(*impl_, &v1::OfficeService::Stub::CorrectSite, request);
}

StatusOr<v1::CorrectionReply> OfficeClient::RenameZone(const v1::RenameZoneRequest& request) {
  return Call<v1::CorrectionReply>(*impl_, &v1::OfficeService::Stub::RenameZone, request);
}

StatusOr<v1::CorrectionReply> OfficeClient::EndAssignment(const v1::EndAssignmentRequest& request) {
  return Call<v1::CorrectionReply>(*impl_, &v1::OfficeService::Stub::EndAssignment, request);
}

StatusOr<v1::NoticeView> OfficeClient::GetNotice(const std::string& notice_id) {
  v1::GetNoticeRequest req;
  req.set_notice_id(notice_id);
  return Call<v1::NoticeView>(*impl_, &v1::OfficeService::Stub::GetNotice, req);
}

StatusOr<v1::CorrectionReply> OfficeClient::DeactivateUser(const std::string& user) {
  v1::DeactivateUserRequest req;
  req.set_user(user);
  return Call<v1::CorrectionReply>(*impl_, &v1::OfficeService::Stub::DeactivateUser, req);
}

}  // namespace inspectsync
