// inspectsync admin notice issue|list|show and verify: rectification notices
// and on-site verifications on the server (tools/office_server.h). The
// server checks every finding and moves it in the notice's transaction, so
// nothing here reads findings first: a finding that is not OPEN, or at
// another site, is the server's error, naming it.
#include <cstdio>

#include "core/ids.h"
#include "tools/office.h"
#include "tools/office_server.h"
#include "tools/render.h"

namespace inspectsync::tools {

namespace {

std::string StatusText(v1::NoticeStatus s) {
  switch (s) {
    case v1::NOTICE_OPEN: return "OPEN";
    case v1::NOTICE_OVERDUE: return "OVERDUE";
    case v1::NOTICE_CLOSED: return "CLOSED";
    default: return "-";
  }
}

bool ParseNoticeStatus(const std::string& s, v1::NoticeStatus* out) {
  if (s == "open" || s == "OPEN") *out = v1::NOTICE_OPEN;
  else if (s == "overdue" || s == "OVERDUE") *out = v1::NOTICE_OVERDUE;
  else if (s == "closed" || s == "CLOSED") *out = v1::NOTICE_CLOSED;
  else return false;
  return true;
}

int Issue(OfficeClient& office, const Args& fl, v1::IssueNoticeRequest req) {
  auto view = office.IssueNotice(req);
  if (!view.ok()) return OfficeFail(view.status());
  if (PrintedJson(fl, *view)) return 0;
  std::printf("%s\n", view->notice_id().c_str());  // for scripts; people read stderr
  std::string titles;
  for (const auto& f : view->findings()) titles += (titles.empty() ? "" : "; ") + f.title();
  std::fprintf(stderr, "notice %s to %s: %d finding%s NOTIFIED, deadline %s (%s)\n",
               view->notice().reference_no().c_str(), SiteText(view->site_code(), view->site_name()).c_str(),
               view->findings_size(), view->findings_size() == 1 ? "" : "s",
               FormatDate(view->notice().deadline_ms()).c_str(), titles.c_str());
  return 0;
}

int List(OfficeClient& office, const Args& fl, const v1::NoticeQuery& q) {
  auto list = office.ListNotices(q);
  if (!list.ok()) return OfficeFail(list.status());
  if (fl.Has("json")) {
    for (const auto& n : list->notices()) std::printf("%s\n", ToJson(n).c_str());
    return 0;
  }
  std::printf("%s %s %s %-10s %-8s %8s %s\n", Cell("REFERENCE", 16).c_str(), Cell("SITE", 32).c_str(),
              Cell("ZONE", 16).c_str(), "DEADLINE", "STATUS", "FINDINGS", "OVERDUE");
  for (const auto& n : list->notices())
    std::printf("%s %s %s %-10s %-8s %8d %s\n", Cell(n.notice().reference_no(), 16).c_str(),
                Cell(SiteText(n.site_code(), n.site_name()), 32).c_str(), Cell(n.zone_name(), 16).c_str(),
                FormatDate(n.notice().deadline_ms()).c_str(), StatusText(n.status()).c_str(),
                n.notice().finding_ids_size(), n.status() == v1::NOTICE_OVERDUE ? "逾期 overdue" : "");
  std::printf("%d notice%s as of %s\n", list->notices_size(), list->notices_size() == 1 ? "" : "s",
              FormatDate(list->as_of_ms()).c_str());
  return 0;
}

// NOTICE is an id, or a reference number one notice has: several sites may
// share a reference (a notice to several sites is one record per site).
StatusOr<v1::NoticeView> FindNotice(OfficeClient& office, const std::string& ref) {
  if (core::IsUuid(ref)) return office.GetNotice(ref);
  auto list = office.ListNotices(v1::NoticeQuery());
  if (!list.ok()) return list.status();
  std::vector<const v1::NoticeView*> found;
  for (const auto& n : list->notices())
    if (n.notice().reference_no() == ref) found.push_back(&n);
  if (found.empty()) return NotFound("no notice '" + ref + "' (neither a reference number nor an id of one)");
  if (found.size() > 1) {
    std::string sites;
    for (const auto* n : found) sites += (sites.empty() ? "" : ", ") + SiteText(n->site_code(), n->site_name());
    return InvalidArgument("notice '" + ref + "' was issued to " + std::to_string(found.size()) + " sites (" + sites +
                           "); give the notice's id (notice list --json shows it)");
  }
  return office.GetNotice(found.front()->notice_id());
}

int Show(OfficeClient& office, const Args& fl) {
  auto view = FindNotice(office, fl.positional().at(2));
  if (!view.ok()) return OfficeFail(view.status());
  if (PrintedJson(fl, *view)) return 0;
  const v1::RectificationNotice& n = view->notice();
  std::printf("notice    %s\nsite      %s\nzone      %s\ndeadline  %s\nstatus    %s\n", n.reference_no().c_str(),
              SiteText(view->site_code(), view->site_name()).c_str(), view->zone_name().c_str(),
              FormatDate(n.deadline_ms()).c_str(), StatusText(view->status()).c_str());
  if (!n.text().empty()) std::printf("text      %s\n", n.text().c_str());
  std::printf("\n%s %-18s %-10s %s\n", Cell("FINDING", 40).c_str(), "STATUS", "DEADLINE", "OVERDUE");
  for (const auto& f : view->findings())
    std::printf("%s %-18s %-10s %s\n", Cell(f.title(), 40).c_str(), v1::FindingStatus_Name(f.status()).c_str(),
                FormatDate(f.deadline_ms()).c_str(), f.overdue() ? "逾期 overdue" : "");
  return 0;
}

int Verify(OfficeClient& office, const Args& fl, const v1::RecordVerificationRequest& req) {
  auto reply = office.RecordVerification(req);
  if (!reply.ok()) return OfficeFail(reply.status());
  if (PrintedJson(fl, *reply)) return 0;
  std::printf("%s\n", reply->verification_id().c_str());  // for scripts; people read stderr
  std::fprintf(stderr, "finding %s at %s is now %s (deadline %s)\n", reply->finding_title().c_str(),
               SiteText(reply->site_code(), reply->site_name()).c_str(),
               v1::FindingStatus_Name(reply->finding_status()).c_str(), FormatDate(reply->deadline_ms()).c_str());
  return 0;
}

// The request of each command from its flags; "" or what is wrong with them
// (checked before any call: a bad command line changes nothing).
std::string IssueRequest(const Args& fl, v1::IssueNoticeRequest* req) {
  if (!fl.Has("site") || !fl.Has("deadline") || !fl.Has("ref") || fl.Has("findings") == fl.Has("all-open"))
    return "notice issue needs --site, --deadline, --ref and one of --findings, --all-open";
  int64_t deadline = 0;
  std::string why;
  if (!DayFlag(fl, "deadline", /*end_of_day=*/false, &deadline, &why)) return why;
  req->set_site(fl.Get("site"));
  for (const auto& f : SplitList(fl.Get("findings"))) req->add_finding_ids(f);
  if (fl.Has("findings") && req->finding_ids().empty()) return "--findings names no finding";
  req->set_all_open(fl.Has("all-open"));
  req->set_reference_no(fl.Get("ref"));
  req->set_deadline_ms(deadline);
  req->set_text(fl.Get("text"));
  return "";
}

std::string ListQuery(const Args& fl, v1::NoticeQuery* q) {
  for (const auto& s : fl.GetAll("site")) q->add_sites(s);
  for (const auto& z : fl.GetAll("zone")) q->add_zones(z);
  for (const auto& s : fl.GetAll("status")) {
    v1::NoticeStatus st;
    if (!ParseNoticeStatus(s, &st)) return "--status '" + s + "' is not one of open, overdue, closed";
    q->add_statuses(st);
  }
  return "";
}

std::string VerifyRequest(const Args& fl, v1::RecordVerificationRequest* req) {
  const std::string result = fl.Get("result");
  if (result == "pass") req->set_result(v1::PASSED);
  else if (result == "fail") req->set_result(v1::FAILED);
  else return "verify needs --result pass or --result fail" + (result.empty() ? "" : ", not '" + result + "'");
  if (req->result() == v1::FAILED && !fl.Has("new-deadline"))
    return "verify --result fail needs --new-deadline (the school gets more time)";
  if (fl.Has("new-deadline")) {
    int64_t ms = 0;
    std::string why;
    if (!DayFlag(fl, "new-deadline", /*end_of_day=*/false, &ms, &why)) return why;
    req->set_new_deadline_ms(ms);
  }
  req->set_finding_id(fl.positional().at(1));
  req->set_method(v1::ON_SITE);
  req->set_note(fl.Get("note"));
  for (const auto& e : fl.GetAll("evidence")) req->add_evidence(e);
  req->set_verifier(fl.Get("verifier"));
  return "";
}

int RunNotice(const Args& fl) {
  const std::string what = fl.positional().at(0);
  const std::string verb = what == "verify" ? "" : fl.positional().at(1);
  v1::IssueNoticeRequest issue;
  v1::NoticeQuery query;
  v1::RecordVerificationRequest verify;
  std::string why = verb == "issue"  ? IssueRequest(fl, &issue)
                    : verb == "list" ? ListQuery(fl, &query)
                    : what == "verify" ? VerifyRequest(fl, &verify)
                                       : "";
  if (!why.empty()) return OfficeUsage(why);
  auto office = ConnectOffice(fl);
  if (!office.ok()) return OfficeFail(office.status());
  if (verb == "issue") return Issue(**office, fl, issue);
  if (verb == "list") return List(**office, fl, query);
  if (verb == "show") return Show(**office, fl);
  return Verify(**office, fl, verify);
}

}  // namespace

void AddNoticeCommands(Command& admin) {
  Command notice = admin.Sub("notice", "rectification notices on the server");
  OfficeServerLeaf(notice.Sub("issue", "issue a notice: its findings become NOTIFIED (prints its id)")
                       .Opt("site", "SITE", "the site (code or id; required)")
                       .Opt("findings", "F1,F2", "these OPEN findings of the site")
                       .Switch("all-open", "or every OPEN finding of the site")
                       .Opt("deadline", "YYYY-MM-DD", "rectification deadline (required)")
                       .Opt("ref", "NO", "the notice's reference number (required)")
                       .Opt("text", "TEXT", "the notice's text"),
                   RunNotice);
  OfficeServerLeaf(notice.Sub("list", "notices by deadline: site, zone, status, overdue")
                       .Multi("site", "SITE", "only this site (code or id)")
                       .Multi("zone", "ZONE", "only this zone (code or id)")
                       .Multi("status", "STATUS", "only this status (open, overdue, closed)"),
                   RunNotice);
  OfficeServerLeaf(notice.Sub("show", "a notice and its findings")
                       .Pos("NOTICE", "the notice's id, or its reference number when one notice has it"),
                   RunNotice);
  OfficeServerLeaf(admin.Sub("verify", "record an on-site verification: pass closes the finding, fail reopens it")
                       .Pos("FINDING", "the finding (a RECTIFIED finding with a notice)")
                       .Opt("result", "pass|fail", "what the visit found (required)")
                       .Opt("note", "TEXT", "what was seen")
                       .Opt("new-deadline", "YYYY-MM-DD", "fail: the new deadline (required)")
                       .Multi("evidence", "SHA256", "a photo's id (its SHA-256)")
                       .Opt("verifier", "USER", "who verified, by code or id (default: the token's user)"),
                   RunNotice);
}

}  // namespace inspectsync::tools
