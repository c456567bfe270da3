# Warnings and sanitizers shared by every k1s target.
add_library(k1s_compile_options INTERFACE)
target_compile_options(k1s_compile_options INTERFACE -Wall -Wextra -Wno-unused-parameter)
if(K1S_WERROR)
  target_compile_options(k1s_compile_options INTERFACE -Werror)
endif()
if(K1S_SANITIZE)
  target_compile_options(k1s_compile_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(k1s_compile_options INTERFACE -fsanitize=address,undefined)
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  set(CMAKE_C_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
