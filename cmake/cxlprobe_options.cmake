# Optional dependencies: AUTO (use when found), ON (fail configure when missing), OFF.
set(_cxlprobe_tristate AUTO ON OFF)
foreach(_dep CUDA DAXCTL CXL PAPI)
  set(CXLPROBE_WITH_${_dep} AUTO CACHE STRING "Build with ${_dep} support: AUTO, ON or OFF")
  set_property(CACHE CXLPROBE_WITH_${_dep} PROPERTY STRINGS ${_cxlprobe_tristate})
  if(NOT CXLPROBE_WITH_${_dep} IN_LIST _cxlprobe_tristate)
    message(FATAL_ERROR "CXLPROBE_WITH_${_dep}='${CXLPROBE_WITH_${_dep}}': use AUTO, ON or OFF")
  endif()
endforeach()

option(CXLPROBE_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
set(CXLPROBE_CUDA_ARCHITECTURES "80;90;120" CACHE STRING
    "CUDA architectures to build (named explicitly: 'native' fails without a GPU)")
option(CXLPROBE_FUZZ "Build the libFuzzer targets (needs clang)" OFF)
