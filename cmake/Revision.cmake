# Resolves the git revision baked into the binaries (a Docker build passes it as a build arg instead).
if(NOT COMMENTS_REVISION)
  execute_process(
    COMMAND git rev-parse --short=12 HEAD
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
    OUTPUT_VARIABLE _rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _rev)
    set(COMMENTS_REVISION_RESOLVED ${_rev})
  else()
    set(COMMENTS_REVISION_RESOLVED unknown)
  endif()
else()
  set(COMMENTS_REVISION_RESOLVED ${COMMENTS_REVISION})
endif()
