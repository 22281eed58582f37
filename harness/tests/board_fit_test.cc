// Boards: the table's rows, the deployable figures held against the budget of a board, and
// the application image those figures come from, run under QEMU with a real model.
//
// The figures are recomputed here from the images' load segments and the model file, not
// from the harness's section walk, so a change to either side shows as a mismatch.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/pipeline/board_fit.h"
#include "harness/pipeline/suite_pipeline.h"
#include "harness/suite/input_error.h"
#include "harness/targets/elf_file.h"
#include "harness/targets/subprocess.h"
#include "harness/targets/target_registry.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

using testing::ScratchDir;
using testing::source_dir;

std::vector<TargetInfo> table() { return load_targets(source_dir() + "/targets/targets.json"); }

std::string image(const std::string& core, const std::string& name) {
  return std::string(QB_TARGET_IMAGES_DIR) + "/" + core + "/" + name;
}

// What the image writes to flash: every load segment's file bytes (code, read-only data and
// the initial values of .data, at their load addresses).
int64_t flash_image_bytes(const ElfFile& elf) {
  int64_t bytes = 0;
  for (const ElfSegment& s : elf.segments()) {
    if (s.type == kElfSegmentLoad) bytes += static_cast<int64_t>(s.file_size);
  }
  return bytes;
}

int64_t section_bytes(const ElfFile& elf, const std::string& name) {
  for (const ElfSection& s : elf.sections()) {
    if (s.name == name) return static_cast<int64_t>(s.size);
  }
  return 0;
}

TEST(Boards, EachRunsOnACortexMCoreWithACitedBudget) {
  int boards = 0;
  for (const TargetInfo& t : table()) {
    if (!t.board) {
      EXPECT_EQ(t.images, t.name);
      continue;
    }
    ++boards;
    SCOPED_TRACE(t.name);
    EXPECT_EQ(t.kind, "qemu_system");
    EXPECT_EQ(t.images, t.board->core) << "a board runs its core's images";
    EXPECT_EQ(find_target(table(), t.board->core).config["machine"], t.config["machine"]);
    EXPECT_GT(t.board->flash_bytes, 0);
    EXPECT_GT(t.board->ram_bytes, 0);
    EXPECT_GE(t.board->clock_hz, 1000000);
    EXPECT_NE(t.board->source.find("https://"), std::string::npos) << "the figures name their source";
    EXPECT_EQ(&find_board(table(), t.name) != nullptr, true);
  }
  EXPECT_GE(boards, 5);
}

TEST(Boards, ATargetIsNotABoardAndBackAndUnknownNamesListTheKnownOnes) {
  const auto rows = table();
  try {
    find_board(rows, "cortex-m4");
    FAIL() << "cortex-m4 taken as a board";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "cortex-m4 is a target, not a board (use --target)");
  }
  try {
    find_target(rows, "nucleo-l4r5zi");
    FAIL() << "a board taken as a target";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "nucleo-l4r5zi is a board, not a target (use --board)");
  }
  try {
    find_board(rows, "nucleo-f4");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown board \"nucleo-f4\" (known: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bluepill-f103c8"), std::string::npos) << e.what();
  }
}

TEST(Boards, AMalformedRowNamesItsJsonPath) {
  nlohmann::json doc;
  {
    std::ifstream in(source_dir() + "/targets/targets.json");
    doc = nlohmann::json::parse(in);
  }
  // The copy lives elsewhere: without the cycle model tables the source tree names.
  for (auto& [name, row] : doc["targets"].items()) row.erase("cycle_model");
  struct Case {
    const char* key;
    nlohmann::json value;
    const char* path;
  };
  const Case cases[] = {
      {"core", "host", "/boards/nucleo-l4r5zi/core"},        // not a Cortex-M target
      {"core", "cortex-m99", "/boards/nucleo-l4r5zi/core"},  // no such target
      {"flash_bytes", -1, "/boards/nucleo-l4r5zi/flash_bytes"},
      {"ram_bytes", "640K", "/boards/nucleo-l4r5zi/ram_bytes"},
      {"clock_hz", 0, "/boards/nucleo-l4r5zi/clock_hz"},
      {"source", "", "/boards/nucleo-l4r5zi/source"},
  };
  ScratchDir dir;
  for (const Case& c : cases) {
    nlohmann::json bad = doc;
    bad["boards"]["nucleo-l4r5zi"][c.key] = c.value;
    const std::string file = dir.write("targets/targets.json", bad.dump());
    try {
      load_targets(file);
      FAIL() << c.key << " accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(c.path), std::string::npos) << e.what();
    }
  }
}

