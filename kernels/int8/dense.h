// Int8 fully connected layer.
#pragma once

#include "kernels/int8/tensor.h"

namespace qb::kernels {

// input: [batches, in_features]; filter: [out_features, in_features]; bias: [out_features];
// output: [batches, out_features]. requant holds one entry, or out_features entries when
// params.per_channel.
void dense(const DenseParams& params, ChannelRequant requant, int32_t batches,
           int32_t in_features, int32_t out_features, const int8_t* input,
           const int8_t* filter, const int32_t* bias, int8_t* output);

}  // namespace qb::kernels
