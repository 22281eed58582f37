// The timing model behind est_cycles: a Thumb/Thumb-2 classifier (enough of the Armv7-M
// and Armv8.1-M encodings to tell the classes of the cost tables apart, not a full
// decoder) and the in-block pipeline rules. Everything here runs once per translated
// block; the per-execution work is the plugin's inline adds and one block callback.
#include "cycle_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* const kKeyNames[QB_KEY_COUNT] = {
    [QB_ALU] = "alu", [QB_ALU_SHIFT_LSL] = "alu_shift_lsl",
    [QB_ALU_SHIFT_OTHER] = "alu_shift_other", [QB_SIMD] = "simd", [QB_MUL] = "mul",
    [QB_MLA] = "mla", [QB_MULL] = "mull", [QB_MLAL] = "mlal", [QB_DSP_MUL] = "dsp_mul",
    [QB_DIV] = "div", [QB_LDR] = "ldr", [QB_STR] = "str", [QB_LDRD] = "ldrd",
    [QB_STRD] = "strd", [QB_LDM] = "ldm", [QB_STM] = "stm", [QB_BRANCH] = "branch",
    [QB_TBB] = "tbb", [QB_IT] = "it", [QB_NOP] = "nop", [QB_SYS] = "sys",
    [QB_FP_LDST] = "fp_ldst", [QB_FP_LDM] = "fp_ldm", [QB_FP_MOV] = "fp_mov",
    [QB_FP_ALU] = "fp_alu", [QB_FP_MAC] = "fp_mac", [QB_FP_DIV] = "fp_div",
    [QB_MVE_LS] = "mve_ls", [QB_MVE_INT] = "mve_int", [QB_MVE_MUL] = "mve_mul",
    [QB_MVE_SYS] = "mve_sys", [QB_LOB] = "lob",
    [QB_LDM_PER_REG] = "ldm_per_reg", [QB_FP_LDM_PER_REG] = "fp_ldm_per_reg",
    [QB_TAKEN_PENALTY] = "taken_penalty", [QB_INDIRECT_PENALTY] = "indirect_penalty",
    [QB_PREDICT] = "predict", [QB_MISPREDICT_PENALTY] = "mispredict_penalty",
    [QB_LOAD_PAIRING] = "load_pairing", [QB_LDR_PIPELINED] = "ldr_pipelined",
    [QB_AGU_STALL] = "agu_stall", [QB_LOAD_USE] = "load_use", [QB_MUL_USE] = "mul_use",
    [QB_MAC_ACC_FORWARD] = "mac_acc_forward", [QB_DUAL_ISSUE] = "dual_issue",
    [QB_MVE_OVERLAP] = "mve_overlap",
};

int qb_cycle_model_load(qb_cycle_model* model, const char* path, char* error, size_t error_size) {
  FILE* f = fopen(path, "r");
  if (f == NULL) {
    snprintf(error, error_size, "cannot open %s: %s", path, strerror(errno));
    return 0;
  }
  int seen[QB_KEY_COUNT] = {0};
  char line[1024];
  int line_number = 0;
  int ok = 1;
  memset(model, 0, sizeof *model);
  while (ok && fgets(line, sizeof line, f) != NULL) {
    ++line_number;
    char* p = line;
    while (*p == ' ' || *p == '\t') ++p;
    if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0') continue;
    char* comma = strchr(p, ',');
    if (comma == NULL) {
      snprintf(error, error_size, "%s:%d: expected key,cycles,source", path, line_number);
      ok = 0;
      break;
    }
    *comma = '\0';
    if (line_number == 1 && strcmp(p, "key") == 0) continue;  // the header
    int key = -1;
    for (int k = 0; k < QB_KEY_COUNT; ++k) {
      if (strcmp(p, kKeyNames[k]) == 0) key = k;
    }
    char* end = NULL;
    const unsigned long value = strtoul(comma + 1, &end, 10);
    if (key < 0) {
      snprintf(error, error_size, "%s:%d: unknown key '%s'", path, line_number, p);
      ok = 0;
    } else if (end == comma + 1 || *end != ',' || value > 1000) {
      snprintf(error, error_size, "%s:%d: %s: expected a cycle count and a source", path,
               line_number, p);
      ok = 0;
    } else if (seen[key]) {
      snprintf(error, error_size, "%s:%d: %s given twice", path, line_number, p);
      ok = 0;
    } else {
      seen[key] = 1;
      model->cost[key] = (uint32_t)value;
    }
  }
  fclose(f);
  for (int k = 0; ok && k < QB_KEY_COUNT; ++k) {
    if (!seen[k]) {
      snprintf(error, error_size, "%s: missing key '%s'", path, kKeyNames[k]);
      ok = 0;
    }
  }
  return ok;
}

