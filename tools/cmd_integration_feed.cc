// inspectsync admin: integration commands (feed); see tools/integration.h.
//
//   watch [--consumer NAME] [--from SEQ] [--collection C]... [--zone Z]...
//         [--site S]... [--until-head] [--ack] [--page-size N] [--json]
//   consumers [--json]
//
// watch prints one line per change; with --ack it stores the consumer's
// cursor after each printed batch (so a restart of the command resumes right
// after the last batch it printed). --from SEQ with --ack replays from SEQ:
// the first ack may move the consumer's cursor back (a rewind).
#include <cstdio>

#include "core/export.h"  // IsoTime
#include "tools/integration.h"

namespace inspectsync::tools {

namespace {

const char* OpName(v1::MutationOp op) {
  switch (op) {
    case v1::CREATE: return "create";
    case v1::PATCH: return "patch";
    case v1::DELETE: return "delete";
    default: return "?";
  }
}

bool ParseCount(const Args& fl, const char* name, uint64_t* out) {
  long long v = 0;
  if (!fl.GetInt(name, 0, &v) || v < 0) return false;
  *out = static_cast<uint64_t>(v);
  return true;
}

}  // namespace

int RunWatch(const Args& fl) {
  uint64_t from = 0, page = 0;
  if (!ParseCount(fl, "from", &from)) return IntegrationUsage("--from wants a commit seq (0 or more)");
  if (!ParseCount(fl, "page-size", &page)) return IntegrationUsage("--page-size wants a number");
  bool ack = fl.Has("ack"), json = fl.Has("json");
  std::string consumer = fl.Get("consumer");
  if (ack && consumer.empty()) return IntegrationUsage("--ack stores a consumer's cursor: give --consumer NAME");
  auto conn = ConnectIntegration(fl);
  if (!conn.ok()) return IntegrationFail(conn.status());

  v1::WatchRequest req;
  req.set_protocol_version(1);
  req.set_after_seq(from);
  req.set_consumer(consumer);
  req.set_page_size(static_cast<uint32_t>(page));
  req.set_stop_at_head(fl.Has("until-head"));
  for (const auto& c : fl.GetAll("collection")) req.mutable_filter()->add_collections(c);
  for (const auto& z : fl.GetAll("zone")) req.mutable_filter()->add_zone_ids(z);
  for (const auto& s : fl.GetAll("site")) req.mutable_filter()->add_site_ids(s);
  req.mutable_filter()->set_include_reference(fl.Has("include-reference"));

  uint64_t acked = 0, cursor = 0, head = 0;
  bool rewind = from > 0;  // replaying from --from: the first ack may move back
  bool header = !json;  // printed with the first batch, not before a refusal
  Status st = (*conn)->Watch(req, [&](const v1::ChangeBatch& batch) -> Status {
    cursor = batch.cursor();
    head = batch.head();
    if (header) std::printf("%-10s %-14s %-36s %-7s %-36s %s\n", "SEQ", "COLLECTION", "RECORD", "OP", "SITE", "AUTHOR");
    header = false;
    for (const auto& c : batch.changes()) {
      if (json) {
        std::printf("%s\n", MessageToJsonLine(c).c_str());
      } else {
        std::printf("%-10llu %-14s %-36s %-7s %-36s %s\n", static_cast<unsigned long long>(c.seq()),
                    c.collection().c_str(), c.record_id().c_str(), c.deleted() ? "deleted" : OpName(c.op()),
                    c.scope().empty() ? "-" : c.scope().c_str(), c.meta().author().c_str());
      }
    }
    std::fflush(stdout);  // printed before acked: a crash in between repeats, never loses
    if (ack && (batch.cursor() > acked || rewind)) {
      v1::AckCursorRequest areq;
      areq.set_consumer(consumer);
      areq.set_cursor(batch.cursor());
      areq.set_rewind(rewind);
      auto cur = (*conn)->AckCursor(areq);
      if (!cur.ok()) return cur.status();  // ends the watch
      acked = cur->cursor();
      rewind = false;
    }
    return Status::Ok();
  });
  if (!st.ok()) return IntegrationFail(st);
  if (!json) std::fprintf(stderr, "at cursor %llu of head %llu\n", static_cast<unsigned long long>(cursor),
                          static_cast<unsigned long long>(head));
  return 0;
}

int RunConsumers(const Args& fl) {
  auto conn = ConnectIntegration(fl);
  if (!conn.ok()) return IntegrationFail(conn.status());
  auto consumers = (*conn)->ListConsumers();
  if (!consumers.ok()) return IntegrationFail(consumers.status());
  const v1::ConsumerList& list = *consumers;
  if (fl.Has("json")) {
    for (const auto& c : list.consumers()) std::printf("%s\n", MessageToJsonLine(c).c_str());
    return 0;
  }
  std::printf("%-32s %10s %10s %-24s %s\n", "CONSUMER", "CURSOR", "BEHIND", "ACKED BY", "ACKED AT (UTC)");
  for (const auto& c : list.consumers())
    std::printf("%-32s %10llu %10llu %-24s %s\n", c.consumer().c_str(), static_cast<unsigned long long>(c.cursor()),
                static_cast<unsigned long long>(c.behind()), c.updated_by().c_str(), core::IsoTime(c.updated_ms()).c_str());
  std::printf("head %llu\n", static_cast<unsigned long long>(list.head()));
  return 0;
}

}  // namespace inspectsync::tools
