# scalelab_add_test(NAME name SOURCES ... LIBS ... LABELS unit|integration|gpu [SKIP_CODE 77])
# One doctest executable registered with ctest under the given labels. A test binary that
# exits with 77 is reported by ctest as skipped (used by GPU tests on machines without one).
enable_testing()
function(scalelab_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} doctest::doctest scalelab_warnings)
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR})  # tests/support/
  target_compile_definitions(${T_NAME} PRIVATE
    SCALELAB_SHARED_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/data"
    SCALELAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 900)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" SKIP_RETURN_CODE 77
                       TIMEOUT ${T_TIMEOUT})
endfunction()