// ---------------------------------------------------------------------------------------
// Classification

enum { kPipeNone, kPipeLoadStore, kPipeInt, kPipeMul, kPipeSys };
enum { kNotBranch, kDirect, kDirectConditional };

typedef struct insn {
  int cls;
  unsigned nregs;     // registers (words for VLDM/VSTM) moved by a multiple transfer
  uint32_t src, dst;  // general-purpose registers read / written, bit 15 = PC
  uint32_t addr;      // registers an address is formed from
  uint32_t loaded;    // registers written by a load (the load-use rule)
  uint32_t acc;       // accumulator operands, read late on cores that forward them
  int single_ls;      // a single LDR/STR of any width: the pairing rule's subject
  int writeback, reg_offset_store, writes_pc, branch, loop_end;
  uint64_t target;
  unsigned it_count;  // for IT: how many instructions it makes conditional
  int pipe;           // MVE pipe
} insn;

#define R(x) (1u << (x))

static uint64_t sign_extend(uint64_t value, int bits) {
  const uint64_t m = 1ull << (bits - 1);
  return (value ^ m) - m;
}

static void load_or_store(insn* d, int load, unsigned rt, uint32_t addr) {
  d->single_ls = 1;
  d->addr = addr;
  d->src = addr;
  if (load) {
    d->cls = QB_LDR;
    if (rt == 15) {
      d->writes_pc = 1;
    } else {
      d->dst = d->loaded = R(rt);
    }
  } else {
    d->cls = QB_STR;
    d->src |= R(rt);
  }
}

