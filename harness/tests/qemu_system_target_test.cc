// The Cortex-M target end to end: the cortex-m4 runner image under qemu-system-arm must
// give the host's bytes for every layer, instruction counts for every layer that are the
// same on every run, and bytes from the image; failures must be TargetErrors that say
// what went wrong.
#include <gtest/gtest.h>

#include <chrono>

#include "harness/pipeline/suite_pipeline.h"
#include "harness/targets/elf_file.h"
#include "harness/targets/host_target.h"
#include "harness/targets/image_footprint.h"
#include "harness/targets/runner_protocol.h"
#include "harness/targets/subprocess.h"
#include "harness/targets/target_registry.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

using testing::source_dir;

TargetInfo table_row(const std::string& name) {
  return find_target(load_targets(source_dir() + "/targets/targets.json"), name);
}

class CortexM4 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { suite_ = new PreparedSuite(prepare_suite(source_dir() + "/suites/kws.json")); }
  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
  }
  static PreparedSuite* suite_;
};
PreparedSuite* CortexM4::suite_ = nullptr;

TEST_F(CortexM4, MatchesTheHostAndCountsEveryLayerTheSameOnEveryRun) {
  const auto target = make_target(table_row("cortex-m4"));
  const RunResult first = target->run(run_request(*suite_, 1));
  const RunResult second = target->run(run_request(*suite_, 1));
  const RunResult host = HostTarget().run(run_request(*suite_, 1));

  ASSERT_EQ(first.layer_outputs.size(), suite_->graph.nodes.size());
  EXPECT_EQ(first.layer_outputs, host.layer_outputs);
  EXPECT_EQ(golden_text(*suite_, first), golden_text(*suite_, host));
  ASSERT_EQ(first.layers.size(), second.layers.size());
  for (size_t l = 0; l < first.layers.size(); ++l) {
    ASSERT_TRUE(first.layers[l].insns.has_value()) << "layer " << l;
    EXPECT_GT(*first.layers[l].insns, 0) << "layer " << l;
    EXPECT_EQ(first.layers[l].insns, second.layers[l].insns) << "layer " << l;
    EXPECT_FALSE(first.layers[l].cycles.has_value()) << "QEMU models no cycles";
    EXPECT_FALSE(first.layers[l].time_ns.has_value());
    // The cortex-m4 row names a cycle model: every layer gets its estimate, as repeatable
    // as insns, and on this single-issue core never below one cycle per instruction.
    ASSERT_TRUE(first.layers[l].est_cycles.has_value()) << "layer " << l;
    EXPECT_EQ(first.layers[l].est_cycles, second.layers[l].est_cycles) << "layer " << l;
    EXPECT_GE(*first.layers[l].est_cycles, *first.layers[l].insns) << "layer " << l;
  }
  ASSERT_TRUE(first.total.est_cycles.has_value());
  EXPECT_EQ(first.total.est_cycles, second.total.est_cycles);
  ASSERT_TRUE(first.total.insns.has_value());
  EXPECT_EQ(first.total.insns, second.total.insns);
  // One plain inference costs about what its layers cost one by one (the per-layer
  // figures are medians, so the sum is close, not equal).
  int64_t sum = 0;
  for (const auto& l : first.layers) sum += *l.insns;
  EXPECT_NEAR(static_cast<double>(*first.total.insns), static_cast<double>(sum), 0.01 * static_cast<double>(sum));

  ASSERT_TRUE(first.flash_bytes && first.ram_bytes && first.stack_bytes);
  EXPECT_GT(*first.flash_bytes, 1000);
  EXPECT_GT(*first.ram_bytes, static_cast<int64_t>(suite_->arena_bytes));
  EXPECT_GT(*first.stack_bytes, 64);
  EXPECT_LT(*first.stack_bytes, 16 * 1024);
  EXPECT_EQ(first.stack_bytes, second.stack_bytes);
}

TEST_F(CortexM4, AnUnknownBoardIsATargetErrorWithQemusOwnWords) {
  TargetInfo row = table_row("cortex-m4");
  row.config["machine"] = "no-such-board";
  const auto target = make_target(row);
  try {
    target->run(run_request(*suite_, 1));
    FAIL() << "expected a TargetError";
  } catch (const TargetError& e) {
    EXPECT_NE(std::string(e.what()).find("cortex-m4: the guest failed"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unsupported machine type"), std::string::npos) << e.what();
  }
}

TEST_F(CortexM4, ARejectedModelIsATargetErrorWithTheRunnersWords) {
  const auto target = make_target(table_row("cortex-m4"));
  std::vector<uint8_t> damaged = suite_->model_file;
  damaged.back() ^= 0x5A;
  RunRequest request = run_request(*suite_, 1);
  request.model = &damaged;
  try {
    target->run(request);
    FAIL() << "expected a TargetError";
  } catch (const TargetError& e) {
    EXPECT_NE(std::string(e.what()).find("qb-runner: the runtime rejected the model file: bad_checksum"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(CortexM4, AMissingEmulatorNamesItsPackage) {
  TargetInfo row = table_row("cortex-m4");
  row.runner["emulator"] = "qemu-system-qbench-missing";
  row.runner["emulator_package"] = "qemu-system-arm";
  const auto target = make_target(row);
  try {
    target->run(run_request(*suite_, 1));
    FAIL() << "expected a TargetError";
  } catch (const TargetError& e) {
    EXPECT_NE(std::string(e.what()).find("install the Debian package qemu-system-arm"), std::string::npos)
        << e.what();
  }
}

TEST(RunnerImage, HasTheMarkersAndAFootprint) {
  const ElfFile image = ElfFile::read(std::string(QB_TARGET_IMAGES_DIR) + "/cortex-m4/qb_runner.elf");
  for (const auto& symbol : runner_marker_symbols()) {
    const auto address = image.function_address(symbol);
    ASSERT_TRUE(address.has_value()) << symbol;
    EXPECT_EQ(*address % 2, 0u) << symbol << ": the Thumb bit must not reach the plugin";
  }
  const ImageFootprint f = image_footprint(image);
  EXPECT_GT(f.flash_bytes, 1000);
  EXPECT_GT(f.ram_bytes, 0);
  // The reserved heap and stack are not part of the RAM figure.
  EXPECT_LT(f.ram_bytes, 16 * 1024);
}

TEST(Subprocess, AHangIsKilledAtTheTimeLimit) {
  const auto t0 = std::chrono::steady_clock::now();
  const ProcessResult r = run_process({"sleep", "30"}, "", std::chrono::milliseconds(300));
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(Subprocess, CapturesOutputAndExitCode) {
  const ProcessResult r = run_process({"sh", "-c", "echo one; echo two >&2; exit 7"}, "", std::chrono::seconds(10));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(last_lines(r.output, 4), "one | two");
}

}  // namespace
}  // namespace qb::harness
