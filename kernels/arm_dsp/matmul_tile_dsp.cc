// The tile core (matmul_tile_dsp.h): the per-channel-pair weight table, and the loop over
// the tile's column pairs as assembly, for the reasons matmul_dsp.cc gives (the block
// loop and the requantization need every register, and GCC spills around them).
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include "kernels/arm_dsp/matmul_tile_dsp.h"

#include <cstddef>

#include "kernels/arm_dsp/dsp_asm.h"

namespace qb::kernels::dsp {
namespace {

// The state of the assembly loop for one channel pair: what it reads per column pair.
struct TileJob {
  ChannelQuant q[2];         // the pair's entries, loaded by one LDM
  int32_t bias[2];           // the pair's folded bias
  const int32_t* table;      // the pair's weight table
  const int32_t* cols;       // the tile's first column pair
  const int32_t* cols_end;   // past its last whole pair
  int8_t* out;               // column A's output at the pair's first channel; advanced
  int32_t out_stride;        // bytes between the outputs of two columns
  const int32_t* table_end;  // past the table's last (padding) block
  uint32_t act_min4, act_max4;
  int32_t half_pass;         // nonzero: the blocks (even) are 2 mod 4, the first pass runs 2
};
static_assert(sizeof(ChannelQuant) == 12 && offsetof(TileJob, bias) == 24 &&
              offsetof(TileJob, table) == 32 && offsetof(TileJob, cols) == 36 &&
              offsetof(TileJob, cols_end) == 40 && offsetof(TileJob, out) == 44 &&
              offsetof(TileJob, out_stride) == 48 && offsetof(TileJob, table_end) == 52 &&
              offsetof(TileJob, act_min4) == 56 && offsetof(TileJob, half_pass) == 64,
              "the assembly below addresses TileJob by these offsets");

extern "C" {
void qb_dsp_matmul_tile(TileJob* job);
void qb_dsp_matmul_tile_clamped(TileJob* job);
void qb_dsp_matmul_tile_ties_up(TileJob* job);
void qb_dsp_matmul_tile_ties_up_clamped(TileJob* job);
}

// Register use: r0-r3 accumulators (A ch0, A ch1, B ch0, B ch1), r4 the column pointer
// (running on through the tile), r5 the table pointer, r8-r11 one block of the column
// pair, r6 / r7 / r12 / lr one block of the two rows' weights. The table's end is at
// [sp], the job at [sp, #8]. After the blocks r5, r7-r9, r11 and lr hold the two
// channels' {multiplier, round, right_shift}.
//
// The weights of a block are one LDM of four words where that is the cheaper load
// (Armv7E-M: Cortex-M4 takes 1 + N cycles for it, against 3 for each LDRD), and two
// LDRD on Armv8-M Mainline (Cortex-M33, whose LDRD takes 2 cycles and LDM 1 + N). No
// SMLAD reads the accumulator the one before it wrote: Cortex-M33 would wait a cycle.
#if defined(__ARM_ARCH_8M_MAIN__)
#define QB_TILE_WEIGHTS "ldrd r6, r7, [r5], #16\n\tldrd r12, lr, [r5, #-8]\n\t"
#else
#define QB_TILE_WEIGHTS "ldm r5!, {r6, r7, r12, lr}\n\t"
#endif
#define QB_TILE_BLOCK                    \
  "ldm r4!, {r8, r9, r10, r11}\n\t"      \
  QB_TILE_WEIGHTS                        \
  "smlad r0, r8, r6, r0\n\t"             \
  "smlad r2, r10, r6, r2\n\t"            \
  "smlad r0, r9, r7, r0\n\t"             \
  "smlad r2, r11, r7, r2\n\t"            \
  "smlad r1, r8, r12, r1\n\t"            \
  "smlad r3, r10, r12, r3\n\t"           \
  "smlad r1, r9, lr, r1\n\t"             \
  "smlad r3, r11, lr, r3\n\t"

// Four blocks a loop pass (the pass's end test costs three instructions); with 2 mod 4
// blocks the first pass enters at its third block.
#define QB_TILE_BODY(NAME, REQ, CLAMP)             \
  QB_DSP_ASM_BEGIN(NAME)                           \
  "mov r12, r0\n\t"                               \
  "ldr r1, [r12, #52]\n\t"                        \
  "sub sp, sp, #8\n\t"                            \
  "str r1, [sp]\n\t"                              \
  "ldr r4, [r12, #36]\n"                          \
  "1:\n\t"                                         \
  "ldrd r0, r1, [r12, #24]\n\t"                    \
  "mov r2, r0\n\t"                                 \
  "mov r3, r1\n\t"                                 \
  "ldr r5, [r12, #32]\n\t"                         \
  "ldr r6, [r12, #64]\n\t"                         \
  "cbnz r6, 3f\n"                                  \
  "2:\n\t"                                         \
  QB_TILE_BLOCK                                    \
  QB_TILE_BLOCK                                    \
  "3:\n\t"                                         \
  QB_TILE_BLOCK                                    \
  QB_TILE_BLOCK                                    \
  "ldr r6, [sp]\n\t"                               \
  "cmp r5, r6\n\t"                                 \
  "bne 2b\n\t"                                     \
  "ldr r12, [sp, #8]\n\t"                          \
  "ldm r12, {r5, r7, r8, r9, r11, lr}\n\t"         \
  QB_DSP_REQUANT_2X2(REQ, "r5", "r7", "r8", "r9", "r11", "lr") \
  CLAMP                                            \
  "ldrd r5, r7, [r12, #44]\n\t"                    \
  "strh r0, [r5]\n\t"                              \
  "strh r2, [r5, r7]\n\t"                          \
  "add r5, r5, r7, lsl #1\n\t"                     \
  "str r5, [r12, #44]\n\t"                         \
  "ldr r7, [r12, #40]\n\t"                         \
  "cmp r4, r7\n\t"                                 \
  "bne 1b\n\t"                                     \
  "add sp, sp, #8\n\t"                             \
  QB_DSP_ASM_RETURN                                \
  QB_DSP_ASM_SIZE(NAME)

#define QB_TILE_CLAMP                   \
  "ldrd r5, r7, [r12, #56]\n\t"         \
  QB_DSP_CLAMP_BYTES("r0", "r5", "r7")  \
  QB_DSP_CLAMP_BYTES("r2", "r5", "r7")

// With the exact tie step, and with ties rounded up where the activation floor hides
// them (ties_visible is false: one instruction fewer an output), each plain and clamped.
__asm__(QB_TILE_BODY("qb_dsp_matmul_tile", QB_DSP_REQUANT, "")
        QB_TILE_BODY("qb_dsp_matmul_tile_clamped", QB_DSP_REQUANT, QB_TILE_CLAMP)
        QB_TILE_BODY("qb_dsp_matmul_tile_ties_up", QB_DSP_REQUANT_TIES_UP, "")
        QB_TILE_BODY("qb_dsp_matmul_tile_ties_up_clamped", QB_DSP_REQUANT_TIES_UP,
                     QB_TILE_CLAMP));

// Sign-extends n >= 1 blocks of the two rows r0, r1 into the table at d, per block {r0
// even, r0 odd, r1 even, r1 odd}, two blocks per loop pass (four LDR, eight SXTB16, one
// STM of eight words: 7.5 instructions a block); returns the end. Assembly for the STM,
// whose registers must be named in order.
extern "C" int32_t* qb_dsp_extend_row_pair(int32_t* d, const int8_t* r0, const int8_t* r1,
                                           int32_t n);
__asm__(
    ".text\n\t"
    ".syntax unified\n\t"
    ".thumb\n\t"
    ".p2align 2\n\t"
    ".global qb_dsp_extend_row_pair\n\t"
    ".thumb_func\n\t"
    ".type qb_dsp_extend_row_pair, %function\n"
    "qb_dsp_extend_row_pair:\n\t"
    "push {r4-r11}\n\t"
    "lsrs r3, r3, #1\n\t"
    "bcc 2f\n\t"
    "ldr r4, [r1], #4\n\t"
    "ldr r6, [r2], #4\n\t"
    "sxtb16 r5, r4, ror #8\n\t"
    "sxtb16 r4, r4\n\t"
    "sxtb16 r7, r6, ror #8\n\t"
    "sxtb16 r6, r6\n\t"
    "stm r0!, {r4-r7}\n"
    "2:\n\t"
    "cbz r3, 3f\n"
    "1:\n\t"
    "ldr r4, [r1], #4\n\t"
    "ldr r6, [r2], #4\n\t"
    "ldr r8, [r1], #4\n\t"
    "ldr r10, [r2], #4\n\t"
    "sxtb16 r5, r4, ror #8\n\t"
    "sxtb16 r4, r4\n\t"
    "sxtb16 r7, r6, ror #8\n\t"
    "sxtb16 r6, r6\n\t"
    "sxtb16 r9, r8, ror #8\n\t"
    "sxtb16 r8, r8\n\t"
    "sxtb16 r11, r10, ror #8\n\t"
    "sxtb16 r10, r10\n\t"
    "stm r0!, {r4-r11}\n\t"
    "subs r3, r3, #1\n\t"
    "bne 1b\n"
    "3:\n\t"
    "pop {r4-r11}\n\t"
    "bx lr\n\t"
    ".size qb_dsp_extend_row_pair, . - qb_dsp_extend_row_pair\n\t");

// The weight table of the channel pair whose rows start at w (row length s.k): full
// blocks, then the tail block from each row's last four bytes (the padding blocks after
// them are zeroed once per tile).
void build_pair_table(int32_t* table, const int8_t* w, const MatmulShape& s) {
  int32_t* d = qb_dsp_extend_row_pair(table, w, w + s.k, s.full_blocks);
  if (s.tail_back != 0) {
    const uint32_t x0 = load_u32(w + s.k - 4), x1 = load_u32(w + 2 * s.k - 4);
    d[0] = sxtb16_even(x0);
    d[1] = sxtb16_odd(x0);
    d[2] = sxtb16_even(x1);
    d[3] = sxtb16_odd(x1);
  }
}

}  // namespace

void matmul_tile(const int32_t* tile, int32_t columns, const MatmulShape& s,
                 const int8_t* filter, const int32_t* folded_bias, const ChannelQuant* quant,
                 int32_t channels, const OutputQuant& o, int8_t* out, int32_t out_stride,
                 int32_t* pair_table) {
  const int32_t pw = pair_words(s.k);
  const int32_t pairs = columns >> 1;
  constexpr QuantKind kFolded = QuantKind::kFolded;
  if (pairs > 0) {
    TileJob job;
    job.table = pair_table;
    job.cols = tile;
    job.cols_end = tile + pairs * pw;
    job.out_stride = out_stride;
    job.table_end = pair_table + pw;
    job.half_pass = tile_blocks_of(s.k) & 2;
    job.act_min4 = o.act_min4;
    job.act_max4 = o.act_max4;
    void (*const loop)(TileJob*) = loop_for_stage<void (*)(TileJob*)>(
        o, qb_dsp_matmul_tile, qb_dsp_matmul_tile_clamped, qb_dsp_matmul_tile_ties_up,
        qb_dsp_matmul_tile_ties_up_clamped);
    for (int32_t* d = pair_table + 4 * blocks_of(s.k); d != job.table_end; ++d) *d = 0;
    int32_t oc = 0;
    for (; oc + 2 <= channels; oc += 2) {
      build_pair_table(pair_table, filter + oc * s.k, s);
      job.q[0] = quant[oc];
      job.q[1] = quant[oc + 1];
      job.bias[0] = folded_bias[oc];
      job.bias[1] = folded_bias[oc + 1];
      job.out = out + oc;
      loop(&job);
    }
    if (oc < channels) {
      for (int32_t p = 0; p < pairs; ++p) {
        int8_t* out_a = out + 2 * p * out_stride + oc;
        matmul_last_channel(kFolded, tile + p * pw, s, filter + oc * s.k,
                            folded_bias[oc], quant[oc], o, out_a, out_a + out_stride);
      }
    }
  }
  if ((columns & 1) != 0) {
    matmul_2cols(kFolded, tile + pairs * pw, s, filter, folded_bias, quant, channels, o,
                 out + 2 * pairs * out_stride, nullptr);
  }
}

}  // namespace qb::kernels::dsp
#endif