static void decode16(uint32_t h, uint64_t pc, insn* d) {
  d->cls = QB_ALU;
  if ((h >> 14) == 0) {
    const unsigned op = (h >> 11) & 7, rd = (h >> 8) & 7;
    if (op < 3) {  // shift by immediate
      d->dst = R(h & 7);
      d->src = R((h >> 3) & 7);
    } else if (op == 3) {  // add/subtract register or 3-bit immediate
      d->dst = R(h & 7);
      d->src = R((h >> 3) & 7) | ((h & 0x400) ? 0 : R((h >> 6) & 7));
    } else {  // MOV, CMP, ADD, SUB with an 8-bit immediate
      if (op != 4) d->src = R(rd);
      if (op != 5) d->dst = R(rd);
    }
  } else if ((h >> 10) == 0x10) {  // data processing, two low registers
    const unsigned op = (h >> 6) & 0xF, rdn = h & 7, rm = (h >> 3) & 7;
    d->src = (op == 9 || op == 0xF) ? R(rm) : R(rdn) | R(rm);
    if (op == 0xD) d->cls = QB_MUL;
    if (op != 8 && op != 0xA && op != 0xB) d->dst = R(rdn);
  } else if ((h >> 10) == 0x11) {  // high-register operations, BX, BLX
    const unsigned op = (h >> 8) & 3, rd = (h & 7) | ((h >> 4) & 8), rm = (h >> 3) & 0xF;
    if (op == 3) {
      d->cls = QB_BRANCH;
      d->src = R(rm);
      d->writes_pc = 1;
      if (h & 0x80) d->dst = R(14);
    } else {
      d->src = R(rm) | (op == 2 ? 0 : R(rd));
      if (op != 1) {
        d->dst = R(rd);
        if (rd == 15) d->writes_pc = 1;
      }
    }
  } else if ((h >> 11) == 9) {  // LDR literal
    load_or_store(d, 1, (h >> 8) & 7, R(15));
  } else if ((h >> 12) == 5) {  // register offset
    const unsigned opb = (h >> 9) & 7;
    load_or_store(d, opb >= 3, h & 7, R((h >> 3) & 7) | R((h >> 6) & 7));
    if (opb < 3) d->reg_offset_store = 1;
  } else if ((h >> 13) == 3 || (h >> 12) == 8) {  // immediate offset
    load_or_store(d, (h >> 11) & 1, h & 7, R((h >> 3) & 7));
  } else if ((h >> 12) == 9) {  // SP-relative
    load_or_store(d, (h >> 11) & 1, (h >> 8) & 7, R(13));
  } else if ((h >> 12) == 0xA) {  // ADR, ADD Rd, SP, #imm
    d->dst = R((h >> 8) & 7);
    d->src = (h & 0x800) ? R(13) : R(15);
  } else if ((h >> 12) == 0xB) {  // miscellaneous
    if ((h & 0xFF00) == 0xB000) {
      d->src = d->dst = R(13);
    } else if ((h & 0xF500) == 0xB100) {  // CBZ, CBNZ
      d->cls = QB_BRANCH;
      d->src = R(h & 7);
      d->branch = kDirectConditional;
      d->target = pc + 4 + ((((h >> 9) & 1) << 6) | (((h >> 3) & 0x1F) << 1));
    } else if ((h & 0xFF00) == 0xB200) {  // SXTH, SXTB, UXTH, UXTB
      d->cls = QB_SIMD;
      d->dst = R(h & 7);
      d->src = R((h >> 3) & 7);
    } else if ((h & 0xF600) == 0xB400) {  // PUSH, POP
      const int pop = (h >> 11) & 1;
      const uint32_t list = (h & 0xFF) | ((h & 0x100) ? R(pop ? 15 : 14) : 0);
      d->nregs = (unsigned)__builtin_popcount(list);
      d->addr = R(13);
      if (pop) {
        d->cls = QB_LDM;
        d->src = R(13);
        d->loaded = list & ~R(15);
        d->dst = d->loaded | R(13);
        d->writes_pc = (list & R(15)) != 0;
      } else {
        d->cls = QB_STM;
        d->src = list | R(13);
        d->dst = R(13);
      }
    } else if ((h & 0xFF00) == 0xBA00) {  // REV, REV16, REVSH
      d->dst = R(h & 7);
      d->src = R((h >> 3) & 7);
    } else if ((h & 0xFF00) == 0xBF00) {
      if (h & 0xF) {
        d->cls = QB_IT;
        d->it_count = 4 - (unsigned)__builtin_ctz(h & 0xF);
      } else {
        d->cls = QB_NOP;
      }
    } else {  // BKPT, CPS
      d->cls = QB_SYS;
    }
  } else if ((h >> 12) == 0xC) {  // LDM, STM
    const unsigned rn = (h >> 8) & 7;
    const uint32_t list = h & 0xFF;
    d->nregs = (unsigned)__builtin_popcount(list);
    d->addr = R(rn);
    if (h & 0x800) {
      d->cls = QB_LDM;
      d->src = R(rn);
      d->loaded = list;
      d->dst = list | ((list & R(rn)) ? 0 : R(rn));
    } else {
      d->cls = QB_STM;
      d->src = list | R(rn);
      d->dst = R(rn);
    }
  } else if ((h >> 12) == 0xD) {
    const unsigned cond = (h >> 8) & 0xF;
    if (cond >= 0xE) {  // UDF, SVC
      d->cls = QB_SYS;
    } else {
      d->cls = QB_BRANCH;
      d->branch = kDirectConditional;
      d->target = pc + 4 + sign_extend((h & 0xFF) << 1, 9);
    }
  } else if ((h >> 11) == 0x1C) {  // B
    d->cls = QB_BRANCH;
    d->branch = kDirect;
    d->target = pc + 4 + sign_extend((h & 0x7FF) << 1, 12);
  } else {
    d->cls = QB_SYS;
  }
}

// The MVE pipe of a vector data-processing instruction. The multiply families are
// recognised by their encodings; everything else goes to the integer pipe.
static int mve_data_pipe(uint32_t h1, uint32_t h2) {
  if ((h1 & 0xEF00) == 0xEF00) {  // three-register vector forms
    const unsigned op = (h2 >> 8) & 0xF;
    return (op == 0x9 || op == 0xB) ? kPipeMul : kPipeInt;  // VMUL, VQ(R)DMULH
  }
  if ((h1 & 0xFF41) == 0xFE41 && (h2 & 0x0F01) == 0x0F01) return kPipeSys;  // VPT, VPST
  if ((h1 & 0x0080) == 0 && (h1 & 0x0030) != 0x0030 && (h2 & 0x0F50) == 0x0E40)
    return kPipeMul;  // VMLA, VMLAS, VMUL, VQ(R)DMULH with a scalar
  if ((h1 & 0x0080) == 0 && (h2 & 0x0F51) == 0x0E00) return kPipeMul;  // VMULL(B/T)
  if ((h1 & 0xEFF0) == 0xEEF0 && (h2 & 0x0E01) == 0x0E00) {
    const unsigned low = h1 & 0xF;
    if (low != 1 && low != 5 && low != 9) return kPipeMul;  // VMLADAV, VMLAV, VMLSDAV
  }
  if ((h1 & 0xEF81) == 0xEE80 && (h1 & 0x00F0) < 0x00E0 && (h2 & 0x0E41) == 0x0E00)
    return kPipeMul;  // VMLALDAV, VRMLALDAVH
  return kPipeInt;
}

