# Version facts for `k1s --version`. The commit and its date are read at build time by
# cmake/WriteVersion.cmake, which rewrites the generated file only when they change, so an
# unchanged commit never forces a relink and the build date is reproducible.
set(K1S_VERSION_CC ${CMAKE_BINARY_DIR}/generated/version_info.cc)
add_custom_target(k1s_version_info
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUTPUT=${K1S_VERSION_CC}
          -DVERSION=${PROJECT_VERSION} -P ${PROJECT_SOURCE_DIR}/cmake/WriteVersion.cmake
  BYPRODUCTS ${K1S_VERSION_CC}
  COMMENT "Reading git commit for the version string")
