// Stopping qbench (SIGINT from a terminal, SIGTERM from CI or `timeout`) while guests run:
// the guests, which sit in their own process groups and never see the terminal's signal,
// must stop with it, their work folders must go, no report may appear, and the exit code
// and one line must say what happened.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness/targets/elf_file.h"
#include "harness/tests/compare_test_support.h"

extern char** environ;

namespace qb::harness {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;
using testing::source_dir;

// One line of /proc/PID/stat: "pid (comm) state ppid pgrp ...".
struct ProcessInfo {
  pid_t pid = 0, ppid = 0, pgrp = 0;
  char state = '?';
  std::string comm;
};

std::vector<ProcessInfo> all_processes() {
  std::vector<ProcessInfo> out;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(it->path() / "stat");
    std::string text;
    if (!std::getline(in, text)) continue;  // gone meanwhile
    const size_t open = text.find('('), close = text.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    ProcessInfo p;
    p.pid = std::stoi(name);
    p.comm = text.substr(open + 1, close - open - 1);
    std::istringstream rest(text.substr(close + 2));
    rest >> p.state >> p.ppid >> p.pgrp;
    out.push_back(p);
  }
  return out;
}

std::vector<ProcessInfo> guests_of(pid_t qbench) {
  std::vector<ProcessInfo> guests;
  for (const auto& p : all_processes()) {
    if (p.ppid == qbench && p.comm.rfind("qemu", 0) == 0) guests.push_back(p);
  }
  return guests;
}

// The target's runner and application images under images/<target>/, with the runner's
// reset handler replaced by a branch to itself (Thumb `b .`): a guest that spins at full
// speed from its first instruction, as a broken kernel would, until its 120 s timeout.
void write_hanging_images(const std::string& images, const std::string& target) {
  const std::string from = std::string(QB_TARGET_IMAGES_DIR) + "/" + target;
  const std::string to = images + "/" + target;
  fs::create_directories(to);
  fs::copy_file(from + "/qb_app.elf", to + "/qb_app.elf", fs::copy_options::overwrite_existing);
  const std::string runner = to + "/qb_runner.elf";
  fs::copy_file(from + "/qb_runner.elf", runner, fs::copy_options::overwrite_existing);

  const auto reset = ElfFile::read(runner).function_address("qb_reset_handler");
  ASSERT_TRUE(reset.has_value()) << runner;
  std::string bytes = testing::read_text(runner);
  auto u32 = [&](size_t at) { uint32_t v; std::memcpy(&v, bytes.data() + at, 4); return v; };
  auto u16 = [&](size_t at) { uint16_t v; std::memcpy(&v, bytes.data() + at, 2); return v; };
  ASSERT_EQ(bytes.substr(0, 5), std::string("\x7f" "ELF\x01", 5)) << "expected an ELF32 image";
  const uint32_t phoff = u32(28);
  const uint16_t phentsize = u16(42), phnum = u16(44);
  bool patched = false;
  for (uint16_t i = 0; i < phnum && !patched; ++i) {
    const size_t ph = phoff + static_cast<size_t>(i) * phentsize;
    const uint32_t type = u32(ph), offset = u32(ph + 4), vaddr = u32(ph + 8), filesz = u32(ph + 16);
    if (type == kElfSegmentLoad && *reset >= vaddr && *reset + 2 <= vaddr + filesz) {
      bytes[offset + (*reset - vaddr)] = '\xfe';
      bytes[offset + (*reset - vaddr) + 1] = '\xe7';
      patched = true;
    }
  }
  ASSERT_TRUE(patched) << "qb_reset_handler is in no loaded segment of " << runner;
  std::ofstream(runner, std::ios::binary | std::ios::trunc) << bytes;
}

// qbench with stdout and stderr into `log`, and these variables set in its environment.
pid_t start_qbench(const std::vector<std::string>& args, const std::vector<std::string>& env_overrides,
                   const std::string& log) {
  std::vector<std::string> argv = {testing::qbench_binary(), "--root", source_dir()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string var = *e;
    bool overridden = false;
    for (const auto& o : env_overrides) overridden |= var.substr(0, var.find('=')) == o.substr(0, o.find('='));
    if (!overridden) env.push_back(var);
  }
  env.insert(env.end(), env_overrides.begin(), env_overrides.end());
  std::vector<char*> argv_c, env_c;
  for (auto& a : argv) argv_c.push_back(a.data());
  argv_c.push_back(nullptr);
  for (auto& e : env) env_c.push_back(e.data());
  env_c.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, argv_c[0], &actions, nullptr, argv_c.data(), env_c.data());
  posix_spawn_file_actions_destroy(&actions);
  return error == 0 ? pid : -1;
}

