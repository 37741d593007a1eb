# Compiler flags shared by every scalelab target.
add_library(scalelab_warnings INTERFACE)
target_compile_options(scalelab_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic>)

if(SCALELAB_NATIVE)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-march=native>)
endif()

if(SCALELAB_FUZZ)
  # Every object the fuzz targets link carries libFuzzer's coverage hooks; the targets
  # themselves link -fsanitize=fuzzer (tests/fuzz/CMakeLists.txt).
  set(SCALELAB_SANITIZE ON CACHE BOOL "" FORCE)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(SCALELAB_SANITIZE)
  # Host code only: the CUDA backend is switched off in the sanitizer build.
  set(SCALELAB_CUDA OFF CACHE BOOL "" FORCE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

set(SCALELAB_HAVE_CUDA OFF)
if(SCALELAB_CUDA)
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    # sm_80 (A100) and sm_90 (H100/H200), as the CUDA backend issue asks.
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 80 90)
    endif()
    enable_language(CUDA)
    # C++17 for .cu files: CMake 3.25 (Debian 12) knows no C++20 flag for nvcc and refuses
    # CUDA20 ("does not support this"). Host .cpp files stay C++20.
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(SCALELAB_HAVE_CUDA ON)
  endif()
endif()
