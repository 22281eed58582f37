// A private scratch folder for one target run (model, inputs, the guest's outputs),
// removed when the run is over unless QB_KEEP_WORK_DIRS is set, for debugging. It is
// registered with the interrupt handling (interrupts.h), which removes it if qbench is
// stopped half-way; the constructor throws TargetError once an interrupt is under way.
#pragma once

#include <string>

namespace qb::harness {

class WorkDir {
 public:
  explicit WorkDir(const std::string& tag);  // throws TargetError
  ~WorkDir();
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace qb::harness