TEST(BoardFit, PercentagesAndVerdictFollowTheBudgetAndSayWhatIsShort) {
  SuiteTargetRun run;
  run.suite = "mlperf_vww";
  run.target = "bluepill-f103c8";
  ReportRow layer, total;
  layer.est_cycles = 72000;  // 1 ms at 72 MHz
  total.est_cycles = 144000;
  total.flash_bytes = 277080;
  total.ram_bytes = 66232;
  run.rows = {layer, total};
  BoardSpec b{"STM32F103C8", "cortex-m3", 65536, 20480, 72000000, "https://example"};
  assess_board("bluepill-f103c8", b, &run);
  ASSERT_TRUE(run.board.has_value());
  EXPECT_FALSE(run.board->fits);
  EXPECT_FALSE(run.passed());
  EXPECT_EQ(run.board->why, "flash 270.6 KiB needed, 64 KiB available; RAM 64.7 KiB needed, 20 KiB available");
  EXPECT_DOUBLE_EQ(*run.rows[1].flash_used_pct, 100.0 * 277080 / 65536);
  EXPECT_DOUBLE_EQ(*run.rows[1].ram_used_pct, 100.0 * 66232 / 20480);
  EXPECT_EQ(run.rows[1].fits, 0);
  EXPECT_DOUBLE_EQ(*run.rows[0].est_us, 1000.0);
  EXPECT_DOUBLE_EQ(*run.rows[1].est_us, 2000.0);

  // Exactly the budget fits; one byte more does not, and only that figure is named.
  run.board.reset();
  run.rows[1].flash_bytes = 65536;
  run.rows[1].ram_bytes = 20481;
  assess_board("bluepill-f103c8", b, &run);
  EXPECT_FALSE(run.board->fits);
  EXPECT_EQ(run.board->why, "RAM 20 KiB needed, 20 KiB available");  // 20481 B shows as 20.0 KiB
  run.rows[1].ram_bytes = 20480;
  assess_board("bluepill-f103c8", b, &run);
  EXPECT_TRUE(run.board->fits);
  EXPECT_TRUE(run.board->why.empty());
  EXPECT_EQ(run.rows[1].fits, 1);
  EXPECT_EQ(format_kib(5767168), "5.5 MiB");
}