static void decode_coprocessor(uint32_t h1, uint32_t h2, int mve, insn* d) {
  const unsigned coproc = (h2 >> 8) & 0xF;
  const int fp = (coproc & 0xE) == 0xA;
  const int vector = (coproc & 0xE) == 0xE;
  d->cls = QB_SYS;
  if ((h1 & 0xEF00) == 0xEF00) {
    if (mve) {
      d->pipe = mve_data_pipe(h1, h2);
    }
  } else if ((h1 & 0xEE00) == 0xEC00) {  // load/store space
    if (fp) {
      if ((h1 & 0x01E0) == 0x0040) {  // VMOV between two core registers and FP registers
        d->cls = QB_FP_MOV;
        d->src = d->dst = R((h2 >> 12) & 0xF) | R(h1 & 0xF);
      } else if ((h1 & 0x0120) == 0x0100) {  // VLDR, VSTR
        d->cls = QB_FP_LDST;
        d->addr = d->src = R(h1 & 0xF);
      } else {  // VLDM, VSTM, VPUSH, VPOP: one count per 32-bit word
        d->cls = QB_FP_LDM;
        d->nregs = h2 & 0xFF;
        d->addr = d->src = R(h1 & 0xF);
        if (h1 & 0x20) d->dst = R(h1 & 0xF);
      }
    } else if (mve && vector) {
      d->pipe = kPipeLoadStore;
      d->addr = d->src = R(h1 & 0xF);
    }
  } else if ((h1 & 0xEF00) == 0xEE00) {
    if (fp) {
      if (h2 & 0x10) {  // VMOV core <-> FP, VMRS, VMSR, VDUP, lane moves
        d->cls = QB_FP_MOV;
      } else {
        const unsigned opc = (h1 >> 4) & 0xB;
        if (opc == 0 || opc == 1 || opc == 9 || opc == 0xA) {
          d->cls = QB_FP_MAC;
        } else if (opc == 8 || (opc == 0xB && (h1 & 0xF) == 1 && (h2 & 0xC0) == 0xC0)) {
          d->cls = QB_FP_DIV;  // VDIV, VSQRT
        } else {
          d->cls = QB_FP_ALU;
        }
      }
    } else if (mve && vector) {
      d->pipe = mve_data_pipe(h1, h2);
    }
  }
  if (d->pipe != kPipeNone) {
    static const int kClass[] = {QB_SYS, QB_MVE_LS, QB_MVE_INT, QB_MVE_MUL, QB_MVE_SYS};
    d->cls = kClass[d->pipe];
  }
}

