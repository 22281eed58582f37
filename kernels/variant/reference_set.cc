// The reference kernels (kernels/int8) behind the KernelSet table. They take neither
// the folded bias nor scratch: they are the plain definition the variants are checked
// against.
#include "kernels/int8/add.h"
#include "kernels/int8/conv2d.h"
#include "kernels/int8/dense.h"
#include "kernels/int8/pooling.h"
#include "kernels/variant/kernel_set.h"

namespace qb::kernels {

void ref::conv2d(const ConvArgs& a) {
  kernels::conv2d(a.params, a.requant, a.input_shape, a.input, a.filter_shape, a.filter, a.bias,
         a.output_shape, a.output);
}
void ref::depthwise_conv2d(const ConvArgs& a) {
  kernels::depthwise_conv2d(a.params, a.requant, a.input_shape, a.input, a.filter_shape, a.filter, a.bias,
                   a.output_shape, a.output);
}
void ref::pointwise_conv2d(const ConvArgs& a) {
  kernels::pointwise_conv2d(a.params, a.requant, a.input_shape, a.input, a.filter_shape, a.filter, a.bias,
                   a.output_shape, a.output);
}
void ref::dense(const DenseArgs& a) {
  kernels::dense(a.params, a.requant, a.batches, a.in_features, a.out_features, a.input, a.filter, a.bias,
        a.output);
}

namespace {

constexpr KernelSet kReference{"reference",         ref::conv2d,       ref::depthwise_conv2d,
                               ref::pointwise_conv2d, ref::dense,        add,
                               max_pool2d,           avg_pool2d,        global_avg_pool2d};

}  // namespace

const KernelSet& reference_kernels() { return kReference; }

}  // namespace qb::kernels
