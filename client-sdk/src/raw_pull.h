// The pull-bytes fast path, internal to the SDK: a pull whose pages arrive as
// v1::PullPageIn, each record left as its encoding (a v1::Record's), which
// the Client stores as it came instead of parsing every field and
// serializing it again.
//
// Not on the public Transport: an app's transport implements Pull only. A
// transport of ours that can read the stream this way (the gRPC transport;
// wrappers in the benchmarks) also implements RawPullTransport, and
// PullPages finds it with dynamic_cast; any other transport is pulled
// through Pull with each page re-encoded (the two messages encode alike).
//
// Thread-safety: as the transport's Pull.
#ifndef INSPECTSYNC_CLIENT_SDK_SRC_RAW_PULL_H_
#define INSPECTSYNC_CLIENT_SDK_SRC_RAW_PULL_H_

#include <functional>

#include "inspectsync/status.h"
#include "inspectsync/transport.h"
#include "inspectsync/v1/sync.pb.h"

namespace inspectsync::sdk_internal {

using RawPageHandler = std::function<Status(const v1::PullPageIn&)>;

class RawPullTransport {
 public:
  virtual ~RawPullTransport() = default;
  // Transport::Pull's contract, with each page as a PullPageIn (same wire):
  // pages in order, stop at on_page's first error and return it.
  virtual Status PullRaw(const v1::PullRequest& request, const RawPageHandler& on_page) = 0;
};

// Pulls through `transport`'s PullRaw when it is a RawPullTransport, else
// through its Pull, re-encoding each page.
Status PullPages(Transport* transport, const v1::PullRequest& request, const RawPageHandler& on_page);

}  // namespace inspectsync::sdk_internal

#endif  // INSPECTSYNC_CLIENT_SDK_SRC_RAW_PULL_H_