static void decode32(uint32_t h1, uint32_t h2, uint64_t pc, int mve, insn* d) {
  const unsigned op1 = (h1 >> 11) & 3;
  const unsigned rn = h1 & 0xF;
  d->cls = QB_ALU;
  if (op1 == 1) {
    if ((h1 & 0x0640) == 0x0000) {  // LDM, STM (PUSH.W, POP.W)
      const uint32_t list = h2 & 0xFFFF;
      d->nregs = (unsigned)__builtin_popcount(list);
      d->addr = R(rn);
      if (h1 & 0x10) {
        d->cls = QB_LDM;
        d->src = R(rn);
        d->loaded = list & ~R(15);
        d->dst = d->loaded;
        d->writes_pc = (list & R(15)) != 0;
      } else {
        d->cls = QB_STM;
        d->src = list | R(rn);
      }
      if (h1 & 0x20) d->dst |= R(rn);
    } else if ((h1 & 0x0640) == 0x0040) {  // dual, exclusive, table branch
      const unsigned a = (h1 >> 7) & 3, b = (h1 >> 4) & 3;
      const unsigned rt = (h2 >> 12) & 0xF, rt2 = (h2 >> 8) & 0xF;
      if (a == 1 && b == 1 && ((h2 >> 4) & 0xE) == 0) {  // TBB, TBH
        d->cls = QB_TBB;
        d->src = d->addr = R(rn) | R(h2 & 0xF);
        d->writes_pc = 1;
      } else if ((a & 2) || (b & 2)) {  // LDRD, STRD
        d->addr = R(rn);
        if (h1 & 0x10) {
          d->cls = QB_LDRD;
          d->src = R(rn);
          d->dst = d->loaded = R(rt) | R(rt2);
        } else {
          d->cls = QB_STRD;
          d->src = R(rn) | R(rt) | R(rt2);
        }
        if (h1 & 0x20) d->dst |= R(rn);
      } else {  // LDREX, STREX and the load-acquire/store-release forms
        load_or_store(d, (h1 >> 4) & 1, rt, R(rn));
      }
    } else if ((h1 & 0x0600) == 0x0200) {  // data processing, shifted register
      const unsigned op = (h1 >> 5) & 0xF, rd = (h2 >> 8) & 0xF, rm = h2 & 0xF;
      const unsigned type = (h2 >> 4) & 3, imm = (((h2 >> 12) & 7) << 2) | ((h2 >> 6) & 3);
      const int shifted = imm != 0 || type == 3;
      if (op == 6) {
        d->cls = QB_SIMD;  // PKHBT, PKHTB
      } else if (op == 2 && rn == 15) {
        d->cls = QB_ALU;  // MOV, and the shifts by an immediate (a shift, not an operand)
      } else if (shifted) {
        d->cls = type == 0 ? QB_ALU_SHIFT_LSL : QB_ALU_SHIFT_OTHER;
      }
      d->src = R(rm) | (rn == 15 ? 0 : R(rn));
      if (!(rd == 15 && (h1 & 0x10))) {
        d->dst = R(rd);
        if (rd == 15) d->writes_pc = 1;
      }
    } else {
      decode_coprocessor(h1, h2, mve, d);
    }
  } else if (op1 == 2) {
    if (!(h2 & 0x8000)) {  // data processing with an immediate
      const unsigned rd = (h2 >> 8) & 0xF;
      if (h1 & 0x0200) {  // plain binary immediate
        const unsigned op = (h1 >> 4) & 0x1F;
        if (op == 0x10 || op == 0x12 || op == 0x18 || op == 0x1A) d->cls = QB_SIMD;  // SSAT, USAT
        if (op == 0x04) {
          d->src = 0;  // MOVW
        } else if (op == 0x0C || op == 0x16) {
          d->src = R(rd) | (rn == 15 ? 0 : R(rn));  // MOVT, BFI, BFC
        } else {
          d->src = R(rn);
        }
        d->dst = R(rd);
      } else {
        d->src = rn == 15 ? 0 : R(rn);
        if (!(rd == 15 && (h1 & 0x10))) d->dst = R(rd);
      }
    } else {  // branches and miscellaneous control
      const unsigned kind = (h2 >> 12) & 5;
      const uint64_t s = (h1 >> 10) & 1, j1 = (h2 >> 13) & 1, j2 = (h2 >> 11) & 1;
      if (kind == 0) {
        if ((h1 & 0x0380) != 0x0380) {  // B<cond>.W
          d->cls = QB_BRANCH;
          d->branch = kDirectConditional;
          const uint64_t imm = (s << 20) | (j2 << 19) | (j1 << 18) | ((uint64_t)(h1 & 0x3F) << 12) |
                               ((uint64_t)(h2 & 0x7FF) << 1);
          d->target = pc + 4 + sign_extend(imm, 21);
        } else if ((h1 & 0xFFF0) == 0xF3A0 && (h2 & 0x07FF) < 0x0005) {
          d->cls = QB_NOP;  // NOP.W, YIELD.W, WFE.W, WFI.W, SEV.W
        } else {
          d->cls = QB_SYS;  // MSR, MRS, barriers, CLREX
        }
      } else if (kind == 1 || kind == 5) {  // B.W, BL
        const uint64_t i1 = !(j1 ^ s), i2 = !(j2 ^ s);
        const uint64_t imm = (s << 24) | (i1 << 23) | (i2 << 22) | ((uint64_t)(h1 & 0x3FF) << 12) |
                             ((uint64_t)(h2 & 0x7FF) << 1);
        d->cls = QB_BRANCH;
        d->branch = kDirect;
        d->target = pc + 4 + sign_extend(imm, 25);
        if (kind == 5) d->dst = R(14);
      } else if (h2 == 0xE801 && (h1 & 0xFFC0) == 0xF000) {  // VCTP
        d->cls = mve ? QB_MVE_SYS : QB_SYS;
        d->pipe = mve ? kPipeSys : kPipeNone;
        d->src = R(rn);
      } else if ((h2 & 0xD001) == 0xC001) {  // low-overhead loops (Armv8.1-M)
        d->cls = QB_LOB;
        const uint64_t imm = ((uint64_t)(h2 & 0x7FE)) | ((uint64_t)((h2 >> 11) & 1));
        if ((h1 & 0xFFCF) == 0xF00F && !(h2 & 0x2000)) {  // LE, LETP: back to the loop start
          d->branch = kDirectConditional;
          d->loop_end = 1;
          d->target = pc + 4 - imm;
          d->src = d->dst = R(14);
        } else if (h2 & 0x2000) {  // DLS, DLSTP, LCTP
          d->src = R(rn);
          d->dst = R(14);
        } else {  // WLS, WLSTP: skips the loop when the count is zero
          d->branch = kDirectConditional;
          d->target = pc + 4 + imm;
          d->src = R(rn);
          d->dst = R(14);
        }
      } else {
        d->cls = QB_SYS;
      }
    }
  } else {  // op1 == 3
    const unsigned rt = (h2 >> 12) & 0xF;
    if ((h1 & 0x0600) == 0x0000) {  // load/store single
      const int load = (h1 >> 4) & 1;
      uint32_t addr = R(rn);
      if (rn == 15) {
        addr = R(15);
      } else if (h1 & 0x80) {
        // 12-bit immediate
      } else if (h2 & 0x800) {
        d->writeback = (h2 >> 8) & 1;
      } else if ((h2 & 0xFC0) == 0) {
        addr |= R(h2 & 0xF);
        d->reg_offset_store = !load;
      }
      const unsigned size = (h1 >> 5) & 3;
      if (load && rt == 15 && size != 2) {
        d->cls = QB_LDR;  // PLD, PLI: a load slot, no destination
        d->single_ls = 1;
        d->src = d->addr = addr;
      } else {
        load_or_store(d, load, rt, addr);
      }
      if (d->writeback) d->dst |= R(rn);
    } else if ((h1 & 0x0700) == 0x0200) {  // data processing, register
      const unsigned a = (h1 >> 4) & 0xF, b = (h2 >> 4) & 0xF, rd = (h2 >> 8) & 0xF, rm = h2 & 0xF;
      d->dst = R(rd);
      d->src = R(rm) | (rn == 15 ? 0 : R(rn));
      if (!(a & 8) && b == 0) {
        d->cls = QB_ALU;  // LSL, LSR, ASR, ROR by a register
      } else if ((a & 0xC) == 8 && (b & 0xC) == 8) {
        const unsigned misc = a & 3;
        d->cls = (misc == 1 || misc == 3) ? QB_ALU : QB_SIMD;  // REV/RBIT, CLZ vs QADD, SEL
      } else {
        d->cls = QB_SIMD;  // extends, parallel add/subtract
      }
    } else if ((h1 & 0x0780) == 0x0300) {  // multiply, multiply-accumulate
      const unsigned a = (h1 >> 4) & 7, b = (h2 >> 4) & 3, rd = (h2 >> 8) & 0xF, rm = h2 & 0xF;
      d->dst = R(rd);
      d->src = R(rn) | R(rm);
      if (rt != 15) d->acc = R(rt);
      d->src |= d->acc;
      if (a == 0) {
        d->cls = b == 1 ? QB_MLA : (rt == 15 ? QB_MUL : QB_MLA);
      } else if (a == 7) {
        d->cls = QB_SIMD;  // USAD8, USADA8
      } else {
        d->cls = QB_DSP_MUL;
      }
    } else if ((h1 & 0x0780) == 0x0380) {  // long multiply, divide
      const unsigned a = (h1 >> 4) & 7, rdhi = (h2 >> 8) & 0xF, rm = h2 & 0xF;
      d->src = R(rn) | R(rm);
      if (a == 1 || a == 3) {
        d->cls = QB_DIV;
        d->dst = R(rdhi);
      } else {
        d->dst = R(rt) | R(rdhi);
        if (a == 0 || a == 2) {
          d->cls = QB_MULL;
        } else {
          d->cls = QB_MLAL;
          d->acc = d->dst;
          d->src |= d->acc;
        }
      }
    } else if (h1 & 0x0400) {
      decode_coprocessor(h1, h2, mve, d);
    } else {
      d->cls = QB_SYS;
    }
  }
}