// A real model on a real board row, end to end: the figures are the application image's
// flash plus the .qbm file, and its static RAM plus the arena and the measured stack.
TEST(BoardFit, DeployableFiguresAreTheApplicationImageAndTheModelFile) {
  const PreparedSuite suite = prepare_suite(source_dir() + "/suites/mlperf_kws.json");
  const auto rows = table();
  for (const char* name : {"nucleo-l4r5zi", "bluepill-f103c8"}) {
    SCOPED_TRACE(name);
    const TargetInfo& info = find_board(rows, name);
    const RunResult result = make_target(info)->run(run_request(suite, 1));
    SuiteTargetRun run = evaluate_run(suite, info.name, result);
    assess_board(info.name, *info.board, &run);

    const ElfFile app = ElfFile::read(image(info.board->core, "qb_app.elf"));
    const ElfFile runner = ElfFile::read(image(info.board->core, "qb_runner.elf"));
    const int64_t model = static_cast<int64_t>(suite.model_file.size());
    const int64_t app_ram = section_bytes(app, ".data") + section_bytes(app, ".bss");
    const ReportRow& total = run.rows.back();
    ASSERT_TRUE(total.flash_bytes && total.ram_bytes && total.stack_bytes);
    EXPECT_EQ(*total.flash_bytes, flash_image_bytes(app) + model);
    EXPECT_EQ(*total.ram_bytes, app_ram + static_cast<int64_t>(suite.arena_bytes) + *total.stack_bytes);
    // The harness's share is what the runner image has beyond the application image.
    ASSERT_TRUE(total.harness_flash_bytes && total.harness_ram_bytes);
    EXPECT_EQ(*total.harness_flash_bytes, flash_image_bytes(runner) - flash_image_bytes(app));
    EXPECT_GT(*total.harness_flash_bytes, 4096) << "semihosting and stdio are not free";
    EXPECT_EQ(*total.harness_ram_bytes, section_bytes(runner, ".data") + section_bytes(runner, ".bss") +
                                            section_bytes(runner, ".heap") - app_ram);

    ASSERT_TRUE(run.board.has_value());
    EXPECT_DOUBLE_EQ(*total.flash_used_pct, 100.0 * static_cast<double>(*total.flash_bytes) /
                                                static_cast<double>(info.board->flash_bytes));
    EXPECT_DOUBLE_EQ(*total.ram_used_pct,
                     100.0 * static_cast<double>(*total.ram_bytes) / static_cast<double>(info.board->ram_bytes));
    EXPECT_EQ(run.board->fits, *total.flash_bytes <= info.board->flash_bytes &&
                                   *total.ram_bytes <= info.board->ram_bytes);
    ASSERT_TRUE(total.est_cycles && total.est_us);
    EXPECT_DOUBLE_EQ(*total.est_us, static_cast<double>(*total.est_cycles) * 1e6 /
                                        static_cast<double>(info.board->clock_hz));
  }
}

// The application image is not only measured: with a model in its flash region it loads it
// and runs one inference (exit 0), and refuses a corrupted one (exit 2, the runtime's check).
class ApplicationImage : public ::testing::TestWithParam<std::string> {};

TEST_P(ApplicationImage, RunsARealModelFromFlashAndRefusesACorruptOne) {
  const std::string core = GetParam();
  const auto rows = table();
  const TargetInfo& info = find_target(rows, core);
  const std::string qemu = find_program("qemu-system-arm");
  ASSERT_FALSE(qemu.empty()) << "qemu-system-arm is not installed";
  const std::string path = image(core, "qb_app.elf");
  const ElfFile app = ElfFile::read(path);
  const auto at = app.symbol_address("__qb_model_start");
  ASSERT_TRUE(at.has_value());

  PreparedSuite suite = prepare_suite(source_dir() + "/suites/mlperf_kws.json");
  ScratchDir dir;
  std::string bytes(suite.model_file.begin(), suite.model_file.end());
  for (const bool corrupt : {false, true}) {
    SCOPED_TRACE(corrupt ? "corrupt" : "intact");
    if (corrupt) bytes[bytes.size() / 2] ^= 0x40;  // the checksum no longer holds
    const std::string model = dir.write("model.qbm", bytes);
    char addr[32];
    std::snprintf(addr, sizeof addr, "0x%llx", static_cast<unsigned long long>(*at));
    const ProcessResult r = run_process(
        {qemu, "-M", info.config["machine"].get<std::string>(), "-nographic", "-semihosting-config",
         "enable=on,target=native", "-kernel", path, "-device",
         "loader,file=" + model + ",addr=" + addr + ",force-raw=on"},
        dir.path(), std::chrono::seconds(60));
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, corrupt ? 2 : 0) << r.describe() << ": " << r.output;
  }
}

INSTANTIATE_TEST_SUITE_P(CortexM, ApplicationImage,
                         ::testing::Values("cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"),
                         testing::TargetParamName());

}  // namespace
}  // namespace qb::harness
