// `inspectsync server`: runs the sync server until SIGTERM or SIGINT, then
// drains in-flight calls and closes the database cleanly.
#include <absl/synchronization/mutex.h>
#include <malloc.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>

#include "server/server.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace inspectsync::tools {

namespace {
const char* kUsage =
    "usage: inspectsync server [--listen HOST:PORT] [--db PATH] [--certs DIR | --tls-cert F --tls-key F]\n"
    "                          [--token-keys F] [--insecure] [--max-batch N] [--page-size N]\n"
    "                          [--max-clock-drift-s S] [--grace-s S] [--max-page-size N]\n"
    "                          [--max-message-bytes N] [--max-page-bytes N] [--max-string-bytes N]\n"
    "                          [--max-call-s S]\n"
    "                          [--storage-threads N]\n"
    "                          [--blob-dir DIR] [--max-attachment-mb N] [--device-quota-mb N]\n"
    "                          [--gc-grace-h H] [--gc-interval-min M]\n"
    "                          [--webhook-ca F] [--webhook-timeout-s S] [--webhook-max-attempts N]\n"
    "                          [--webhook-backoff-ms MS] [--webhook-backoff-cap-s S]\n"
    "  --listen      address to serve on (default 127.0.0.1:7443; port 0 picks one)\n"
    "  --db          SQLite database file (default var/inspectsync.db; created if missing)\n"
    "  --certs       directory of the development CA and server certificate, created on\n"
    "                first start (default var/certs); tablets trust DIR/ca.pem\n"
    "  --tls-cert, --tls-key   your own certificate and key (PEM) instead\n"
    "  --token-keys  key ring that signs and verifies tokens (default var/token-keys, mode 0600)\n"
    "  --insecure    plaintext, loopback addresses only (tests, local tools)\n"
    "limits (a breach gets INVALID_ARGUMENT or RESOURCE_EXHAUSTED naming the limit):\n"
    "  --max-batch          mutations per push (default 1000)\n"
    "  --page-size          records per pull page when the tablet does not say (default 500)\n"
    "  --max-page-size      largest page a tablet may ask for (default 5000)\n"
    "  --max-message-bytes  largest request (default 16777216); must hold twice the largest PATCH\n"
    "  --max-page-bytes     bytes of records in a response: pull pages, push results, feed and\n"
    "                       finding pages stop there, one record at least (default 4194304)\n"
    "  --max-string-bytes   cap on every text value, below each field's own limit (default: none)\n"
    "  --max-call-s         a pull still streaming after this is ended; the tablet resumes (default 600)\n"
    "  --max-clock-drift-s  how far ahead a tablet's clock may be (default 900)\n"
    "  --grace-s            on SIGTERM, how long in-flight calls may finish (default 10)\n"
    "  --storage-threads    threads that run pushes: as many pushes as this can share one\n"
    "                       commit when tablets sync at once (default 16, 1..1024)\n"
    "photo evidence (issue 7):\n"
    "  --blob-dir           where photos are stored, by SHA-256 (default: blobs/ beside --db)\n"
    "  --max-attachment-mb  largest photo (default 25); more is RESOURCE_EXHAUSTED\n"
    "  --device-quota-mb    photos one device may upload in all (default 2048)\n"
    "  --gc-grace-h         photos no finding references are removed after this (default 168)\n"
    "  --gc-interval-min    how often to look for them (default 60; 0 = never)\n"
    "webhooks (issue 8; endpoints are registered with `inspectsync admin webhook add`):\n"
    "  --webhook-ca            PEM bundle to verify endpoints' certificates (default: the system's)\n"
    "  --webhook-timeout-s     one delivery attempt, connecting included (default 10)\n"
    "  --webhook-max-attempts  attempts before a delivery is FAILED (default 20)\n"
    "  --webhook-backoff-ms    wait after the first failure; doubles each time, with jitter (default 1000)\n"
    "  --webhook-backoff-cap-s longest wait between attempts (default 3600)\n";
}

