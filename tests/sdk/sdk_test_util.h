// Shared fixture of the SDK tests: a temp dir, a ManualClock and a FakeServer.
#ifndef INSPECTSYNC_TESTS_SDK_SDK_TEST_UTIL_H_
#define INSPECTSYNC_TESTS_SDK_SDK_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "inspectsync/client.h"
#include "tests/sdk/fake_server.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync::testing {

#define ASSERT_OK(expr)                                    \
  do {                                                     \
    const auto& _s = (expr);                              \
    ASSERT_TRUE(_s.ok()) << ::inspectsync::testing::Str(_s); \
  } while (0)

inline std::string Str(const Status& s) { return s.ToString(); }
template <typename T>
std::string Str(const StatusOr<T>& s) {
  return s.status().ToString();
}

inline v1::Finding Finding(const std::string& title = "Gas alarm not serviced") {
  v1::Finding f;
  f.set_site_id("site-001");
  f.set_category("fire-safety");
  f.set_title(title);
  f.set_severity(v1::MEDIUM);
  f.set_description("The kitchen gas alarm has no service record since 2024.");
  return f;  // status unset: the client makes it OPEN
}

inline v1::Inspection Inspection(const std::string& site = "site-001") {
  v1::Inspection i;
  i.set_site_id(site);
  i.set_kind(v1::ROUTINE_VISIT);
  i.set_notes("Routine visit");
  return i;
}

inline v1::RecordBody Body(const v1::Inspection& i) {
  v1::RecordBody b;
  *b.mutable_inspection() = i;
  return b;
}
inline v1::RecordBody Body(const v1::Finding& f) {
  v1::RecordBody b;
  *b.mutable_finding() = f;
  return b;
}

class SdkTest : public ::testing::Test {
 protected:
  ClientOptions Options(const std::string& name = "device.db", uint64_t seed = 42) {
    ClientOptions o;
    o.db_path = dir_.File(name);
    o.transport = server_;
    o.now_ms = [this] { return clock_.NowMillis(); };
    o.rng_seed = seed;
    return o;
  }
  std::unique_ptr<Client> Open(ClientOptions o) {
    auto c = Client::Open(std::move(o));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }
  std::unique_ptr<Client> Open(const std::string& name = "device.db", uint64_t seed = 42) {
    return Open(Options(name, seed));
  }
  uint64_t Pending(Client& c) {
    auto n = c.PendingCount();
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : ~0ull;
  }

  TempDir dir_;
  core::ManualClock clock_;
  std::shared_ptr<FakeServer> server_ = std::make_shared<FakeServer>(&clock_);
};

// Collects values from another thread; waits with a generous timeout so a
// slow machine never fails a test (nothing asserts on elapsed time).
template <typename T>
class Collector {
 public:
  void Add(const T& v) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.push_back(v);
    cv_.notify_all();
  }
  bool WaitFor(const std::function<bool(const std::vector<T>&)>& done,
               std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return done(items_); });
  }
  std::vector<T> items() {
    std::lock_guard<std::mutex> lock(mu_);
    return items_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<T> items_;
};

}  // namespace inspectsync::testing

#endif  // INSPECTSYNC_TESTS_SDK_SDK_TEST_UTIL_H_
