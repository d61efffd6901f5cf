// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzz target: the nftables op readers and builders (glue/nft_ops.cc,
// core/nft_build.cc, core/nft_values.cc) as nftBatch and nftEncode run them.
// The input is the ops array written as JSON (common/json_op_tree.h). Bad
// input must end in InvalidOp and nothing else; good input must build
// well-formed messages, which the dump parsers then read back.
#include "../../native/glue/nft_ops.h"

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>

#include "../../native/core/nft_parse.h"
#include "../common/json_op_tree.h"
#include "../common/nl_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cnm::fuzz::JsonOpTree tree;
  auto root = tree.parse(data, size);
  if (!root || !tree.is_array(*root)) return 0;  // the glue refuses a non-array before reading
  std::vector<cnm::EncodedNftOp> ops;
  try {
    ops = cnm::encode_nft_ops(tree, *root);
  } catch (const cnm::InvalidOp& e) {
    if (e.index < 0 || static_cast<uint32_t>(e.index) >= tree.length(*root) || e.why.empty())
      cnm::fuzz::violated("an InvalidOp that names no op or gives no reason");
    return 0;
  }
  if (ops.size() != tree.length(*root)) cnm::fuzz::violated("not one result per op");
  for (const cnm::EncodedNftOp& op : ops) {
    if (op.messages.empty()) cnm::fuzz::violated("an op built no message");
    for (const std::vector<uint8_t>& msg : op.messages) {
      cnm::fuzz::check_message(msg, sizeof(nfgenmsg));
      nlmsghdr nlh;
      std::memcpy(&nlh, msg.data(), sizeof nlh);
      switch (NFNL_MSG_TYPE(nlh.nlmsg_type)) {
        case NFT_MSG_NEWTABLE: {
          cnm::NftTableInfo t;
          if (!cnm::nft_parse_table(msg, t)) cnm::fuzz::violated("a table we built does not parse");
          break;
        }
        case NFT_MSG_NEWCHAIN: {
          cnm::NftChainInfo c;
          if (!cnm::nft_parse_chain(msg, c)) cnm::fuzz::violated("a chain we built does not parse");
          break;
        }
        case NFT_MSG_NEWRULE: {
          cnm::NftRuleInfo r;
          if (!cnm::nft_parse_rule(msg, r)) cnm::fuzz::violated("a rule we built does not parse");
          break;
        }
        case NFT_MSG_NEWSET: {
          cnm::NftSetInfo s;
          if (!cnm::nft_parse_set(msg, s)) cnm::fuzz::violated("a set we built does not parse");
          break;
        }
        case NFT_MSG_NEWSETELEM: {
          std::vector<cnm::NftElementInfo> els;
          if (!cnm::nft_parse_elements(msg, els)) cnm::fuzz::violated("elements we built do not parse");
          break;
        }
        default:
          break;
      }
    }
  }
  return 0;
}
