// --role console-outbox: the console benchmark's (bench/console_first_page.js)
// findings, written fast into an office tablet's outbox. The district's
// register comes first, imported through the server by the command line; the
// tablet has synced it (so it holds the sites); this writes N findings on
// those sites through the SDK's batch write CreateFindings (one local
// transaction per 1,000), with Chinese titles, categories and descriptions
// and every fifth one past its deadline (overdue rows). `inspectsync tablet
// sync` then pushes them through the real sync path. Setup, never timed.
//
//   inspectsync-bench --role console-outbox --tablet-db office.db --sites-file ids.txt --n 10000 [--seed 1]
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "bench/common.h"
#include "bench/roles.h"
#include "inspectsync/client.h"

namespace inspectsync::bench {

namespace {

struct Item {
  const char* category;
  const char* title;
  const char* detail;
};

// What inspectors write (DOMAIN.md's checklist areas).
const Item kItems[] = {
    {"消防安全", "灭火器压力不足", "二楼走廊灭火器压力表指针在红区，需更换"},
    {"消防安全", "安全出口堵塞", "东侧安全出口堆放桌椅，影响疏散"},
    {"燃气安全", "燃气报警器未按期检测", "食堂燃气报警器检测记录停留在去年三月"},
    {"防疫物资", "消毒液过期", "储物间消毒液3瓶已过期，口罩储备不足"},
    {"防疫标识", "防疫标识被遮挡", "校门口防疫标识被宣传展板遮挡"},
    {"健康监测", "晨午检记录不全", "本周晨午检登记缺两天，班主任未签字"},
    {"设施安全", "楼梯扶手松动", "三号楼二至三层楼梯扶手松动"},
    {"食品安全", "留样记录缺失", "食堂留样柜无周三午餐留样记录"},
};
constexpr size_t kItemCount = sizeof(kItems) / sizeof(kItems[0]);

std::vector<std::string> ReadLines(const std::string& file) {
  std::vector<std::string> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

}  // namespace

int RunConsoleOutboxRole(const Args& args) {
  const std::string db = args.Get("tablet-db");
  const std::vector<std::string> sites = ReadLines(args.Get("sites-file"));
  const long long n = args.GetInt("n", 10000);
  if (db.empty() || sites.empty() || n < 1) {
    Warn("console-outbox: --tablet-db, a non-empty --sites-file (site ids, one a line) and --n >= 1");
    return 2;
  }
  ClientOptions co;
  co.db_path = db;  // offline: `inspectsync tablet sync` pushes afterwards
  auto client = Client::Open(co);
  if (!client.ok()) {
    Warn("console-outbox: %s", client.status().ToString().c_str());
    return 1;
  }
  std::mt19937_64 rng(static_cast<uint64_t>(args.GetInt("seed", 1)));
  // Past deadlines: 2021 onwards, whole days (UTC midnight).
  const int64_t kDay = 86400000, kPast = 1609459200000;  // 2021-01-01
  constexpr size_t kChunk = 1000;
  std::vector<v1::Finding> chunk;
  for (long long done = 0; done < n;) {
    chunk.clear();
    for (size_t i = 0; i < kChunk && done + static_cast<long long>(i) < n; ++i) {
      const Item& item = kItems[rng() % kItemCount];
      v1::Finding f;
      f.set_site_id(sites[rng() % sites.size()]);
      f.set_category(item.category);
      f.set_title(item.title);
      f.set_description(item.detail);
      f.set_severity(static_cast<v1::Severity>(1 + rng() % 4));
      f.set_status(v1::OPEN);
      if (rng() % 5 == 0) f.set_deadline_ms(kPast + static_cast<int64_t>(rng() % 600) * kDay);
      chunk.push_back(std::move(f));
    }
    auto ids = (*client)->CreateFindings(chunk);
    if (!ids.ok()) {
      Warn("console-outbox: %s", ids.status().ToString().c_str());
      return 1;
    }
    done += static_cast<long long>(chunk.size());
  }
  std::printf("console-outbox: %lld findings in %s's outbox\n", n, db.c_str());
  return 0;
}

}  // namespace inspectsync::bench
