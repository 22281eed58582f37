#include "harness/cli/plot_script.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "harness/suite/input_error.h"

namespace qb::harness {
namespace {

// fork + execv rather than system(): paths reach the script as they are, never through a shell.
int run_program(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string plot_python() {
  const char* env = std::getenv("QB_PYTHON");
  return env && *env ? env : "/usr/bin/python3";
}

PlotOutcome run_plot_script(const std::string& root, const std::string& report_dir,
                            const std::string& out_dir, const std::string& history_dir) {
  namespace fs = std::filesystem;
  PlotOutcome outcome;
  const std::string python = plot_python();
  if (::access(python.c_str(), X_OK) != 0) {
    outcome.exit_code = 3;
    outcome.error = python + " not found: the plots need python3 with matplotlib; install the Debian "
                             "package python3-matplotlib (scripts/setup.sh)";
    return outcome;
  }
  const std::string script = root + "/scripts/plot_report.py";
  if (!fs::is_regular_file(script)) throw InputError(script + ": the plot script is missing (is --root the source tree?)");
  std::vector<std::string> args = {python, script, report_dir, "--out", out_dir, "--quiet"};
  if (!history_dir.empty()) {
    args.push_back("--history");
    args.push_back(history_dir);
  }
  outcome.exit_code = run_program(args);
  if (outcome.exit_code == 127 || outcome.exit_code < 0) {
    outcome.error = "could not run " + python + " " + script;
    outcome.exit_code = 3;
    return outcome;
  }
  if (outcome.exit_code != 0) return outcome;

  const std::string manifest = out_dir + "/plots.json";
  std::ifstream in(manifest);
  nlohmann::json list;
  try {
    list = nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(manifest + ": the plot script wrote no readable list of plots: " + e.what());
  }
  for (const auto& p : list) {
    outcome.plots.push_back({(fs::path(out_dir) / p.at("file").get<std::string>()).string(),
                             p.value("suite", ""), p.value("title", "")});
  }
  return outcome;
}

}  // namespace qb::harness
