# Project-wide compiler flags: warnings everywhere, -Werror in the dev preset, sanitizers on request.
add_compile_options(-Wall -Wextra -Wpedantic)
if(COMMENTS_WERROR)
  add_compile_options(-Werror)
endif()
if(COMMENTS_SANITIZE)
  # GCC's flow analysis reports false maybe-uninitialized (Boost.Beast) and mismatched-new-delete
  # (Asio coroutine frames) warnings once the
  # sanitizers' instrumentation is in; they are not in our code, and -Werror would stop the build.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-maybe-uninitialized -Wno-mismatched-new-delete)
  endif()
  add_compile_options(-fsanitize=${COMMENTS_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${COMMENTS_SANITIZE})
  # clang 14's -fsanitize=function puts data before each function, and coroutine splitting moves
  # parts of a coroutine to another section ("Cannot represent a difference across sections"):
  # that one UBSan check is left out with clang; GCC does not have it.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND COMMENTS_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize=function)
  endif()
endif()
