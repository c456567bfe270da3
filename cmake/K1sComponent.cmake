# k1s_component(NAME <name>
#               SOURCES <files...>            library sources, relative to the component folder
#               DEPS <targets...>             public link dependencies
#               PRIVATE_DEPS <targets...>     private link dependencies
#               TESTS <files...>              GoogleTest sources for the unit-test binary
#               TEST_DEPS <targets...>)       extra link dependencies of the unit tests
#
# Declares the library k1s_<name> (alias k1s::<name>) and, when TESTS is given, the unit-test
# binary <name>_unit_tests whose tests ctest discovers with the label "unit". Every component is
# built this way so flags, include roots and test wiring never drift between folders.
# A folder whose tests run several components together (a real apiserver and datastore, as the
# controllers' tests do) sets K1S_COMPONENT_TEST_LABEL to "integration": its tests then carry
# that label and stay out of `unit_tests`.
# `unit_tests` builds every component's unit-test binary and nothing else (the sanitizer pass
# in scripts/test needs no k1s binary, e2e tests or benchmarks).
if(K1S_BUILD_TESTS AND NOT TARGET unit_tests)
  add_custom_target(unit_tests)
endif()

function(k1s_component)
  cmake_parse_arguments(C "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS;TESTS;TEST_DEPS" ${ARGN})
  if(NOT C_NAME)
    message(FATAL_ERROR "k1s_component: NAME is required")
  endif()
  set(lib k1s_${C_NAME})
  if(C_SOURCES)
    add_library(${lib} STATIC ${C_SOURCES})
    target_include_directories(${lib} PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(${lib} PUBLIC ${C_DEPS} PRIVATE k1s_compile_options ${C_PRIVATE_DEPS})
  else()
    add_library(${lib} INTERFACE)
    target_include_directories(${lib} INTERFACE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(${lib} INTERFACE ${C_DEPS})
  endif()
  add_library(k1s::${C_NAME} ALIAS ${lib})

  if(C_TESTS AND K1S_BUILD_TESTS)
    set(test_bin ${C_NAME}_unit_tests)
    add_executable(${test_bin} ${C_TESTS})
    target_link_libraries(${test_bin} PRIVATE ${lib} ${C_TEST_DEPS} k1s_compile_options
                          GTest::gmock GTest::gtest GTest::gtest_main)
    set(label unit)
    if(K1S_COMPONENT_TEST_LABEL)
      set(label ${K1S_COMPONENT_TEST_LABEL})
    endif()
    gtest_discover_tests(${test_bin} DISCOVERY_MODE PRE_TEST PROPERTIES LABELS ${label}
                         DISCOVERY_TIMEOUT 30)
    if(label STREQUAL "unit")
      add_dependencies(unit_tests ${test_bin})
    endif()
  endif()
endfunction()

# k1s_test(NAME <name> LABEL <integration|e2e> SOURCES <files...> DEPS <targets...>
#          [TIMEOUT <seconds>] [USES_BINARY] [SERIAL])
# A GoogleTest binary outside a component (tests/integration, tests/e2e). USES_BINARY builds the
# k1s executable first and passes its path as K1S_BINARY. SERIAL keeps ctest from running other
# tests beside it (throughput measurements).
function(k1s_test)
  cmake_parse_arguments(T "USES_BINARY;SERIAL" "NAME;LABEL;TIMEOUT" "SOURCES;DEPS" ${ARGN})
  set(serial FALSE)
  if(T_SERIAL)
    set(serial TRUE)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} k1s_compile_options
                        GTest::gmock GTest::gtest GTest::gtest_main)
  target_compile_definitions(${T_NAME} PRIVATE K1S_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  if(T_USES_BINARY)
    target_compile_definitions(${T_NAME} PRIVATE K1S_BINARY="$<TARGET_FILE:k1s>")
    add_dependencies(${T_NAME} k1s)
  endif()
  gtest_discover_tests(${T_NAME} DISCOVERY_MODE PRE_TEST
                       PROPERTIES LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT} RUN_SERIAL ${serial}
                       DISCOVERY_TIMEOUT 30)
endfunction()
