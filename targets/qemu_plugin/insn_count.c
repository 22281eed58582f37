// QEMU TCG plugin: counts every retired guest instruction exactly and logs the running
// count each time execution reaches one of the given marker addresses.
//
//   -plugin libqb_insn_count.so,out=FILE,mark=0xADDR[,mark=0xADDR...]
//
// FILE gets one line per marker execution, "<marker index> <instructions so far>", in
// execution order; the marker index is the position of its mark= argument. Differences
// between lines are what the harness reports, so nothing here depends on where counting
// starts. The count is an inline add on every instruction, not a per-block estimate, so
// it stays exact when a block is left early, and it is the same on every run: no timing,
// no sampling. One guest CPU is assumed (the Cortex-M boards and single-threaded
// user-mode runners have one).
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

enum { kMaxMarks = 16 };

static uint64_t insn_count;
static uint64_t mark_address[kMaxMarks];
static int mark_count;
static FILE* out;

static void on_mark(unsigned int vcpu_index, void* userdata) {
  (void)vcpu_index;
  fprintf(out, "%d %" PRIu64 "\n", (int)(intptr_t)userdata, insn_count);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  const size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    const uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
    for (int m = 0; m < mark_count; ++m) {
      if (vaddr == mark_address[m]) {
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS,
                                               (void*)(intptr_t)m);
      }
    }
    qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &insn_count, 1);
  }
}

static void on_plugin_exit(qemu_plugin_id_t id, void* userdata) {
  (void)id;
  (void)userdata;
  if (out != NULL) {
    fclose(out);
    out = NULL;
  }
}

static int fail(const char* message, const char* detail) {
  char line[512];
  snprintf(line, sizeof line, "qb_insn_count: %s%s\n", message, detail);
  qemu_plugin_outs(line);
  return -1;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc,
                                           char** argv) {
  (void)info;
  const char* path = NULL;
  for (int i = 0; i < argc; ++i) {
    if (strncmp(argv[i], "out=", 4) == 0) {
      path = argv[i] + 4;
    } else if (strncmp(argv[i], "mark=", 5) == 0) {
      if (mark_count == kMaxMarks) return fail("too many mark= arguments", "");
      char* end = NULL;
      mark_address[mark_count++] = strtoull(argv[i] + 5, &end, 0);
      if (end == argv[i] + 5 || *end != '\0') return fail("bad address in ", argv[i]);
    } else {
      return fail("unknown argument ", argv[i]);
    }
  }
  if (path == NULL) return fail("missing out=FILE", "");
  out = fopen(path, "w");
  if (out == NULL) return fail("cannot create ", path);
  // Block buffering: the log is read only after QEMU exits (exit() flushes it too).
  setvbuf(out, NULL, _IOFBF, 1 << 16);
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
  return 0;
}
