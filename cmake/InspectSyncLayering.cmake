# The include rule.
#
# Inside this repository code names its headers from the repository root:
# "core/hlc.h", "storage/device_store.h", "server/sync_engine.h",
# "client-sdk/src/client_impl.h". That root is given to each of our own
# targets PRIVATE, never PUBLIC: a PUBLIC root would hand every header of
# every layer to anything that links any library, installed consumers
# included, and the layering would hold only by custom.
#
# What a target exports PUBLIC is its own include root only:
#   core        core/include            inspectsync/status.h
#   client-sdk  client-sdk/include      inspectsync/client.h, office.h, transport.h
#   proto       <build>/proto           inspectsync/v1/*.pb.h (messages)
#   grpc        <build>/proto/grpc      inspectsync/v1/*.grpc.pb.h (services)
#
# inspectsync_repo_includes(<target>...): the repository root, PRIVATE.
# For our libraries, executables, tests, benchmarks and tools.
function(inspectsync_repo_includes)
  foreach(target IN LISTS ARGN)
    target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR})
  endforeach()
endfunction()
