// From a validated Suite to the executable Graph: inputs resolved to nodes, relu layers
// fused, shapes inferred, "same" padding resolved, weights and biases generated.
#pragma once

#include <string>

#include "harness/suite/graph.h"
#include "harness/suite/suite.h"

namespace qb::harness {

// Throws InputError (naming suite.file and the layer's JSON path) for anything the loader
// could not check without shapes: unknown or later inputs, layers whose output nothing
// uses, relu layers that cannot be fused, kernels larger than their padded input, add
// inputs of different shapes, tensors or filters past limits.h, values generators of the
// wrong size, and labels that are not a class index of the output.
//
// Relu/relu6 layer L following layer P is folded into P's activation when P is not the
// model input, L is P's only user, P's op takes an activation (everything but pad and
// sigmoid) and P's activation is none or already the same. Later references to L's name
// mean P's node.
//
// "same" padding follows TFLite: out = ceil(in / stride), total = max((out - 1) * stride
// + k - in, 0), top/left = total / 2, bottom/right = the rest.
Graph build_graph(const Suite& suite);

// "[1,8,8,8]"
std::string shape_string(const kernels::Shape& shape);

}  // namespace qb::harness
