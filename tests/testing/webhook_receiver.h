// A webhook endpoint for tests: a real HTTP or HTTPS (OpenSSL) server on
// 127.0.0.1, port 0, that verifies the signature of every delivery, records
// what it accepted, and can be switched into an outage: answering 503,
// refusing connections (its listening socket closed, the port kept), or
// hanging (reads the request, never answers) — and back.
//
// One receiver per webhook (it knows one secret). Header-only; tests link
// inspectsync_webhooks (signature check) and OpenSSL::SSL.
#ifndef INSPECTSYNC_TESTS_TESTING_WEBHOOK_RECEIVER_H_
#define INSPECTSYNC_TESTS_TESTING_WEBHOOK_RECEIVER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "server/webhook_signing.h"

namespace inspectsync::testing {

class WebhookReceiver {
 public:
  enum class Mode { kOk, kFail503, kRefuse, kHang };

  struct Received {
    std::string event_id, event, timestamp, signature, body;
  };

  // `tls_cert`/`tls_key` "" = plain HTTP. `clock` judges the timestamp.
  explicit WebhookReceiver(core::Clock* clock, std::string tls_cert = "", std::string tls_key = "")
      : clock_(clock) {
    if (!tls_cert.empty()) {
      ctx_ = SSL_CTX_new(TLS_server_method());
      if (SSL_CTX_use_certificate_chain_file(ctx_, tls_cert.c_str()) != 1 ||
          SSL_CTX_use_PrivateKey_file(ctx_, tls_key.c_str(), SSL_FILETYPE_PEM) != 1)
        error_ = "cannot load the receiver's certificate";
    }
    Listen();
    thread_ = std::thread([this] {
      // The deliverer may hang up (a server stopping aborts its transfer)
      // while this thread writes the answer: EPIPE, not a dead test process.
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
      Loop();
    });
  }

  ~WebhookReceiver() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (fd_ >= 0) close(fd_);
    if (ctx_) SSL_CTX_free(ctx_);
  }

  int port() const { return port_; }
  const std::string& error() const { return error_; }
  std::string url(const std::string& path = "/hook") const {
    return std::string(ctx_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  void SetSecret(const std::string& s) {
    std::lock_guard<std::mutex> lock(mu_);
    secret_ = s;
  }

  // Takes effect before it returns (the listener is closed or open again).
  void SetMode(Mode m) {
    std::unique_lock<std::mutex> lock(mu_);
    want_ = m;
    cv_.notify_all();
    cv_.wait(lock, [&] { return applied_ == want_ || stop_; });
  }

  // Deliveries answered 200, in order of arrival.
  std::vector<Received> accepted() {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  std::map<std::string, int> AcceptedById() {
    std::map<std::string, int> out;
    for (const auto& r : accepted()) ++out[r.event_id];
    return out;
  }
  int requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  int bad_signatures() {
    std::lock_guard<std::mutex> lock(mu_);
    return bad_signatures_;
  }
  // Waits (on a condition, bounded) until `pred` holds over what arrived.
  bool WaitFor(const std::function<bool()>& pred, std::chrono::seconds limit = std::chrono::seconds(20)) {
    auto until = std::chrono::steady_clock::now() + limit;
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      lock.unlock();
      bool ok = pred();
      lock.lock();
      if (ok) return true;
      if (cv_.wait_until(lock, until) == std::cv_status::timeout) {
        lock.unlock();
        return pred();
      }
    }
  }

 private:
  void Listen() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port_));
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 16) != 0) {
      error_ = std::string("cannot listen: ") + std::strerror(errno);
      return;
    }
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      if (applied_ != want_) {
        if (want_ == Mode::kRefuse && fd_ >= 0) {
          close(fd_);
          fd_ = -1;
        } else if (want_ != Mode::kRefuse && fd_ < 0) {
          Listen();
        }
        applied_ = want_;
        cv_.notify_all();
      }
      int fd = fd_;
      lock.unlock();
      if (fd < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      } else {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 20) > 0 && (p.revents & POLLIN)) {
          int c = accept(fd, nullptr, nullptr);
          if (c >= 0) {
            Serve(c);
            close(c);
          }
        }
      }
      lock.lock();
    }
  }

  // One request per connection (the deliverer opens one per attempt).
  void Serve(int c) {
    timeval tv{5, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    SSL* ssl = nullptr;
    if (ctx_) {
      ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) != 1) {
        SSL_free(ssl);
        return;
      }
    }
    auto rd = [&](char* buf, int n) { return ssl ? SSL_read(ssl, buf, n) : static_cast<int>(read(c, buf, n)); };
    auto wr = [&](const std::string& s) {
      if (ssl) SSL_write(ssl, s.data(), static_cast<int>(s.size()));
      else (void)!write(c, s.data(), s.size());
    };
    std::string data;
    char buf[4096];
    size_t header_end = std::string::npos, length = 0;
    while (true) {
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos) length = std::stoul(Header(data.substr(0, header_end), "content-length", "0"));
      }
      if (header_end != std::string::npos && data.size() >= header_end + 4 + length) break;
      int n = rd(buf, sizeof buf);
      if (n <= 0) break;
      data.append(buf, static_cast<size_t>(n));
    }
    if (header_end != std::string::npos && data.size() >= header_end + 4 + length) {
      std::string head = data.substr(0, header_end);
      Received r;
      r.body = data.substr(header_end + 4, length);
      r.event_id = Header(head, "x-inspectsync-event-id");
      r.event = Header(head, "x-inspectsync-event");
      r.timestamp = Header(head, "x-inspectsync-timestamp");
      r.signature = Header(head, "x-inspectsync-signature");
      std::string status = "200 OK";
      std::unique_lock<std::mutex> lock(mu_);
      ++requests_;
      Mode mode = applied_;
      bool valid = server::VerifyWebhookSignature(secret_, r.timestamp, r.body, r.signature,
                                                  clock_->NowMillis() / 1000);
      if (!valid) {
        ++bad_signatures_;
        status = "401 Unauthorized";
      } else if (mode == Mode::kFail503) {
        status = "503 Service Unavailable";
      } else if (mode == Mode::kHang) {
        cv_.notify_all();
        cv_.wait(lock, [&] { return stop_ || applied_ != Mode::kHang || want_ != Mode::kHang; });
        status = "";
      } else {
        accepted_.push_back(r);
      }
      cv_.notify_all();
      lock.unlock();
      if (!status.empty()) wr("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }
    if (ssl) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
  }

  static std::string Header(const std::string& head, const std::string& name, const std::string& dflt = "") {
    size_t pos = 0;
    while ((pos = head.find("\r\n", pos)) != std::string::npos) {
      pos += 2;
      size_t colon = head.find(':', pos);
      size_t eol = head.find("\r\n", pos);
      if (colon == std::string::npos || (eol != std::string::npos && colon > eol)) continue;
      std::string key = head.substr(pos, colon - pos);
      for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (key != name) continue;
      std::string value = head.substr(colon + 1, (eol == std::string::npos ? head.size() : eol) - colon - 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      return value;
    }
    return dflt;
  }

  core::Clock* clock_;
  SSL_CTX* ctx_ = nullptr;
  std::string error_;
  int fd_ = -1;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  Mode want_ = Mode::kOk, applied_ = Mode::kOk;
  std::string secret_;
  std::vector<Received> accepted_;
  int requests_ = 0;
  int bad_signatures_ = 0;
  std::thread thread_;
};

}  // namespace inspectsync::testing

#endif  // INSPECTSYNC_TESTS_TESTING_WEBHOOK_RECEIVER_H_
