// The server's message limits checked against the schema at start-up, so no
// record a push may create can outgrow a message: a device's largest PATCH
// fits a request with room to spare, and the largest record fits a page.
// Without this, an office publishing templates each within its own limits
// (500 items of ~2,000 bytes) could make a record no page can carry, and
// every tablet's pull would fail at the same cursor, forever.
//
// Thread-safety: pure functions.
#ifndef INSPECTSYNC_SERVER_MESSAGE_LIMITS_H_
#define INSPECTSYNC_SERVER_MESSAGE_LIMITS_H_

#include "inspectsync/status.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

// FAILED_PRECONDITION naming the collection, its largest record in bytes and
// the limit to change, when a collection's largest PATCH request is over
// half of `max_message_bytes`, its largest record over the page budget
// (engine.max_page_bytes), or that budget over `max_message_bytes`.
Status CheckMessageLimits(const EngineOptions& engine, int max_message_bytes);

// The largest message the server sends. Every page and push response stays
// within max_page_bytes but for one item: a lone record stored before these
// limits (it came in one request of up to the message limit, unknown fields
// and all, and patches may have added to it since), or the result that took
// a push response past its budget. At least the SDK's receive limit
// (GrpcTransportOptions::max_receive_bytes, 64 MiB): refusing to send what
// the device accepts would stop its pull at that record forever.
int SendLimitBytes(const EngineOptions& engine, int max_message_bytes);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_MESSAGE_LIMITS_H_
