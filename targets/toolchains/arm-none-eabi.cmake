# Arm GNU toolchain (Debian gcc-arm-none-eabi) for Cortex-M. The CPU comes from
# QB_CPU_FLAGS, e.g. "-mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16".
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
# No host libraries exist for this target, so try-compiles build a library, not a program.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(QB_CPU_FLAGS "-mcpu=cortex-m4" CACHE STRING "CPU, FPU and float-ABI flags")
# A few kernel choices follow the core's pipeline (kernels/arm_dsp/matmul_tile_dsp.h), and
# GCC names no core in its predefined macros, so a dual-issue core is named here.
set(qb_core_defines "")
if(QB_CPU_FLAGS MATCHES "-mcpu=cortex-m7")
  set(qb_core_defines " -DQB_CORE_DUAL_ISSUE=1")
endif()
set(CMAKE_C_FLAGS_INIT "${QB_CPU_FLAGS}${qb_core_defines} -mthumb -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT "${QB_CPU_FLAGS}${qb_core_defines} -mthumb -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
