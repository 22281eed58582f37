#include "harness/report/golden.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace qb::harness {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

constexpr size_t kMaxDiffLines = 12;

}  // namespace

std::string golden_path(const std::string& golden_dir, const std::string& suite) {
  return (std::filesystem::path(golden_dir) / (suite + ".golden")).string();
}

GoldenCheck check_golden(const std::string& path, const std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {GoldenStatus::kMissing, ""};
  const std::string expected((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (expected == text) return {GoldenStatus::kMatch, ""};

  const auto want = lines_of(expected);
  const auto got = lines_of(text);
  std::ostringstream diff;
  size_t shown = 0, differing = 0;
  for (size_t i = 0; i < std::max(want.size(), got.size()); ++i) {
    const std::string* w = i < want.size() ? &want[i] : nullptr;
    const std::string* g = i < got.size() ? &got[i] : nullptr;
    if (w && g && *w == *g) continue;
    ++differing;
    if (shown++ >= kMaxDiffLines) continue;
    diff << "  line " << i + 1 << ":\n    expected: " << (w ? *w : "(no line)")
         << "\n    got:      " << (g ? *g : "(no line)") << "\n";
  }
  if (differing > kMaxDiffLines) diff << "  ... " << differing - kMaxDiffLines << " more differing lines\n";
  return {GoldenStatus::kMismatch, diff.str()};
}

}  // namespace qb::harness