int CmdServer(const std::vector<std::string>& args) {
  Flags flags({"listen", "db", "certs", "tls-cert", "tls-key", "token-keys", "insecure", "max-batch", "page-size",
               "max-clock-drift-s", "grace-s", "max-page-size", "max-message-bytes", "max-page-bytes", "max-string-bytes",
               "max-call-s",
               "blob-dir", "max-attachment-mb", "device-quota-mb", "gc-grace-h", "gc-interval-min", "webhook-ca", "webhook-timeout-s",
               "webhook-max-attempts", "webhook-backoff-ms", "webhook-backoff-cap-s", "storage-threads", "help"},
              {"help", "insecure"});
  if (!flags.Parse(args) || !flags.positional().empty()) {
    std::fprintf(stderr, "inspectsync server: %s\n%s", flags.error().empty() ? "unexpected argument" : flags.error().c_str(), kUsage);
    return 2;
  }
  if (flags.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  server::ServerOptions opts;
  opts.listen = flags.Get("listen", opts.listen);
  opts.db_path = flags.Get("db", opts.db_path);
  opts.certs_dir = flags.Get("certs", opts.certs_dir);
  opts.tls_cert_file = flags.Get("tls-cert");
  opts.tls_key_file = flags.Get("tls-key");
  opts.token_keys_file = flags.Get("token-keys", opts.token_keys_file);
  opts.insecure = flags.Has("insecure");
  long long max_batch, page_size, drift_s, grace_s, max_page, max_msg, max_page_bytes, max_str, max_call_s;
  long long max_att_mb, quota_mb, gc_grace_h, gc_interval_min, storage_threads;
  if (!flags.GetInt("max-batch", 1000, &max_batch) || max_batch <= 0 || max_batch > 100000 ||
      !flags.GetInt("page-size", 500, &page_size) || page_size <= 0 ||
      !flags.GetInt("max-page-size", 5000, &max_page) || max_page < page_size || max_page > 1000000 ||
      !flags.GetInt("max-message-bytes", 16 << 20, &max_msg) || max_msg < 4096 || max_msg > (1LL << 30) ||
      !flags.GetInt("max-page-bytes", 4 << 20, &max_page_bytes) || max_page_bytes < 4096 ||
      max_page_bytes > (1LL << 30) ||
      !flags.GetInt("max-string-bytes", 0, &max_str) || max_str < 0 || max_str > (1LL << 30) ||
      !flags.GetInt("max-call-s", 600, &max_call_s) || max_call_s < 0 ||
      !flags.GetInt("max-clock-drift-s", 900, &drift_s) || drift_s < 0 ||
      !flags.GetInt("grace-s", 10, &grace_s) || grace_s < 0 ||
      !flags.GetInt("storage-threads", 16, &storage_threads) || storage_threads < 1 || storage_threads > 1024 ||
      !flags.GetInt("max-attachment-mb", 25, &max_att_mb) || max_att_mb <= 0 || max_att_mb > 4096 ||
      !flags.GetInt("device-quota-mb", 2048, &quota_mb) || quota_mb <= 0 ||
      !flags.GetInt("gc-grace-h", 168, &gc_grace_h) || gc_grace_h < 0 ||
      !flags.GetInt("gc-interval-min", 60, &gc_interval_min) || gc_interval_min < 0) {
    std::fprintf(stderr,
                 "inspectsync server: a limit flag is not a whole number in its range (max-batch 1..100000, "
                 "max-page-size >= page-size, max-message-bytes and max-page-bytes 4096..1 GiB, max-attachment-mb 1..4096, "
                 "storage-threads 1..1024)\n%s",
                 kUsage);
    return 2;
  }
  opts.engine.max_batch = static_cast<size_t>(max_batch);
  opts.engine.default_page_size = static_cast<uint32_t>(page_size);
  opts.engine.max_page_size = static_cast<uint32_t>(max_page);
  opts.max_message_bytes = static_cast<int>(max_msg);
  opts.engine.max_page_bytes = static_cast<size_t>(max_page_bytes);
  opts.storage_threads = static_cast<int>(storage_threads);
  opts.engine.limits.max_string_bytes = static_cast<uint32_t>(max_str);
  opts.engine.max_call_ms = max_call_s * 1000;
  opts.engine.limits.max_clock_drift_ms = drift_s * 1000;
  opts.attachments.dir = flags.Get("blob-dir");  // "" = beside the database
  opts.attachments.max_attachment_bytes = static_cast<uint64_t>(max_att_mb) << 20;
  opts.attachments.device_quota_bytes = static_cast<uint64_t>(quota_mb) << 20;
  opts.attachments.gc_grace_ms = gc_grace_h * 3600 * 1000;
  opts.gc_interval_ms = gc_interval_min * 60 * 1000;
  long long hook_timeout_s = 0, hook_attempts = 0, hook_backoff_ms = 0, hook_cap_s = 0;
  if (!flags.GetInt("webhook-timeout-s", 10, &hook_timeout_s) || hook_timeout_s < 1 || hook_timeout_s > 600 ||
      !flags.GetInt("webhook-max-attempts", 20, &hook_attempts) || hook_attempts < 1 || hook_attempts > 1000 ||
      !flags.GetInt("webhook-backoff-ms", 1000, &hook_backoff_ms) || hook_backoff_ms < 1 ||
      !flags.GetInt("webhook-backoff-cap-s", 3600, &hook_cap_s) || hook_cap_s < 1 ||
      hook_cap_s * 1000 < hook_backoff_ms) {
    std::fprintf(stderr,
                 "inspectsync server: a webhook flag is not a whole number in its range (timeout-s 1..600, "
                 "max-attempts 1..1000, backoff-ms >= 1, backoff-cap-s >= backoff)\n%s",
                 kUsage);
    return 2;
  }
  opts.webhooks.ca_file = flags.Get("webhook-ca");
  opts.webhooks.timeout_ms = hook_timeout_s * 1000;
  opts.webhooks.max_attempts = static_cast<uint32_t>(hook_attempts);
  opts.webhooks.backoff_base_ms = hook_backoff_ms;
  opts.webhooks.backoff_cap_ms = hook_cap_s * 1000;
  for (const std::string& file : {opts.db_path, opts.token_keys_file}) {
    std::filesystem::path p(file);
    std::error_code ec;
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  }

  // glibc gives each thread that allocates its own malloc arena, up to 8 per
  // core, and keeps what is freed in each: with gRPC's thread pool that is
  // tens of MiB of resident memory holding nothing. Two arenas bound it.
  mallopt(M_ARENA_MAX, 2);
  // No fastbins (thread caches still serve small blocks): freed small blocks
  // parked there had to be merged back (malloc_consolidate) every time
  // SQLite asked for a page-sized block, which during a push is all the
  // time. callgrind of the server over a 5,000-finding push: malloc and
  // free 133M -> 124M instructions (malloc_consolidate's 17M gone).
  mallopt(M_MXFAST, 0);
  // Debian's Abseil tracks the order in which every absl::Mutex (gRPC's
  // locks) is taken, to report deadlock cycles: a graph update on every lock
  // of every call, 1-2 % of the server's CPU with many calls in flight. gRPC's
  // lock order is not ours to debug in production.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Block the stop signals in every thread (gRPC's included) and wait for them here.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  auto srv = server::Server::Start(opts);
  if (!srv.ok()) {
    std::fprintf(stderr, "inspectsync server: %s\n", srv.status().ToString().c_str());
    return 1;
  }
  std::printf("inspectsync server listening on %s (%s, database %s)\n", (*srv)->address().c_str(),
              opts.insecure ? "PLAINTEXT" : "TLS", opts.db_path.c_str());
  if (!opts.insecure && opts.tls_cert_file.empty())
    std::printf("tablets trust the development CA: %s/ca.pem\n", opts.certs_dir.c_str());
  std::printf("point a tablet at it:\n"
              "  inspectsync admin token issue --keys %s --user u1 --role inspector --device tablet-1 > var/tablet1.token\n"
              "  inspectsync tablet --db var/tablet1.db --server %s %s--token-file var/tablet1.token sync\n",
              opts.token_keys_file.c_str(), (*srv)->address().c_str(),
              opts.insecure ? "--insecure " : ("--ca " + opts.certs_dir + "/ca.pem ").c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop, &sig);
  std::printf("inspectsync server: %s received, draining calls (up to %llds) and closing the database\n",
              sig == SIGTERM ? "SIGTERM" : "SIGINT", grace_s);
  std::fflush(stdout);
  (*srv)->Shutdown(std::chrono::seconds(grace_s));
  std::printf("inspectsync server: stopped cleanly\n");
  return 0;
}

}  // namespace inspectsync::tools
