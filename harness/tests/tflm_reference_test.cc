// Every int8 model in models/ on every target, against TensorFlow Lite Micro's own outputs:
// for each seeded input in models/reference/<model>/seed<N>/, the CRC-32 of every
// operator's output must equal the one TFLite Micro recorded in tflm.txt, and the model's
// output the bytes of out.bin. One test per target; any difference is a bug in qbench.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/pipeline/suite_pipeline.h"
#include "harness/targets/target_registry.h"
#include "harness/tests/suite_test_support.h"
#include "kernels/runtime/crc32.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;
using testing::source_dir;

struct SeedReference {
  std::string in_bin;
  std::vector<uint8_t> out_bytes;
  std::vector<std::pair<int32_t, uint32_t>> op_crc;  // operator index, CRC-32 of its output
};

struct ModelReference {
  std::string name;
  std::string tflite;  // relative to the source tree, as tflm.txt names it
  int32_t ops = 0;
  std::vector<SeedReference> seeds;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

ModelReference read_reference(const fs::path& dir) {
  ModelReference ref;
  ref.name = dir.filename().string();
  for (int seed = 1;; ++seed) {
    const fs::path seed_dir = dir / ("seed" + std::to_string(seed));
    if (!fs::exists(seed_dir)) break;
    SeedReference s;
    s.in_bin = (seed_dir / "in.bin").string();
    const std::string out = slurp(seed_dir / "out.bin");
    s.out_bytes.assign(out.begin(), out.end());
    std::istringstream text(slurp(seed_dir / "tflm.txt"));
    std::string line;
    while (std::getline(text, line)) {
      if (line.rfind("model=", 0) == 0) {
        std::istringstream fields(line);
        std::string field;
        while (fields >> field) {
          if (field.rfind("model=", 0) == 0) ref.tflite = field.substr(6);
          if (field.rfind("ops=", 0) == 0) ref.ops = std::stoi(field.substr(4));
        }
      } else if (line.rfind("op ", 0) == 0) {
        int32_t index = -1;
        std::sscanf(line.c_str(), "op %" SCNd32, &index);
        const size_t at = line.find("crc32=");
        EXPECT_NE(at, std::string::npos) << line;
        if (at == std::string::npos) continue;
        s.op_crc.emplace_back(index, static_cast<uint32_t>(std::stoul(line.substr(at + 6), nullptr, 16)));
      }
    }
    ref.seeds.push_back(std::move(s));
  }
  return ref;
}

std::vector<ModelReference> all_references() {
  std::vector<ModelReference> refs;
  for (const auto& entry : fs::directory_iterator(source_dir() + "/models/reference")) {
    if (entry.is_directory()) refs.push_back(read_reference(entry.path()));
  }
  std::sort(refs.begin(), refs.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return refs;
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08" PRIx32, v);
  return buf;
}

class TflmReference : public ::testing::TestWithParam<std::string> {};

TEST_P(TflmReference, EveryOperatorOfEveryModelMatchesTfliteMicro) {
  const auto table = load_targets(source_dir() + "/targets/targets.json");
  const auto target = make_target(find_target(table, GetParam()));
  const std::vector<ModelReference> refs = all_references();
  ASSERT_EQ(refs.size(), 7u) << "models/reference should hold the seven int8 models";
  size_t checked = 0;
  for (const ModelReference& ref : refs) {
    SCOPED_TRACE(ref.name);
    ASSERT_FALSE(ref.seeds.empty());
    Suite suite;
    suite.name = ref.name;
    suite.file = ref.tflite;
    suite.model = ModelSource{source_dir() + "/" + ref.tflite, ""};
    for (const auto& s : ref.seeds) suite.input_files.push_back(s.in_bin);
    const PreparedSuite p = prepare_suite(suite, "");
    ASSERT_EQ(static_cast<int32_t>(p.graph.nodes.size()), ref.ops) << "one layer per TFLite operator";

    const RunResult result = target->run(run_request(p, 1));
    ASSERT_EQ(result.layer_outputs.size(), p.graph.nodes.size());

    for (size_t s = 0; s < ref.seeds.size(); ++s) {
      const SeedReference& seed = ref.seeds[s];
      ASSERT_EQ(static_cast<int32_t>(seed.op_crc.size()), ref.ops) << seed.in_bin;
      for (size_t layer = 0; layer < p.graph.nodes.size(); ++layer) {
        const auto& all = result.layer_outputs[layer];
        const size_t bytes = all.size() / ref.seeds.size();
        const auto* mine = reinterpret_cast<const uint8_t*>(all.data()) + s * bytes;
        const auto [op, want] = seed.op_crc[static_cast<size_t>(p.source_operator[layer])];
        EXPECT_EQ(op, p.source_operator[layer]);
        EXPECT_EQ(hex(runtime::crc32(mine, bytes)), hex(want))
            << ref.name << " seed " << s + 1 << " operator " << op << " (" << p.graph.nodes[layer].def.name
            << ") on " << GetParam();
        ++checked;
      }
      const auto& out = result.layer_outputs.back();
      const size_t bytes = out.size() / ref.seeds.size();
      const std::vector<uint8_t> mine(reinterpret_cast<const uint8_t*>(out.data()) + s * bytes,
                                      reinterpret_cast<const uint8_t*>(out.data()) + (s + 1) * bytes);
      EXPECT_EQ(mine, seed.out_bytes) << ref.name << " seed " << s + 1 << ": output differs from out.bin";
    }
  }
  EXPECT_EQ(checked, 3u * (31 + 3 + 10 + 13 + 4 + 31 + 16)) << "operators x seeds checked";
}

INSTANTIATE_TEST_SUITE_P(AllTargets, TflmReference,
                         ::testing::Values("host", "host-avx2", "aarch64-neon", "aarch64-dotprod",
                                           "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33",
                                           "cortex-m55"),
                         testing::TargetParamName());

}  // namespace
}  // namespace qb::harness
