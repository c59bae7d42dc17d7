# The layering in the build: the include rule and the link rule.
#
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
# Which layer may include which is checked by scripts/check-layering.py
# (the `layering` test).
#
# inspectsync_repo_includes(<target>...): the repository root, PRIVATE.
# For our libraries, executables, tests, benchmarks and tools.
function(inspectsync_repo_includes)
  foreach(target IN LISTS ARGN)
    target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR})
  endforeach()
endfunction()

# The link rule: what a layer's libraries may link, checked when CMake
# configures (a FATAL_ERROR names the target and the chain that reaches the
# forbidden library). core and storage link no gRPC and nothing above them.
#
# inspectsync_check_links(<target> FORBID <regex>... BECAUSE <words>)
function(inspectsync_check_links target)
  cmake_parse_arguments(C "" "BECAUSE" "FORBID" ${ARGN})
  # Breadth-first over LINK_LIBRARIES (our targets) and
  # INTERFACE_LINK_LIBRARIES (everyone), remembering how each was reached.
  set(todo ${target})
  set(seen "")
  set(via_${target} ${target})
  while(todo)
    list(POP_FRONT todo t)
    if(t IN_LIST seen OR NOT TARGET ${t})
      continue()
    endif()
    list(APPEND seen ${t})
    get_target_property(imported ${t} IMPORTED)
    set(libs "")
    if(NOT imported)
      get_target_property(direct ${t} LINK_LIBRARIES)
      if(direct)
        list(APPEND libs ${direct})
      endif()
    endif()
    get_target_property(iface ${t} INTERFACE_LINK_LIBRARIES)
    if(iface)
      list(APPEND libs ${iface})
    endif()
    foreach(lib IN LISTS libs)
      if(lib MATCHES "^\\$<LINK_ONLY:(.+)>$")
        set(lib ${CMAKE_MATCH_1})
      elseif(lib MATCHES "^\\$<")
        continue()  # other generator expressions: not our libraries
      endif()
      foreach(pattern IN LISTS C_FORBID)
        if(lib MATCHES "${pattern}")
          message(FATAL_ERROR "layering: ${target} links ${lib} (${via_${t}} -> ${lib}): ${C_BECAUSE}")
        endif()
      endforeach()
      if(NOT DEFINED via_${lib})
        set(via_${lib} "${via_${t}} -> ${lib}")
      endif()
      list(APPEND todo ${lib})
    endforeach()
  endwhile()
endfunction()
