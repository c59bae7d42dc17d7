// gRPC channels and the bearer header for the SDK's clients (GrpcTransport,
// OfficeClient, IntegrationClient): the one
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

// What an SDK client of one service (OfficeClient, IntegrationClient) holds:
// its options, the checked bearer header and the channel; its calls' contexts.
struct ServiceConnection {
  GrpcTransportOptions options;
  std::string bearer;  // checked (BearerHeader); "" = none
  std::shared_ptr<grpc::Channel> channel;
  // A call's context: the token, and the call deadline unless it is a stream.
  std::unique_ptr<grpc::ClientContext> Context(bool stream = false) const;
};

// The bearer checked and a channel made (MakeChannel) that accepts responses
// up to options.max_receive_bytes: the errors of BearerHeader and MakeChannel.
StatusOr<ServiceConnection> ConnectService(const std::string& address, const GrpcTransportOptions& options);

// grpc::StatusCode and inspectsync::StatusCode both carry google.rpc.Code
// values; the message is kept.
Status FromGrpc(const grpc::Status& s);

}  // namespace inspectsync::sdk_internal

#endif  // INSPECTSYNC_CLIENT_SDK_SRC_GRPC_CHANNEL_H_
