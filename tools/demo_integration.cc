#include "tools/demo_integration.h"

#include <cstdio>
#include <fstream>

#include "tools/integration.h"
#include "tools/render.h"

namespace inspectsync::tools {

namespace {

bool Fail(const std::string& what, const Status& s) {
  std::printf("  %s failed: %s\n", what.c_str(), s.message().c_str());
  return false;
}

std::string Clip(const std::string& s, size_t n) { return Truncate(s, n); }

}  // namespace

bool RunDemoIntegration(const DemoIntegration& d) {
  GrpcTransportOptions options;
  options.ca_cert_file = d.ca_file;
  options.token = d.token;
  options.call_deadline = std::chrono::seconds(60);
  auto connected = IntegrationClient::Connect(d.address, options);
  if (!connected.ok()) {
    std::printf("  connect: %s\n", connected.status().ToString().c_str());
    return false;
  }
  IntegrationClient& conn = **connected;
  std::printf("\nthe district office's systems (IntegrationService, integration token):\n");

  // Conflict review: the description both inspectors rewrote offline.
  v1::ConflictQuery q;
  q.set_record_id(d.followed_finding);
  auto listed = conn.ListConflicts(q);
  if (!listed.ok()) return Fail("list conflicts", listed.status());
  const v1::ConflictPage& page = *listed;
  std::printf("  conflicts open for review: %d\n", page.conflicts_size());
  bool ok = true;
  for (const auto& row : page.conflicts()) {
    const v1::Conflict& c = row.conflict();
    if (c.field() != "description") continue;
    std::printf("    %s: '%s' kept over '%s'\n", c.field().c_str(),
                Clip(c.winner_value().finding().description(), 44).c_str(),
                Clip(c.loser_value().finding().description(), 44).c_str());
    v1::ResolveConflictRequest req;
    req.set_conflict_id(c.id());
    req.mutable_value()->mutable_finding()->set_description(d.merged_description);
    req.set_note("both observations kept");
    auto resp = conn.ResolveConflict(req);
    if (!resp.ok()) return Fail("resolve conflict", resp.status());
    std::printf("  resolved: the office's text is version %llu of the finding\n",
                static_cast<unsigned long long>(resp->record().version()));
  }
  if (Status st = d.sync_tablets(); !st.ok()) {
    std::printf("  sync: %s\n", st.ToString().c_str());
    return false;
  }
  std::string diff = d.check_tablets();
  std::printf("  tablets after their pull: %s\n", diff.empty() ? "every one shows the office's text" : diff.c_str());
  ok &= diff.empty();

  // The change feed, as the archive's named consumer: everything so far.
  v1::WatchRequest w;
  w.set_protocol_version(1);
  w.set_consumer("district-archive");
  w.set_stop_at_head(true);
  uint64_t changes = 0, cursor = 0;
  Status watched = conn.Watch(w, [&](const v1::ChangeBatch& batch) {
    changes += static_cast<uint64_t>(batch.changes_size());
    cursor = batch.cursor();
    return Status::Ok();
  });
  if (!watched.ok()) return Fail("watch", watched);
  {
    v1::AckCursorRequest ack;
    ack.set_consumer("district-archive");
    ack.set_cursor(cursor);
    auto stored = conn.AckCursor(ack);
    if (!stored.ok()) return Fail("ack", stored.status());
  }
  std::printf("  change feed: %llu changes read by consumer 'district-archive', cursor %llu acked\n",
              static_cast<unsigned long long>(changes), static_cast<unsigned long long>(cursor));

  // The export, streamed to a file.
  v1::ExportRequest ex;
  ex.set_format(v1::CSV);
  uint64_t rows = 0, bytes = 0;
  {
    std::ofstream out(d.export_path, std::ios::binary | std::ios::trunc);
    Status s = conn.Export(ex, [&](const v1::ExportChunk& chunk) {
      out.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
      bytes += chunk.data().size();
      if (chunk.last()) rows = chunk.rows();
      return Status::Ok();
    });
    if (!s.ok()) return Fail("export", s);
  }
  std::printf("  export: %llu findings, %llu bytes of CSV -> %s\n", static_cast<unsigned long long>(rows),
              static_cast<unsigned long long>(bytes), d.export_path.c_str());

  // The summary a special report needs.
  auto summary = conn.Summary();
  if (!summary.ok()) return Fail("summary", summary.status());
  const v1::SummaryReport& report = *summary;
  std::printf("  summary: %llu findings, %llu overdue, %llu conflicts open\n",
              static_cast<unsigned long long>(report.findings()), static_cast<unsigned long long>(report.overdue()),
              static_cast<unsigned long long>(report.open_conflicts()));
  if (report.open_conflicts() != 0) {
    std::printf("  expected no open conflict after the review\n");
    ok = false;
  }
  return ok;
}

}  // namespace inspectsync::tools
