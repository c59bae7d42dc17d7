// gRPC channels and the bearer header for the SDK's clients (GrpcTransport,
// OfficeClient) and the command line's IntegrationService client: the one
// place that turns GrpcTransportOptions into a channel and call metadata.
//
// Internal to the SDK and the in-repository tools: it names gRPC types, so
// it is never under include/inspectsync/.
#ifndef INSPECTSYNC_CLIENT_SDK_SRC_GRPC_CHANNEL_H_
#define INSPECTSYNC_CLIENT_SDK_SRC_GRPC_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "inspectsync/transport.h"

namespace inspectsync::sdk_internal {

// A channel to `address`: TLS trusting options.ca_cert_file (empty: the
// system's roots), or plaintext when options.insecure, retrying calls the
// server never received (its idle connection was closed). FAILED_PRECONDITION
// if the CA file cannot be read. Connects lazily.
StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& address, const GrpcTransportOptions& options,
                                                     const grpc::ChannelArguments& args);

// The "authorization" metadata value for `token`: "Bearer " and the token as
// CheckBearerToken returns it; "" for no token (send no header).
// INVALID_ARGUMENT for a token gRPC would abort the process on.
StatusOr<std::string> BearerHeader(const std::string& token);

// grpc::StatusCode and inspectsync::StatusCode both carry google.rpc.Code
// values; the message is kept.
Status FromGrpc(const grpc::Status& s);

}  // namespace inspectsync::sdk_internal

#endif  // INSPECTSYNC_CLIENT_SDK_SRC_GRPC_CHANNEL_H_
