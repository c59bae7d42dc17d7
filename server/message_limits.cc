#include "server/message_limits.h"

#include <algorithm>
#include <climits>

#include "core/record_bounds.h"

namespace inspectsync::server {

namespace {
constexpr int64_t kDeviceReceiveBytes = 64 << 20;  // GrpcTransportOptions::max_receive_bytes
}  // namespace

Status CheckMessageLimits(const EngineOptions& engine, int max_message_bytes) {
  const size_t max_message = static_cast<size_t>(std::max(max_message_bytes, 0));
  if (engine.max_page_bytes > max_message)
    return FailedPrecondition("the page budget (--max-page-bytes " + std::to_string(engine.max_page_bytes) +
                              ") is larger than the message limit (--max-message-bytes " +
                              std::to_string(max_message) + "); lower the first or raise the second");
  for (const core::RecordBounds& b : core::AllBounds(engine.limits)) {
    const std::string what = "collection '" + b.spec->name() + "': its largest record is " +
                             std::to_string(b.record) + " bytes and its largest PATCH request " +
                             std::to_string(b.patch) + " bytes under the schema's field limits";
    if (b.patch > max_message / 2)
      return FailedPrecondition(what + ", more than half of --max-message-bytes (" + std::to_string(max_message) +
                                "); raise --max-message-bytes to at least " + std::to_string(2 * b.patch) +
                                ", or lower --max-string-bytes");
    if (b.record > engine.max_page_bytes)
      return FailedPrecondition(what + ", more than the page budget --max-page-bytes (" +
                                std::to_string(engine.max_page_bytes) + "); raise --max-page-bytes to at least " +
                                std::to_string(b.record) + ", or lower --max-string-bytes");
  }
  return Status::Ok();
}

int SendLimitBytes(const EngineOptions& engine, int max_message_bytes) {
  int64_t most = std::max<int64_t>(kDeviceReceiveBytes, max_message_bytes);
  for (const core::RecordBounds& b : core::AllBounds(engine.limits)) {
    // A legacy record: one request's worth, grown by valid patches; a push
    // response: its budget and the result that passed it.
    most = std::max<int64_t>(most, static_cast<int64_t>(max_message_bytes) + static_cast<int64_t>(b.record));
    most = std::max<int64_t>(most, static_cast<int64_t>(engine.max_page_bytes + b.result));
  }
  return static_cast<int>(std::min<int64_t>(most, INT_MAX));
}

}  // namespace inspectsync::server
