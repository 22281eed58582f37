#!/usr/bin/env bash
# Installs every Debian package qbench needs, for the host build, the Arm and AArch64
# cross targets, QEMU, the tests and the plots. Idempotent: a package that is already
# installed is left alone, and the script says what it installs.
set -euo pipefail

packages=(
  # host build
  build-essential cmake ninja-build git pkg-config
  # host libraries (found through find_package)
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # .tflite import: the flatbuffers headers and flatc, which generates the reader
  libflatbuffers-dev flatbuffers-compiler
  # suites are validated against suites/suite.schema.json (header-only JSON Schema)
  libvalijson-dev
  # independent oracle for TFLite-style rounding; host peer library for benchmarks
  libgemmlowp-dev libxnnpack-dev libpthreadpool-dev
  # Cortex-M: Arm GNU toolchain with newlib (semihosting through rdimon) and libstdc++
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
  # AArch64 cross compiler (static runners under qemu-aarch64)
  g++-aarch64-linux-gnu
  # emulators; the dynamic qemu-user, because qemu-user-static has no -plugin
  qemu-user qemu-system-arm
  # host instruction counts
  valgrind
  # plots (called as /usr/bin/python3)
  python3-matplotlib python3-numpy
  # the report page's test loads it in a real headless browser
  chromium
  # fuzz/ (the fuzz preset): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
