// SPDX-License-Identifier: GPL-2.0-or-later
// JS nftables ops (lib/kernel/nft-ops.ts) -> built messages, validated
// before anything is sent.
#pragma once

#include <string>
#include <vector>

#include "op_tree.h"

namespace cnm {

struct EncodedNftOp {
  std::string op;                              // "rule.add", ...
  std::string object;                          // "inet cnm forward", for errors
  std::vector<std::vector<uint8_t>> messages;  // usually one; element lists may need several
};

// Validates and builds every op of the array ops; throws InvalidOp before anything is sent.
std::vector<EncodedNftOp> encode_nft_ops(const OpTree& tree, OpNode ops);

}  // namespace cnm
