// The child-process roles of inspectsync-bench. The orchestrator re-executes
// this binary as `inspectsync-bench --role NAME ...` for every measured run,
// so every client-side peak RSS belongs to one scenario alone and no gRPC
// state ever crosses a fork.
//
// Protocol on the child's stdin/stdout: the role does its setup, prints
// READY, waits for GO (the orchestrator resets the server's peak RSS in
// between), runs the timed phase, prints "RESULT k=v ...", exits 0.
#ifndef INSPECTSYNC_BENCH_ROLES_H_
#define INSPECTSYNC_BENCH_ROLES_H_

#include "bench/common.h"

namespace inspectsync::bench {

// --role sync --scenario push|pull|noop|delta|conflict|fanin: SDK tablets
// against the `inspectsync server` at --server.
int RunSyncRole(const Args& args);
// --role limit-sqlite: raw SQLiteCpp inserts (WAL, synchronous=FULL) and fdatasync.
int RunSqliteLimitRole(const Args& args);
// --role limit-grpc: raw gRPC against the echo server at --server.
int RunGrpcLimitRole(const Args& args);
// --role echo-server: serves the bench Echo/Stream service on 127.0.0.1:0,
// prints "listening on ADDR", stops on SIGTERM.
int RunEchoServerRole(const Args& args);
// --role console-outbox: N findings with Chinese texts on the given sites in
// an office tablet's outbox, for the console benchmark (roles_console.cc).
int RunConsoleOutboxRole(const Args& args);

}  // namespace inspectsync::bench

#endif  // INSPECTSYNC_BENCH_ROLES_H_
