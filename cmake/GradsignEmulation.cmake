# GradsignEmulation.cmake: compiles CUDA sources with the host C++ compiler against native/emu.
include_guard(GLOBAL)

set(GRADSIGN_EMU_DIR "${CMAKE_CURRENT_LIST_DIR}/../native/emu")

# the emulated runtime itself (fibers, device memory with guard pages, launch checks), one static
# library shared by every emulated build and by the emulation's self-test
if(NOT TARGET gradsign_emulation_runtime)
  add_library(gradsign_emulation_runtime STATIC "${GRADSIGN_EMU_DIR}/cuda_emu.cpp")
  target_include_directories(gradsign_emulation_runtime PUBLIC "${GRADSIGN_EMU_DIR}")
  target_compile_definitions(gradsign_emulation_runtime PUBLIC GRADSIGN_EMULATION)
  set_target_properties(gradsign_emulation_runtime PROPERTIES POSITION_INDEPENDENT_CODE ON CXX_VISIBILITY_PRESET hidden)
  find_package(Threads REQUIRED)
  target_link_libraries(gradsign_emulation_runtime PUBLIC Threads::Threads)
endif()

# gradsign_add_emulated_library(<name> SOURCES <.cu files> INCLUDES <dirs> [DEFINITIONS <defs>])
# A .cu file cannot have two languages in one CMake directory, so each gets a generated .cpp that
# includes it; the .cu stays the single source of the kernel.
function(gradsign_add_emulated_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;INCLUDES;DEFINITIONS" ${ARGN})
  set(wrappers "")
  foreach(source IN LISTS ARG_SOURCES)
    get_filename_component(stem "${source}" NAME_WE)
    set(wrapper "${CMAKE_CURRENT_BINARY_DIR}/${name}_sources/${stem}.cpp")
    file(CONFIGURE OUTPUT "${wrapper}" CONTENT "// generated: ${stem}.cu for the CUDA emulation\n#include \"${source}\"\n")
    list(APPEND wrappers "${wrapper}")
  endforeach()
  add_library(${name} SHARED ${wrappers})
  target_include_directories(${name} PRIVATE ${ARG_INCLUDES})
  target_compile_definitions(${name} PRIVATE ${ARG_DEFINITIONS} GRADSIGN_CUDA_ARCHITECTURES="emulated")
  # no contraction of a * b + c into one fused multiply-add: the kernels' __fmul_rn and __fadd_rn
  # (plain * and + here) must round each operation, as they do on a GPU
  target_compile_options(${name} PRIVATE -ffp-contract=off)
  target_link_libraries(${name} PRIVATE gradsign_emulation_runtime)
  set_target_properties(${name} PROPERTIES CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${name} PRIVATE "LINKER:--exclude-libs,ALL")
endfunction()
