# `cmake --install build --prefix P` installs the client SDK as a library:
#   P/include/inspectsync/{client,office,integration,reports,transport,status}.h   the public API
#   P/include/inspectsync/v1/*.pb.h                            the messages it names
#   P/lib/libinspectsync_*.a                                   the client and what it links
#   P/lib/cmake/InspectSync/                                   find_package(InspectSync)
#   P/lib/pkgconfig/inspectsync-client.pc                      pkg-config
# (install component `sdk`) and the `inspectsync` binary in P/bin (component
# `cli`): `cmake --install build --component sdk` installs the SDK alone.
# Server, tools and tests install no libraries or headers. A consumer links
# InspectSync::client (pkg-config: inspectsync-client); examples/record-and-sync
# is one, built against an installed prefix by the sdk_consumer test.
include(CMakePackageConfigHelpers)

set(INSPECTSYNC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/InspectSync)

# The client and everything of ours it links, PUBLIC or PRIVATE: the
# libraries are static, so a consumer's link line needs them all.
set(INSPECTSYNC_SDK_LIBRARIES
  inspectsync_client
  inspectsync_device_store
  inspectsync_storage
  inspectsync_grpc
  inspectsync_crypto
  inspectsync_core
  inspectsync_proto)
install(TARGETS ${INSPECTSYNC_SDK_LIBRARIES}
  EXPORT InspectSyncTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk)
install(EXPORT InspectSyncTargets
  NAMESPACE InspectSync::
  DESTINATION ${INSPECTSYNC_CMAKE_DIR}
  COMPONENT sdk)

# Headers: the SDK's public ones, status.h from core, and the generated
# messages (not the *.grpc.pb.h services, nor the storage ledger).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/client-sdk/include/inspectsync
                  ${PROJECT_SOURCE_DIR}/core/include/inspectsync
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT sdk
  FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_BINARY_DIR}/proto/inspectsync/v1
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/inspectsync
  COMPONENT sdk
  FILES_MATCHING PATTERN "*.pb.h" PATTERN "*.grpc.pb.h" EXCLUDE)

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/InspectSyncConfig.cmake.in
  ${PROJECT_BINARY_DIR}/InspectSyncConfig.cmake
  INSTALL_DESTINATION ${INSPECTSYNC_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/InspectSyncConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/InspectSyncConfig.cmake ${PROJECT_BINARY_DIR}/InspectSyncConfigVersion.cmake
  DESTINATION ${INSPECTSYNC_CMAKE_DIR}
  COMPONENT sdk)

# pkg-config. The prefix is found from the .pc file's own place
# (${pcfiledir}), so `cmake --install --prefix ANYWHERE` gives a working
# file. The libraries are static, so everything they need is in Libs and
# Requires (not .private: `pkg-config --libs` without --static must link).
# Ours in link order, then SQLiteCpp (Debian has no .pc for it), then what
# Debian's .pc files give for protobuf, gRPC, SQLite and OpenSSL.
file(RELATIVE_PATH INSPECTSYNC_PC_TO_PREFIX /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
string(REGEX REPLACE "/$" "" INSPECTSYNC_PC_TO_PREFIX "${INSPECTSYNC_PC_TO_PREFIX}")
set(INSPECTSYNC_PC_LIBS "")
foreach(lib IN LISTS INSPECTSYNC_SDK_LIBRARIES)
  string(APPEND INSPECTSYNC_PC_LIBS " -l${lib}")
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/inspectsync-client.pc.in
  ${PROJECT_BINARY_DIR}/inspectsync-client.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/inspectsync-client.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT sdk)

install(TARGETS inspectsync RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