// The instruction's length from its first halfword. QEMU's own size can be larger: near
// the end of a page it reads the next halfword ahead and reports it with this instruction.
static size_t thumb_length(const uint8_t* code) {
  const uint32_t h1 = (uint32_t)code[0] | ((uint32_t)code[1] << 8);
  return (h1 >> 11) >= 0x1D ? 4 : 2;
}

static void decode(const uint8_t* code, size_t size, uint64_t pc, int mve, insn* d) {
  memset(d, 0, sizeof *d);
  const uint32_t h1 = (uint32_t)code[0] | ((uint32_t)code[1] << 8);
  if (size >= 4 && thumb_length(code) == 4) {
    const uint32_t h2 = (uint32_t)code[2] | ((uint32_t)code[3] << 8);
    decode32(h1, h2, pc, mve, d);
  } else {
    decode16(h1, pc, d);
  }
}

// ---------------------------------------------------------------------------------------
// Pipeline rules inside one block

static int is_multiply(int cls) {
  return cls == QB_MUL || cls == QB_MLA || cls == QB_MULL || cls == QB_MLAL || cls == QB_DSP_MUL;
}

static int is_memory(const insn* d) {
  return d->single_ls || d->cls == QB_LDRD || d->cls == QB_STRD || d->cls == QB_LDM ||
         d->cls == QB_STM || d->cls == QB_FP_LDST || d->cls == QB_FP_LDM;
}

