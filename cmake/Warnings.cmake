# Project-wide compiler flags: warnings everywhere, -Werror in the dev preset, sanitizers on request.
add_compile_options(-Wall -Wextra -Wpedantic)
if(COMMENTS_WERROR)
  add_compile_options(-Werror)
endif()
if(COMMENTS_SANITIZE)
  add_compile_options(-fsanitize=${COMMENTS_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${COMMENTS_SANITIZE})
endif()