// The exit status, or -1 after killing it when it does not end within the limit.
int wait_for_exit(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

struct StopCase {
  int signal_number;
  std::vector<std::string> targets;
  int expected_exit;
  std::string expected_line;
};

void stop_while_guests_run(const StopCase& c) {
  ScratchDir dir;
  const std::string tmp = dir.path() + "/tmp", images = dir.path() + "/images", out = dir.path() + "/out";
  fs::create_directories(tmp);
  for (const auto& target : c.targets) {
    write_hanging_images(images, target);
    if (::testing::Test::HasFatalFailure()) return;
  }
  nlohmann::json suite = testing::tiny_suite();
  suite["gates"]["min_sqnr_db"] = 5.0;
  const std::string suite_file = dir.write("tiny.json", suite.dump());
  std::vector<std::string> args = {"run", "--suite", suite_file, "--out", out, "--golden-dir", dir.path() + "/golden",
                                   "-j", std::to_string(c.targets.size())};
  for (const auto& target : c.targets) {
    args.push_back("--target");
    args.push_back(target);
  }
  const std::string log = dir.path() + "/qbench.log";
  const pid_t qbench = start_qbench(args, {"TMPDIR=" + tmp, "QB_TARGET_IMAGES_DIR=" + images}, log);
  ASSERT_GT(qbench, 0);

  // Every guest started (they spin until their timeout, far beyond this test).
  std::vector<ProcessInfo> guests;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (guests.size() < c.targets.size() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    guests = guests_of(qbench);
  }
  if (guests.size() < c.targets.size()) {
    kill(qbench, SIGKILL);
    waitpid(qbench, nullptr, 0);
    FAIL() << "the guests did not start: " << testing::read_text(log);
  }
  std::set<pid_t> groups;
  for (const auto& g : guests) {
    EXPECT_EQ(g.pgrp, g.pid) << "a guest should lead its own process group";
    groups.insert(g.pgrp);
  }
  size_t work_folders = 0;
  for (const auto& entry : fs::directory_iterator(tmp)) work_folders += entry.path().filename().string().rfind("qbench_", 0) == 0;
  EXPECT_EQ(work_folders, c.targets.size());

  ASSERT_EQ(kill(qbench, c.signal_number), 0);
  const int code = wait_for_exit(qbench, std::chrono::seconds(30));
  const std::string output = testing::read_text(log);
  EXPECT_EQ(code, c.expected_exit) << output;
  EXPECT_EQ(output, c.expected_line + "\n");

  // Nothing of the run is left: no process in the guests' groups, not even a zombie.
  for (const auto& p : all_processes()) {
    EXPECT_FALSE(groups.count(p.pgrp) || groups.count(p.pid))
        << "left behind: pid " << p.pid << " (" << p.comm << ") state " << p.state << " group " << p.pgrp;
  }
  for (const auto& entry : fs::directory_iterator(tmp)) ADD_FAILURE() << "left in TMPDIR: " << entry.path();
  EXPECT_FALSE(fs::exists(out + "/report.csv"));
  EXPECT_FALSE(fs::exists(out + "/report.json"));
  EXPECT_FALSE(fs::exists(out)) << "the run created --out and wrote nothing: it should be gone";
}

TEST(CleanStop, SigintStopsEveryGuestRemovesTheirWorkFoldersAndExits130) {
  stop_while_guests_run({SIGINT, {"cortex-m3", "cortex-m4"}, 130,
                         "qbench: interrupted (SIGINT); stopped 2 running guests, removed their work folders"});
}

TEST(CleanStop, SigtermStopsTheGuestAndExits143) {
  stop_while_guests_run({SIGTERM, {"cortex-m3"}, 143,
                         "qbench: interrupted (SIGTERM); stopped 1 running guest, removed its work folder"});
}

// A report folder that existed before keeps its old reports untouched.
TEST(CleanStop, AnInterruptedRunLeavesTheReportsOfTheLastRunAsTheyWere) {
  ScratchDir dir;
  const std::string tmp = dir.path() + "/tmp", images = dir.path() + "/images", out = dir.path() + "/out";
  fs::create_directories(tmp);
  write_hanging_images(images, "cortex-m3");
  if (HasFatalFailure()) return;
  fs::create_directories(out);
  std::ofstream(out + "/report.csv") << "old csv\n";
  std::ofstream(out + "/report.json") << "{\"old\": true}\n";
  nlohmann::json suite = testing::tiny_suite();
  const std::string suite_file = dir.write("tiny.json", suite.dump());
  const std::string log = dir.path() + "/qbench.log";
  const pid_t qbench = start_qbench({"run", "--suite", suite_file, "--out", out, "--golden-dir", dir.path() + "/g",
                                     "--target", "cortex-m3"},
                                    {"TMPDIR=" + tmp, "QB_TARGET_IMAGES_DIR=" + images}, log);
  ASSERT_GT(qbench, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (guests_of(qbench).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(kill(qbench, SIGINT), 0);
  EXPECT_EQ(wait_for_exit(qbench, std::chrono::seconds(30)), 130) << testing::read_text(log);
  EXPECT_EQ(testing::read_text(out + "/report.csv"), "old csv\n");
  EXPECT_EQ(testing::read_text(out + "/report.json"), "{\"old\": true}\n");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(out)) names.push_back(entry.path().filename().string());
  EXPECT_EQ(names.size(), 2u) << "no lock file or temporary file is left in --out";
}

}  // namespace
}  // namespace qb::harness
