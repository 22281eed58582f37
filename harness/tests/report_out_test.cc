// The report folder (--out): report.csv and report.json are published as a pair that is
// never mixed from two runs, one run at a time holds the folder, and a folder that cannot
// be written is bad input found before anything runs.
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/report/atomic_file.h"
#include "harness/report/report_folder_lock.h"
#include "harness/suite/input_error.h"
#include "harness/tests/compare_test_support.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;
using testing::Outcome;
using testing::read_text;
using testing::ScratchDir;

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Only what qbench writes to stderr, where bad input's one line goes.
Outcome qbench_stderr(const std::string& args) {
  return testing::run_shell("{ " + testing::qbench_binary() + " --root '" + testing::source_dir() + "' " + args +
                            " 2>&1 >/dev/null; }");
}

size_t lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

// A scratch folder with the tiny suite and the arguments to run it on the host.
struct Workspace {
  ScratchDir dir;
  std::string suite = [this] {
    nlohmann::json s = testing::tiny_suite();
    s["gates"]["min_sqnr_db"] = 5.0;
    return dir.write("tiny.json", s.dump());
  }();
  std::string run_args(const std::string& out) const {
    return "run --suite '" + suite + "' --out '" + out + "' --golden-dir '" + dir.path() + "/golden' --repetitions 1";
  }
};

TEST(ReportPair, AFailedWriteLeavesTheOldPairAndNoTemporaryFile) {
  ScratchDir dir;
  write_report_pair(dir.path(), "old csv\n", "old json\n");
  // The JSON's temporary file cannot be made (a folder sits at its name), as with a full
  // disk after the CSV was written: the CSV must not have been swapped in alone.
  const std::string blocker = dir.path() + "/report.json.tmp." + std::to_string(::getpid());
  fs::create_directories(blocker);
  EXPECT_THROW(write_report_pair(dir.path(), "new csv\n", "new json\n"), std::runtime_error);
  EXPECT_EQ(read_text(dir.path() + "/report.csv"), "old csv\n");
  EXPECT_EQ(read_text(dir.path() + "/report.json"), "old json\n");
  fs::remove(blocker);
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"report.csv", "report.json"}));

  write_report_pair(dir.path(), "new csv\n", "new json\n");
  EXPECT_EQ(read_text(dir.path() + "/report.csv"), "new csv\n");
  EXPECT_EQ(read_text(dir.path() + "/report.json"), "new json\n");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"report.csv", "report.json"}));
}

TEST(ReportPair, TemporaryFilesOfADeadRunAreRemovedAndOtherFilesKept) {
  ScratchDir dir;
  // Above any pid_max: no such process.
  dir.write("report.json.tmp.2147483000", "half a report");
  dir.write("report.csv.tmp.2147483001", "half a report");
  dir.write("report.html", "<html>");
  write_report_pair(dir.path(), "csv\n", "json\n");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"report.csv", "report.html", "report.json"}));
}

TEST(ReportOut, ARunWritesThePairAndLeavesNoLockOrTemporaryFile) {
  Workspace ws;
  const std::string out = ws.dir.path() + "/a/b/out";
  const Outcome o = testing::qbench(ws.run_args(out));
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_EQ(names_in(out), (std::vector<std::string>{"report.csv", "report.json"}));
}

TEST(ReportOut, ASecondRunOnTheSameOutFailsAtOnceNamingTheHolder) {
  Workspace ws;
  const std::string out = ws.dir.path() + "/out";
  fs::create_directories(out);
  std::ofstream(out + "/report.csv") << "previous csv\n";
  std::ofstream(out + "/report.json") << "previous json\n";
  // This test process holds the folder, as a running qbench would.
  const std::string lock_file = out + "/" + kReportLockFile;
  const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  const std::string holder = "pid " + std::to_string(::getpid()) + ", started 2026-01-02T03:04:05Z\n";
  ASSERT_EQ(::write(fd, holder.data(), holder.size()), static_cast<ssize_t>(holder.size()));

  const Outcome busy = qbench_stderr(ws.run_args(out));
  EXPECT_EQ(busy.exit_code, 2) << busy.output;
  EXPECT_EQ(lines(busy.output), 1u) << busy.output;
  EXPECT_NE(busy.output.find("--out " + out + ": in use by another qbench run (pid " + std::to_string(::getpid()) +
                             ", started 2026-01-02T03:04:05Z)"),
            std::string::npos)
      << busy.output;
  EXPECT_EQ(busy.output.find("[1/1]"), std::string::npos) << "nothing may run: " << busy.output;
  EXPECT_EQ(read_text(out + "/report.csv"), "previous csv\n");
  EXPECT_EQ(read_text(out + "/report.json"), "previous json\n");
  EXPECT_EQ(read_text(lock_file), holder) << "the holder's lock file was touched";

  ::close(fd);  // the holder ends (a crashed holder's lock goes the same way)
  const Outcome free = testing::qbench(ws.run_args(out));
  EXPECT_EQ(free.exit_code, 0) << free.output;
  EXPECT_NE(read_text(out + "/report.csv"), "previous csv\n");
  EXPECT_EQ(names_in(out), (std::vector<std::string>{"report.csv", "report.json"}));
}

TEST(ReportOut, TheLockIsHeldForTheRunAndGoesWithIt) {
  ScratchDir dir;
  const std::string out = dir.path() + "/out";
  {
    const ReportFolderLock lock(out, "--out " + out);
    EXPECT_TRUE(fs::exists(out + "/" + kReportLockFile));
    EXPECT_NE(read_text(out + "/" + kReportLockFile).find("pid " + std::to_string(::getpid()) + ", started "),
              std::string::npos);
    try {
      const ReportFolderLock second(out, "--out " + out);
      ADD_FAILURE() << "a second lock on one folder was granted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("in use by another qbench run (pid "), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(fs::exists(out)) << "a folder the lock created and nothing used is removed again";
}

TEST(ReportOut, AnUnwritableOutIsOneLineAndExitTwoBeforeAnythingRuns) {
  Workspace ws;
  const std::string file = ws.dir.write("a_file", "not a folder");
  struct Case {
    std::string out, reason;
  };
  std::vector<Case> cases = {
      {file + "/out", file + " is a file, not a folder"},
      {file, "it is a file, not a folder"},
  };
  const std::string taken = ws.dir.path() + "/taken";
  fs::create_directories(taken + "/report.json");
  cases.push_back({taken, "report.json is there and is not a file"});
  if (::geteuid() != 0) {  // root writes into read-only folders
    const std::string read_only = ws.dir.path() + "/read_only";
    fs::create_directories(read_only);
    fs::permissions(read_only, fs::perms::owner_read | fs::perms::owner_exec);
    cases.push_back({read_only + "/out", "Permission denied"});
  }
  for (const Case& c : cases) {
    const Outcome o = qbench_stderr(ws.run_args(c.out));
    EXPECT_EQ(o.exit_code, 2) << c.out << ": " << o.output;
    EXPECT_EQ(lines(o.output), 1u) << o.output;
    EXPECT_NE(o.output.find("--out " + c.out + ": cannot write here (" + c.reason + ")"), std::string::npos)
        << o.output;
  }
  EXPECT_FALSE(fs::exists(taken + "/report.csv"));
  std::error_code ec;  // so that the scratch folder can be removed
  fs::permissions(ws.dir.path() + "/read_only", fs::perms::owner_all, fs::perm_options::replace, ec);
}

}  // namespace
}  // namespace qb::harness
