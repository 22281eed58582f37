// The marker bodies must survive optimization as real calls: `noipa` keeps GCC from
// proving them side-effect free (and dropping or moving the calls), `used` keeps the
// symbols the plugin looks up, and the empty asm with a memory clobber stops the
// compiler from moving layer work across a marker.
#include "targets/runner/markers.h"

#define QB_MARKER __attribute__((noipa, used))

QB_MARKER void qb_marker_layer_begin(uint32_t layer) {
  (void)layer;
  __asm__ volatile("" ::: "memory");
}

QB_MARKER void qb_marker_layer_end(uint32_t layer) {
  (void)layer;
  __asm__ volatile("" ::: "memory");
}

QB_MARKER void qb_marker_inference_begin(void) { __asm__ volatile("" ::: "memory"); }

QB_MARKER void qb_marker_inference_end(void) { __asm__ volatile("" ::: "memory"); }
