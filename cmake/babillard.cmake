# Our code builds with warnings as errors; generated code does not (see proto/).
# With clang, -Wthread-safety checks every ABSL_GUARDED_BY and lock annotation.
function(babillard_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror
                         -Wno-unused-parameter)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    target_compile_options(${target} PRIVATE -Wthread-safety)
  endif()
endfunction()

# proto_library(<target> ROOT <dir> PROTOS <paths relative to ROOT>...)
# CMake's protobuf_generate() names outputs after the source dir, which breaks
# imports between protos (TOOLCHAIN.md pitfall 2), hence this function.
function(proto_library target)
  cmake_parse_arguments(PL "" "ROOT" "PROTOS" ${ARGN})
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${gen})
  set(srcs)
  foreach(p IN LISTS PL_PROTOS)
    string(REGEX REPLACE "\\.proto$" "" base "${p}")
    set(outs ${gen}/${base}.pb.cc ${gen}/${base}.pb.h
             ${gen}/${base}.grpc.pb.cc ${gen}/${base}.grpc.pb.h)
    add_custom_command(OUTPUT ${outs}
      COMMAND protobuf::protoc --proto_path=${PL_ROOT} --proto_path=${Protobuf_INCLUDE_DIRS}
        --cpp_out=${gen} --grpc_out=${gen}
        --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin> ${PL_ROOT}/${p}
      DEPENDS ${PL_ROOT}/${p} protobuf::protoc gRPC::grpc_cpp_plugin VERBATIM)
    list(APPEND srcs ${outs})
  endforeach()
  add_library(${target} STATIC ${srcs})
  target_compile_options(${target} PRIVATE -w)
  target_include_directories(${target} SYSTEM PUBLIC ${gen})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf gRPC::grpc++)
endfunction()