static int is_data_processing(const insn* d) {
  return d->cls == QB_ALU || d->cls == QB_ALU_SHIFT_LSL || d->cls == QB_ALU_SHIFT_OTHER ||
         d->cls == QB_SIMD || is_multiply(d->cls);
}

static int is_fp(int cls) {
  return cls == QB_FP_LDST || cls == QB_FP_MOV || cls == QB_FP_ALU || cls == QB_FP_MAC;
}

// Cortex-M7 pairing (after ARMScheduleM7.td): these issue alone; the SIMD/DSP group and
// a few others only from the first slot.
static int single_issue(const insn* d) {
  switch (d->cls) {
    case QB_DIV: case QB_LDM: case QB_STM: case QB_LDRD: case QB_STRD: case QB_TBB:
    case QB_SYS: case QB_FP_LDM: case QB_FP_DIV:
      return 1;
    default:
      return d->writes_pc;
  }
}

static int can_pair(const insn* first, const insn* second) {
  if (single_issue(first) || single_issue(second) || first->branch != kNotBranch) return 0;
  if (second->cls == QB_SIMD) return 0;  // slot 0 only
  if (first->dst & second->src) return 0;
  const int loads = (first->single_ls && first->cls == QB_LDR) + (second->single_ls && second->cls == QB_LDR);
  const int stores = (first->cls == QB_STR) + (second->cls == QB_STR);
  const int macs = is_multiply(first->cls) + is_multiply(second->cls);
  const int shifts = (first->cls == QB_ALU_SHIFT_LSL || first->cls == QB_ALU_SHIFT_OTHER) +
                     (second->cls == QB_ALU_SHIFT_LSL || second->cls == QB_ALU_SHIFT_OTHER);
  const int fps = is_fp(first->cls) + is_fp(second->cls);
  return loads <= 2 && stores <= 1 && macs <= 1 && shifts <= 1 && fps <= 1;
}

// The base cost of d: its class, plus the registers of a multiple transfer.
static uint32_t base_cost(const uint32_t* c, const insn* d) {
  uint32_t cost = c[d->cls];
  if (d->cls == QB_LDM || d->cls == QB_STM) cost += d->nregs * c[QB_LDM_PER_REG];
  if (d->cls == QB_FP_LDM) cost += d->nregs * c[QB_FP_LDM_PER_REG];
  return cost;
}

// d's cost (base cost `cost`) behind prev, which cost prev_cost and, with
// prev_second_of_pair, issued as the second of an M7 pair: the rules between neighbours.
static uint32_t behind(const uint32_t* c, const insn* prev, uint32_t prev_cost,
                       int prev_second_of_pair, const insn* d, uint32_t cost) {
  // A load or store right behind another one overlaps its address phase with the
  // previous data phase (M3/M4), except behind a register-offset store, with writeback,
  // into the PC, or when its address needs the previous load's data.
  if (c[QB_LOAD_PAIRING] && d->single_ls && !d->writes_pc && !d->writeback && prev->single_ls &&
      !prev->reg_offset_store && !(prev->loaded & d->addr)) {
    cost = c[QB_LDR_PIPELINED];
  }
  if (is_memory(d) && is_data_processing(prev) && (prev->dst & d->addr)) cost += c[QB_AGU_STALL];
  if (prev->loaded & d->src) cost += c[QB_LOAD_USE];
  if (is_multiply(prev->cls)) {
    const uint32_t reads = c[QB_MAC_ACC_FORWARD] ? d->src & ~d->acc : d->src;
    if (prev->dst & reads) cost += c[QB_MUL_USE];
  }
  // MVE: the first beat of an instruction overlaps the last beat of the previous one
  // when they use different pipes.
  if (d->pipe != kPipeNone && prev->pipe != kPipeNone && d->pipe != prev->pipe && cost > 1) {
    cost -= c[QB_MVE_OVERLAP];
  }
  if (c[QB_DUAL_ISSUE] && !prev_second_of_pair && cost == 1 && prev_cost == 1 &&
      can_pair(prev, d)) {
    cost = 0;
  }
  return cost;
}

