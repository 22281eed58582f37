// Static timing model for Cortex-M cores: a per-core cost table read from a CSV file
// (targets/cycle_models/<core>.csv) and a Thumb-2 classifier that turns one translation
// block's opcode bytes into a per-instruction cycle cost plus the penalty owed by the
// block's final branch, taken or not. See docs/cycle-model.md.
#pragma once

#include <stddef.h>
#include <stdint.h>

// Every cost and rule a table can set. The CSV names are in cycle_model.c.
enum qb_cost_key {
  QB_ALU, QB_ALU_SHIFT_LSL, QB_ALU_SHIFT_OTHER, QB_SIMD, QB_MUL, QB_MLA, QB_MULL, QB_MLAL,
  QB_DSP_MUL, QB_DIV, QB_LDR, QB_STR, QB_LDRD, QB_STRD, QB_LDM, QB_STM, QB_BRANCH, QB_TBB,
  QB_IT, QB_NOP, QB_SYS, QB_FP_LDST, QB_FP_LDM, QB_FP_MOV, QB_FP_ALU, QB_FP_MAC, QB_FP_DIV,
  QB_MVE_LS, QB_MVE_INT, QB_MVE_MUL, QB_MVE_SYS, QB_LOB,
  QB_CLASS_COUNT,  // the keys above are instruction classes, the keys below are rules
  QB_LDM_PER_REG = QB_CLASS_COUNT, QB_FP_LDM_PER_REG, QB_TAKEN_PENALTY, QB_INDIRECT_PENALTY,
  QB_PREDICT, QB_MISPREDICT_PENALTY, QB_LOAD_PAIRING, QB_LDR_PIPELINED, QB_AGU_STALL,
  QB_LOAD_USE, QB_MUL_USE, QB_MAC_ACC_FORWARD, QB_DUAL_ISSUE, QB_MVE_OVERLAP,
  QB_KEY_COUNT
};

typedef struct qb_cycle_model {
  uint32_t cost[QB_KEY_COUNT];
} qb_cycle_model;

// Reads a table; on failure returns 0 and writes a one-line reason into error.
int qb_cycle_model_load(qb_cycle_model* model, const char* path, char* error, size_t error_size);

// One instruction at a block's edge, kept for the rules between neighbours that a
// block's own costing cannot see (qb_cycle_model_carry).
typedef struct qb_block_edge {
  uint8_t code[4];     // opcode bytes (the second halfword unused for a 16-bit one)
  uint64_t vaddr;
  uint32_t cost;       // its cost before any branch penalty, as its block costed it
  int paired;          // M7: it issued as the second of a pair (last) / with the next one (first)
} qb_block_edge;

// What the block's last instruction leaves to be decided at run time: the cycles to add
// when the next block starts at fall_through (not taken) or anywhere else (taken). A
// block QEMU ended without a branch (at a 1 KiB page boundary, or at its size limit) runs
// straight on: straight_on is set and last is its final instruction.
typedef struct qb_block_exit {
  uint64_t fall_through;
  uint32_t if_taken;
  uint32_t if_not_taken;
  int straight_on;
  qb_block_edge last;
} qb_block_exit;

// Costs one translation block: code[i]/size[i] are the opcode bytes of instruction i
// (little-endian halfwords), vaddr[i] its address. Writes costs[i], the block exit and
// the block's first instruction.
void qb_cycle_model_block(const qb_cycle_model* model, size_t n, const uint8_t* const* code,
                          const size_t* size, const uint64_t* vaddr, uint32_t* costs,
                          qb_block_exit* exit, qb_block_edge* first);

// The cycles to add to a block whose first instruction is `first` when it runs straight
// on from a block that ended with `last` (whose exit had straight_on): what the pipeline
// rules between the two change (load pairing, stalls, M7 dual issue). May be negative.
int32_t qb_cycle_model_carry(const qb_cycle_model* model, const qb_block_edge* last,
                             const qb_block_edge* first);
