// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzz target: the rtnetlink op readers (glue/op_reader.*, glue/rtnl_ops.cc)
// as rtnlBatch, rtnlSequence and rtnlEncode run them. The input is the ops
// array written as JSON (common/json_op_tree.h). Bad input must end in
// InvalidOp and nothing else; good input must encode to well-formed
// messages, which the reply parsers then read back.
#include "../../native/glue/rtnl_ops.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <cstring>

#include "../../native/core/rtnl_addr.h"
#include "../../native/core/rtnl_link.h"
#include "../../native/core/rtnl_neigh.h"
#include "../../native/core/rtnl_route.h"
#include "../common/json_op_tree.h"
#include "../common/nl_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cnm::fuzz::JsonOpTree tree;
  auto root = tree.parse(data, size);
  if (!root || !tree.is_array(*root)) return 0;  // the glue refuses a non-array before reading
  std::vector<cnm::EncodedOp> ops;
  try {
    ops = cnm::encode_rtnl_ops(tree, *root, &tree.pending());
  } catch (const cnm::InvalidOp& e) {
    if (e.index < 0 || static_cast<uint32_t>(e.index) >= tree.length(*root) || e.why.empty())
      cnm::fuzz::violated("an InvalidOp that names no op or gives no reason");
    return 0;
  }
  if (ops.size() != tree.length(*root)) cnm::fuzz::violated("not one encoding per op");
  for (const cnm::EncodedOp& op : ops) {
    const std::vector<uint8_t>& bytes = op.request.bytes;
    if (bytes.size() < NLMSG_HDRLEN) cnm::fuzz::violated("an op encoded to less than a header");
    nlmsghdr nlh;
    std::memcpy(&nlh, bytes.data(), sizeof nlh);
    cnm::fuzz::check_message(bytes, cnm::fuzz::rtnl_header_len(nlh.nlmsg_type),
                             {IFLA_LINKINFO, IFLA_AF_SPEC});
    for (const auto& f : op.fixups)
      if (f.offset + 4 > bytes.size() || f.slot < 0 || f.slot >= 4)
        cnm::fuzz::violated("a namespace fixup outside its message");
    // What we would send reads back through the parsers of what we receive.
    cnm::LinkInfo link;
    cnm::parse_link(bytes, link);
    cnm::AddrInfo addr;
    cnm::parse_addr(bytes, addr);
    cnm::RouteInfo route;
    cnm::parse_route(bytes, route);
    cnm::NeighInfo neigh;
    cnm::parse_neigh(bytes, neigh);
  }
  return 0;
}