static void keep_edge(qb_block_edge* e, const uint8_t* code, size_t size, uint64_t vaddr,
                      uint32_t cost, int paired) {
  memset(e->code, 0, sizeof e->code);
  memcpy(e->code, code, size < 4 ? size : 4);
  e->vaddr = vaddr;
  e->cost = cost;
  e->paired = paired;
}

void qb_cycle_model_block(const qb_cycle_model* model, size_t n, const uint8_t* const* code,
                          const size_t* size, const uint64_t* vaddr, uint32_t* costs,
                          qb_block_exit* exit, qb_block_edge* first) {
  const uint32_t* c = model->cost;
  const int mve = c[QB_MVE_LS] != 0;
  insn prev = {0};
  int have_prev = 0, prev_second_of_pair = 0;
  uint32_t prev_cost = 0;
  unsigned it_left = 0;
  exit->fall_through = n ? vaddr[n - 1] + thumb_length(code[n - 1]) : 0;
  exit->if_taken = exit->if_not_taken = 0;
  exit->straight_on = 0;
  memset(first, 0, sizeof *first);
  for (size_t i = 0; i < n; ++i) {
    insn d;
    decode(code[i], size[i], vaddr[i], mve, &d);
    const int conditional = it_left > 0;
    if (it_left > 0) --it_left;
    if (d.cls == QB_IT) it_left = d.it_count;

    uint32_t cost = base_cost(c, &d);
    if (have_prev) cost = behind(c, &prev, prev_cost, prev_second_of_pair, &d, cost);
    prev_second_of_pair = have_prev && cost == 0 && c[d.cls] != 0;
    if (i == 0) keep_edge(first, code[0], size[0], vaddr[0], cost, 0);
    if (i == 1 && prev_second_of_pair) first->paired = 1;
    const uint32_t rule_cost = cost;

    // Branches: unconditional ones pay their refill here; a conditional one (the last
    // instruction of its block) leaves the choice to the next block's start address.
    const int decided_at_run_time =
        (d.branch == kDirectConditional || (conditional && (d.branch == kDirect || d.writes_pc))) &&
        i + 1 == n;
    if (decided_at_run_time) {
      const uint32_t refill = d.writes_pc ? c[QB_INDIRECT_PENALTY] : c[QB_TAKEN_PENALTY];
      if (d.loop_end) {
        // LE: the loop start is held by the low-overhead-loop logic, no refill either way.
      } else if (c[QB_PREDICT] && d.branch != kNotBranch) {
        // Static prediction, backward taken and forward not taken; a wrong guess pays.
        if (d.target < vaddr[i]) {
          exit->if_not_taken = c[QB_MISPREDICT_PENALTY];
        } else {
          exit->if_taken = c[QB_MISPREDICT_PENALTY];
        }
      } else {
        exit->if_taken = refill;
      }
    } else if (d.branch == kDirect) {
      cost += c[QB_TAKEN_PENALTY];
    } else if (d.writes_pc) {
      cost += c[QB_INDIRECT_PENALTY];
    }
    if (i + 1 == n && !decided_at_run_time && d.branch == kNotBranch && !d.writes_pc &&
        !d.loop_end && it_left == 0) {
      exit->straight_on = 1;
      keep_edge(&exit->last, code[i], size[i], vaddr[i], rule_cost, prev_second_of_pair);
    }
    costs[i] = cost;
    prev = d;
    prev_cost = cost;
    have_prev = 1;
  }
}

int32_t qb_cycle_model_carry(const qb_cycle_model* model, const qb_block_edge* last,
                             const qb_block_edge* first) {
  const uint32_t* c = model->cost;
  const int mve = c[QB_MVE_LS] != 0;
  insn prev, d;
  decode(last->code, 4, last->vaddr, mve, &prev);
  decode(first->code, 4, first->vaddr, mve, &d);
  const uint32_t alone = base_cost(c, &d);
  uint32_t cost = behind(c, &prev, last->cost, last->paired, &d, alone);
  // Pairing is greedy within a block: an instruction that already issues with the next
  // one does not also pair with the previous block's last.
  if (cost == 0 && alone != 0 && first->paired) cost = alone;
  return (int32_t)cost - (int32_t)first->cost;
}
