// The AArch64 targets end to end: each runner image under qemu-aarch64 must give the
// host's bytes for every layer, instruction counts for every layer that are the same on
// every run, and bytes from the image; the dot-product build must actually need the
// extension; failures must be TargetErrors that say what went wrong.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/pipeline/suite_pipeline.h"
#include "harness/suite/input_error.h"
#include "harness/targets/elf_file.h"
#include "harness/targets/host_target.h"
#include "harness/targets/image_footprint.h"
#include "harness/targets/runner_protocol.h"
#include "harness/targets/target_registry.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

using testing::source_dir;

TargetInfo table_row(const std::string& name) {
  return find_target(load_targets(source_dir() + "/targets/targets.json"), name);
}

std::string image_path(const std::string& target) {
  return std::string(QB_TARGET_IMAGES_DIR) + "/" + target + "/qb_runner.elf";
}

// Expects a TargetError whose message contains `needle`.
template <typename F>
void expect_target_error(F&& run, const std::string& needle) {
  try {
    run();
    FAIL() << "expected a TargetError containing: " << needle;
  } catch (const TargetError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

class AArch64 : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    xor_ = new PreparedSuite(prepare_suite(source_dir() + "/suites/xor.json"));
    kws_ = new PreparedSuite(prepare_suite(source_dir() + "/suites/kws.json"));
  }
  static void TearDownTestSuite() {
    delete xor_;
    delete kws_;
    xor_ = kws_ = nullptr;
  }
  static PreparedSuite* xor_;
  static PreparedSuite* kws_;
};
PreparedSuite* AArch64::xor_ = nullptr;
PreparedSuite* AArch64::kws_ = nullptr;

TEST_P(AArch64, MatchesTheHostAndCountsEveryLayerTheSameOnEveryRun) {
  for (const PreparedSuite* suite : {xor_, kws_}) {
    SCOPED_TRACE(suite == xor_ ? "xor" : "kws");
    const auto target = make_target(table_row(GetParam()));
    const RunResult first = target->run(run_request(*suite, 1));
    const RunResult second = target->run(run_request(*suite, 1));
    const RunResult host = HostTarget().run(run_request(*suite, 1));

    ASSERT_EQ(first.layer_outputs.size(), suite->graph.nodes.size());
    EXPECT_EQ(first.layer_outputs, host.layer_outputs);
    EXPECT_EQ(golden_text(*suite, first), golden_text(*suite, host));
    ASSERT_EQ(first.layers.size(), second.layers.size());
    int64_t sum = 0;
    for (size_t l = 0; l < first.layers.size(); ++l) {
      ASSERT_TRUE(first.layers[l].insns.has_value()) << "layer " << l;
      EXPECT_GT(*first.layers[l].insns, 0) << "layer " << l;
      EXPECT_EQ(first.layers[l].insns, second.layers[l].insns) << "layer " << l;
      EXPECT_FALSE(first.layers[l].cycles.has_value()) << "QEMU models no cycles";
      EXPECT_FALSE(first.layers[l].time_ns.has_value());
      sum += *first.layers[l].insns;
    }
    ASSERT_TRUE(first.total.insns.has_value());
    EXPECT_EQ(first.total.insns, second.total.insns);
    // One plain inference costs about what its layers cost one by one: the per-layer
    // figures are medians, and invoke() has its own small loop (tens of instructions,
    // which matter only for xor).
    EXPECT_NEAR(static_cast<double>(*first.total.insns), static_cast<double>(sum),
                std::max(0.01 * static_cast<double>(sum), 100.0));

    // A static glibc binary: hundreds of KB of file, tens of KB of writable data, and a
    // stack measured from _start's frame, so more than the layers' own frames but far
    // below the painted 256 KiB.
    ASSERT_TRUE(first.flash_bytes && first.ram_bytes && first.stack_bytes);
    EXPECT_GT(*first.flash_bytes, 100 * 1024);
    EXPECT_GT(*first.ram_bytes, static_cast<int64_t>(suite->arena_bytes));
    EXPECT_GT(*first.stack_bytes, 64);
    EXPECT_LT(*first.stack_bytes, 64 * 1024);
    EXPECT_EQ(first.stack_bytes, second.stack_bytes);
  }
}

