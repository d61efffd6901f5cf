// SPDX-License-Identifier: GPL-2.0-or-later
// JS nftables ops (lib/kernel/nft-ops.ts) -> built messages, validated
// before anything is sent.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

namespace cnm {

struct EncodedNftOp {
  std::string op;                              // "rule.add", ...
  std::string object;                          // "inet cnm forward", for errors
  std::vector<std::vector<uint8_t>> messages;  // usually one; element lists may need several
};

std::vector<EncodedNftOp> encode_nft_ops(Napi::Env env, Napi::Array ops);

}  // namespace cnm
