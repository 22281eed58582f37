// Layer and inference boundaries, as seen by the QEMU instruction-count plugin: it is
// given these functions' addresses (from the image's symbol table) and snapshots its
// instruction counter whenever one of them starts executing. The names are the contract
// with the harness (harness/targets/runner_protocol.h lists them in the same order).
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void qb_marker_layer_begin(uint32_t layer);
void qb_marker_layer_end(uint32_t layer);
void qb_marker_inference_begin(void);
void qb_marker_inference_end(void);

#ifdef __cplusplus
}
#endif
