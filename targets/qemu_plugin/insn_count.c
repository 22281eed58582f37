// QEMU TCG plugin: counts every retired guest instruction exactly and logs the running
// count each time execution reaches one of the given marker addresses.
//
//   -plugin libqb_insn_count.so,out=FILE,mark=0xADDR[,mark=0xADDR...][,model=TABLE.csv]
//
// FILE gets one line per marker execution, "<marker index> <instructions so far>", in
// execution order; the marker index is the position of its mark= argument. With model=,
// each line gains a third column, the estimated cycles so far from that core's timing
// table (cycle_model.h, docs/cycle-model.md): an estimate, never a measurement. Differences
// between lines are what the harness reports, so nothing here depends on where counting
// starts. The count is an inline add on every instruction, not a per-block estimate, so
// it stays exact when a block is left early, and it is the same on every run: no timing,
// no sampling. One guest CPU is assumed (the Cortex-M boards and single-threaded
// user-mode runners have one).
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cycle_model.h"
#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

enum { kMaxMarks = 64, kMaxBlockInsns = 512 };

static uint64_t insn_count;
static uint64_t mark_address[kMaxMarks];
static int mark_count;
static FILE* out;

// The cycle model, when model= is given.
static int with_model;
static qb_cycle_model model;
static uint64_t cycle_count;
// The block that ran last: where it would fall through to, and what its final branch
// costs when the next block starts there (not taken) or elsewhere (taken).
static const struct block_info* last_block;

static void on_mark(unsigned int vcpu_index, void* userdata) {
  (void)vcpu_index;
  if (with_model) {
    fprintf(out, "%d %" PRIu64 " %" PRIu64 "\n", (int)(intptr_t)userdata, insn_count, cycle_count);
  } else {
    fprintf(out, "%d %" PRIu64 "\n", (int)(intptr_t)userdata, insn_count);
  }
}

typedef struct block_info {
  uint64_t start;
  uint64_t static_cycles;  // the block's instruction costs, when no mark lies inside it
  qb_block_exit exit;
  qb_block_edge first;     // its first instruction, for a block that runs straight on
} block_info;

// Runs as each block starts: settles the previous block's branch (or, where QEMU split
// straight-line code, the rules between the two blocks' edge instructions) and, for a
// block without marks, adds its instruction costs in one go.
static void on_block(unsigned int vcpu_index, void* userdata) {
  (void)vcpu_index;
  const block_info* b = userdata;
  cycle_count += b->static_cycles;
  if (last_block != NULL) {
    const qb_block_exit* e = &last_block->exit;
    if (b->start != e->fall_through) {
      cycle_count += e->if_taken;
    } else if (e->straight_on) {
      // Unsigned wrap-around adds a negative difference correctly.
      cycle_count += (uint64_t)(int64_t)qb_cycle_model_carry(&model, &e->last, &b->first);
    } else {
      cycle_count += e->if_not_taken;
    }
  }
  last_block = b;
}

static int is_mark(uint64_t vaddr) {
  for (int m = 0; m < mark_count; ++m) {
    if (vaddr == mark_address[m]) return 1;
  }
  return 0;
}

static void model_block(struct qemu_plugin_tb* tb, size_t n) {
  static const uint8_t* code[kMaxBlockInsns];
  static size_t size[kMaxBlockInsns];
  static uint64_t vaddr[kMaxBlockInsns];
  static uint32_t costs[kMaxBlockInsns];
  if (n > kMaxBlockInsns) n = kMaxBlockInsns;  // QEMU's own limit; never reached on Arm
  int has_mark = 0;
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    code[i] = qemu_plugin_insn_data(insn);
    size[i] = qemu_plugin_insn_size(insn);
    vaddr[i] = qemu_plugin_insn_vaddr(insn);
    has_mark |= is_mark(vaddr[i]);
  }
  // Blocks are translated again after a flush: the info is leaked rather than tracked,
  // a few dozen bytes per translation.
  block_info* b = malloc(sizeof *b);
  if (b == NULL) return;
  b->start = qemu_plugin_tb_vaddr(tb);
  b->static_cycles = 0;
  qb_cycle_model_block(&model, n, code, size, vaddr, costs, &b->exit, &b->first);
  if (!has_mark) {
    // One add per block instead of one per instruction: what keeps the model cheap. A
    // block left early by an exception is still charged in full.
    for (size_t i = 0; i < n; ++i) b->static_cycles += costs[i];
  } else {
    // A mark reads the count before its own instruction runs, as for instructions: the
    // costs before it are added by the instruction just before it, the rest at the end.
    uint64_t group = 0;
    for (size_t i = 0; i < n; ++i) {
      group += costs[i];
      if ((i + 1 == n || is_mark(vaddr[i + 1])) && group != 0) {
        qemu_plugin_register_vcpu_insn_exec_inline(qemu_plugin_tb_get_insn(tb, i),
                                                   QEMU_PLUGIN_INLINE_ADD_U64, &cycle_count, group);
        group = 0;
      }
    }
  }
  qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, QEMU_PLUGIN_CB_NO_REGS, b);
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
  if (with_model) model_block(tb, n);
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
  const char* model_path = NULL;
  for (int i = 0; i < argc; ++i) {
    if (strncmp(argv[i], "out=", 4) == 0) {
      path = argv[i] + 4;
    } else if (strncmp(argv[i], "mark=", 5) == 0) {
      if (mark_count == kMaxMarks) return fail("too many mark= arguments", "");
      char* end = NULL;
      mark_address[mark_count++] = strtoull(argv[i] + 5, &end, 0);
      if (end == argv[i] + 5 || *end != '\0') return fail("bad address in ", argv[i]);
    } else if (strncmp(argv[i], "model=", 6) == 0) {
      model_path = argv[i] + 6;
    } else {
      return fail("unknown argument ", argv[i]);
    }
  }
  if (path == NULL) return fail("missing out=FILE", "");
  if (model_path != NULL) {
    char error[400];
    if (!qb_cycle_model_load(&model, model_path, error, sizeof error)) return fail(error, "");
    with_model = 1;
  }
  out = fopen(path, "w");
  if (out == NULL) return fail("cannot create ", path);
  // Block buffering: the log is read only after QEMU exits (exit() flushes it too).
  setvbuf(out, NULL, _IOFBF, 1 << 16);
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
  return 0;
}
