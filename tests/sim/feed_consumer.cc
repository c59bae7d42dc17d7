#include "tests/sim/feed_consumer.h"

#include <algorithm>
#include <map>

#include "tests/sim/world.h"

namespace inspectsync::sim {

FeedConsumers::FeedConsumers(uint64_t seed) : rng_(seed * 0x9E3779B97F4A7C15ULL + 0xFEED) {}

server::FeedOptions FeedConsumers::Options() {
  server::FeedOptions o;
  o.scan_window = 1 + rng_() % 12;  // small: filtered reads cross many windows
  o.max_empty_windows = 1 + static_cast<int>(rng_() % 3);
  return o;
}

// Four office systems: everything; findings only; one site; the zone (with
// or without reference data), sometimes of some collections.
void FeedConsumers::Setup(World& w) {
  set_up_ = true;
  std::string zone;
  auto* store = w.server().store();
  (void)store->ScanCollection("sites", [&](const storage::StoredRecord& r) -> Status {
    v1::Site s;
    if (zone.empty() && s.ParseFromString(r.body)) zone = s.zone_id();
    return Status::Ok();
  });
  for (int i = 0; i < 4; ++i) {
    Consumer c;
    c.name = "office-system." + std::to_string(i);
    if (i == 1) c.filter.add_collections("findings");
    if (i == 2) c.filter.add_site_ids(w.sites()[rng_() % w.sites().size()]);
    if (i == 3) {
      c.filter.add_zone_ids(zone);
      c.filter.add_zone_ids("zone-without-sites");
      c.filter.set_include_reference(rng_() % 2 == 0);
      if (rng_() % 2 == 0) {
        c.filter.add_collections("findings");
        c.filter.add_collections("sites");
        c.filter.add_collections("assignments");
      }
    }
    consumers_.push_back(std::move(c));
  }
}

bool FeedConsumers::Read(World& w, Consumer& c) {
  server::ChangeFeed feed(w.server().engine(), Options());
  if (c.watch && c.watch_restarts != w.server().restarts()) c.watch.reset();  // the server died under it
  if (!c.watch) {
    v1::WatchRequest req;
    req.set_protocol_version(1);
    req.set_consumer(c.name);
    req.set_after_seq(c.cursor);  // 0: the stored cursor
    req.set_page_size(1 + static_cast<uint32_t>(rng_() % 9));
    *req.mutable_filter() = c.filter;
    auto watch = feed.Start(req);
    if (!watch.ok()) {
      w.Fail("feed consumer " + c.name + " cannot start a watch: " + watch.status().ToString());
      return true;
    }
    c.watch = std::move(*watch);
    c.watch_restarts = w.server().restarts();
    c.cursor = c.watch->cursor;
    c.knows_cursor = true;
  }
  auto batch = feed.Next(&*c.watch);
  if (!batch.ok()) {
    w.Fail("feed consumer " + c.name + " read failed: " + batch.status().ToString());
    return true;
  }
  for (const auto& ch : batch->changes()) {
    if (ch.seq() <= c.cursor || ch.seq() > batch->cursor())
      w.Fail("feed consumer " + c.name + " got seq " + std::to_string(ch.seq()) + " after cursor " +
             std::to_string(c.cursor) + " in a batch ending at " + std::to_string(batch->cursor()));
    c.cursor = ch.seq();
    c.pending.push_back(ch.seq());
  }
  c.cursor = batch->cursor();
  ++w.result().stats.feed_batches;
  w.result().stats.feed_changes += static_cast<uint64_t>(batch->changes_size());
  w.Trace("feed " + c.name + " read " + std::to_string(batch->changes_size()) + " changes to cursor " +
          std::to_string(c.cursor) + (batch->caught_up() ? " (caught up)" : ""));
  return batch->caught_up();
}

void FeedConsumers::Ack(World& w, Consumer& c) {
  if (!c.knows_cursor) return;  // just restarted: nothing processed to ack
  server::ChangeFeed feed(w.server().engine(), Options());
  v1::AckCursorRequest req;
  req.set_consumer(c.name);
  req.set_cursor(c.cursor);
  auto acked = feed.Ack(req, server::Caller{"u-integration"});
  if (!acked.ok()) {
    w.Fail("feed consumer " + c.name + " ack of " + std::to_string(c.cursor) + " failed: " + acked.status().ToString());
    return;
  }
  c.acked.insert(c.acked.end(), c.pending.begin(), c.pending.end());
  c.pending.clear();
  w.Trace("feed " + c.name + " acks " + std::to_string(c.cursor));
}

void FeedConsumers::Step(World& w) {
  if (!set_up_) Setup(w);
  Consumer& c = consumers_[rng_() % consumers_.size()];
  uint64_t pick = rng_() % 100;
  if (pick < 55) {
    Read(w, c);
  } else if (pick < 80) {
    Ack(w, c);
  } else if (pick < 88) {
    // The consumer's process dies: what it processed but did not ack is
    // forgotten (it comes again), and it resumes from its stored cursor.
    ++w.result().stats.feed_crashes;
    w.Trace("feed " + c.name + " crashes with " + std::to_string(c.pending.size()) + " changes unacked");
    c.watch.reset();
    c.pending.clear();
    c.cursor = 0;
    c.knows_cursor = false;
  } else {
    c.watch.reset();  // a dropped connection: reconnect from where it got to, maybe another page size
  }
}

std::string FeedConsumers::Check(World& w) {
  if (!set_up_) Setup(w);
  for (Consumer& c : consumers_) {
    c.watch.reset();
    bool caught_up = false;
    for (int i = 0; i < 1'000'000 && !caught_up && !w.failed(); ++i) caught_up = Read(w, c);
    Ack(w, c);
    if (w.failed()) return "";
  }
  // The oracle: history filtered here, from each record's scope and the site
  // directory, without the feed's query.
  auto* store = w.server().store();
  std::map<std::string, std::string> zone_of_site;
  Status st = store->ScanCollection("sites", [&](const storage::StoredRecord& r) -> Status {
    v1::Site s;
    s.ParseFromString(r.body);
    zone_of_site[r.id] = s.zone_id();
    return Status::Ok();
  });
  if (!st.ok()) return "feed check: " + st.ToString();
  std::vector<storage::VersionRow> history;
  for (uint64_t after = 0;;) {
    std::vector<storage::VersionRow> page;
    st = store->ReadHistory(after, 1000, &page);
    if (!st.ok()) return "feed check: " + st.ToString();
    if (page.empty()) break;
    after = page.back().seq;
    for (auto& v : page) history.push_back(std::move(v));
  }
  for (const Consumer& c : consumers_) {
    const v1::ChangeFilter& f = c.filter;
    auto has = [](const auto& list, const std::string& v) { return std::find(list.begin(), list.end(), v) != list.end(); };
    std::vector<uint64_t> want;
    for (const auto& v : history) {
      if (!f.collections().empty() && !has(f.collections(), v.collection)) continue;
      if (!f.zone_ids().empty() || !f.site_ids().empty()) {
        auto rec = store->GetRecord(v.collection, v.id);
        if (!rec.ok() || !rec->has_value()) return "feed check: history names a missing record " + v.id;
        const std::string& scope = (*rec)->scope;
        if (scope.empty()) {
          if (!f.include_reference()) continue;
        } else {
          auto it = zone_of_site.find(scope);
          std::string zone = it != zone_of_site.end() ? it->second : scope;
          if (!f.site_ids().empty() && !has(f.site_ids(), scope)) continue;
          if (!f.zone_ids().empty() && !has(f.zone_ids(), zone)) continue;
        }
      }
      want.push_back(v.seq);
    }
    if (c.acked != want) {
      size_t i = 0;
      while (i < want.size() && i < c.acked.size() && want[i] == c.acked[i]) ++i;
      return "feed consumer " + c.name + " processed " + std::to_string(c.acked.size()) + " changes, the filtered " +
             "history has " + std::to_string(want.size()) + "; first difference at position " + std::to_string(i) +
             " (got " + (i < c.acked.size() ? std::to_string(c.acked[i]) : "nothing") + ", want " +
             (i < want.size() ? std::to_string(want[i]) : "nothing") + ")";
    }
  }
  return "";
}

}  // namespace inspectsync::sim
