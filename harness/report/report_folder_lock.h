// A report folder (qbench run --out, reports/baseline) claimed for one run: created when
// missing, checked writable before anything runs, and locked so that two runs never write
// into it at once (their reports would interleave).
//
// The lock is flock() on DIR/.qbench.lock, which holds "pid N, started DATE" of its
// holder for the message a second run prints. The kernel drops the lock when the holder
// dies, however it dies, so a stale file never blocks anyone. The file is removed when the
// lock is released (and at an interrupt, interrupts.h), as is the folder if this run
// created it and left nothing in it.
#pragma once

#include <string>
#include <vector>

namespace qb::harness {

inline constexpr const char* kReportLockFile = ".qbench.lock";

class ReportFolderLock {
 public:
  // `label` names the folder in messages, e.g. "--out build/default/reports". Throws
  // InputError (exit 2) with one line: "LABEL: cannot write here (REASON)", or
  // "LABEL: in use by another qbench run (pid N, started DATE); ...".
  ReportFolderLock(const std::string& dir, const std::string& label);
  ~ReportFolderLock();
  ReportFolderLock(const ReportFolderLock&) = delete;
  ReportFolderLock& operator=(const ReportFolderLock&) = delete;

 private:
  void release();

  std::string lock_file_;
  int fd_ = -1;
  std::vector<std::string> created_;  // folders this run created, outermost first
};

}  // namespace qb::harness
