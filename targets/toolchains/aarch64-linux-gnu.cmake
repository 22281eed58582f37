# GNU toolchain for AArch64 Linux (Debian g++-aarch64-linux-gnu): static user-mode runners
# that run under qemu-aarch64. The architecture comes from QB_CPU_FLAGS, e.g.
# "-march=armv8.2-a+dotprod".
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)
set(QB_CPU_FLAGS "-march=armv8-a" CACHE STRING "Architecture and extension flags")
# -fno-pie: the images are static and linked at fixed addresses (-no-pie), so the marker
# addresses the plugin watches are the symbol table's, and the code has no GOT detours.
set(CMAKE_C_FLAGS_INIT "${QB_CPU_FLAGS} -fno-pie -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT "${QB_CPU_FLAGS} -fno-pie -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti")
# The cross sysroot Debian installs; never the host's libraries or headers.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
