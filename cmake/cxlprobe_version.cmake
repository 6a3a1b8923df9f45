# Git sha for --version and result metadata; "unknown" outside a git checkout. A tree that
# differs from its commit (tracked files changed, as of configure time) is "<sha>-dirty": the
# results then do not claim code the commit does not hold.
find_package(Git QUIET)
set(CXLPROBE_GIT_SHA "unknown")
if(GIT_FOUND AND EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
                  WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
                  OUTPUT_VARIABLE _sha OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _rc ERROR_QUIET)
  if(_rc EQUAL 0 AND _sha)
    set(CXLPROBE_GIT_SHA "${_sha}")
    execute_process(COMMAND "${GIT_EXECUTABLE}" diff --quiet HEAD --
                    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
                    RESULT_VARIABLE _dirty ERROR_QUIET)
    if(_dirty EQUAL 1)
      string(APPEND CXLPROBE_GIT_SHA "-dirty")
    endif()
  endif()
endif()