TEST_P(AArch64, ARejectedModelIsATargetErrorWithTheRunnersWords) {
  const auto target = make_target(table_row(GetParam()));
  std::vector<uint8_t> damaged = xor_->model_file;
  damaged.back() ^= 0x5A;
  RunRequest request = run_request(*xor_, 1);
  request.model = &damaged;
  expect_target_error([&] { target->run(request); },
                      "qb-runner: the runtime rejected the model file: bad_checksum");
}

TEST_P(AArch64, AnUnknownCpuIsATargetErrorWithQemusOwnWords) {
  TargetInfo row = table_row(GetParam());
  row.config["qemu_cpu"] = "no-such-cpu";
  const auto target = make_target(row);
  expect_target_error([&] { target->run(run_request(*xor_, 1)); }, GetParam() + ": the guest failed");
}

TEST_P(AArch64, AMissingEmulatorNamesItsPackage) {
  TargetInfo row = table_row(GetParam());
  row.runner["emulator"] = "qemu-aarch64-qbench-missing";
  const auto target = make_target(row);
  expect_target_error([&] { target->run(run_request(*xor_, 1)); }, "install the Debian package qemu-user");
}

TEST_P(AArch64, AMissingImageSaysHowToBuildIt) {
  TargetInfo row = table_row(GetParam());
  row.name = row.images = "aarch64-qbench-missing";
  const auto target = make_target(row);
  expect_target_error([&] { target->run(run_request(*xor_, 1)); }, "aarch64-qbench-missing: runner image ");
  expect_target_error([&] { target->run(run_request(*xor_, 1)); }, "/aarch64-qbench-missing/qb_runner.elf is not built");
}

TEST_P(AArch64, ARowWithoutACpuIsBadInput) {
  TargetInfo row = table_row(GetParam());
  row.config.erase("qemu_cpu");
  try {
    make_target(row);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/targets/" + GetParam() + "/qemu_cpu"), std::string::npos) << e.what();
  }
}

TEST_P(AArch64, RunnerImageHasTheMarkersAndAHostedFootprint) {
  const ElfFile image = ElfFile::read(image_path(GetParam()));
  for (const auto& symbol : runner_marker_symbols()) {
    const auto address = image.function_address(symbol);
    ASSERT_TRUE(address.has_value()) << symbol;
    EXPECT_EQ(*address % 4, 0u) << symbol << ": A64 instructions are 4-byte aligned";
  }
  const ImageFootprint f = hosted_image_footprint(image);
  EXPECT_GT(f.flash_bytes, 100 * 1024);
  // Writable data is counted as RAM even though the loader, not a startup copy, puts it
  // there (the bare-metal rule would count none of .data).
  EXPECT_GT(f.ram_bytes, image_footprint(image).ram_bytes);
  // The 64 MiB memory pool is mapped at run time, not part of .bss.
  EXPECT_LT(f.ram_bytes, 1024 * 1024);
}

INSTANTIATE_TEST_SUITE_P(Targets, AArch64, ::testing::Values("aarch64-neon", "aarch64-dotprod"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string name = p.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

// The dot-product build really uses the extension: an Armv8.0 core without it refuses the
// image, as real hardware would, so the two targets are not the same code twice.
TEST(AArch64Dotprod, FaultsOnACoreWithoutTheExtension) {
  TargetInfo row = table_row("aarch64-dotprod");
  row.config["qemu_cpu"] = "cortex-a53";
  const auto target = make_target(row);
  const PreparedSuite suite = prepare_suite(source_dir() + "/suites/kws.json");
  expect_target_error([&] { target->run(run_request(suite, 1)); }, "aarch64-dotprod: the guest failed");
}

}  // namespace
}  // namespace qb::harness
