# Compiler flags of a fuzzing build (CODEX_PROXY_FUZZ=ON), included by the
# top-level CMakeLists.txt before any target is defined, so that the whole
# proxy is built with coverage for libFuzzer and under ASan and UBSan.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang" OR NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "CODEX_PROXY_FUZZ=ON needs clang (libFuzzer): configure with "
                      "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                    -fno-sanitize-recover=all)
add_link_options(-fsanitize=address,undefined)
# The fuzz.* tests run even with BUILD_TESTING=OFF (scripts/test.sh's fuzz
# build has no unit or e2e tests): testing is enabled here, at the top level.
enable_testing()
