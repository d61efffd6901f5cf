// SPDX-License-Identifier: GPL-2.0-or-later
// JS rtnetlink ops (lib/kernel/ops.ts) -> encoded netlink requests.
#pragma once

#include <string>
#include <vector>

#include "../core/netns.h"
#include "../core/nl_socket.h"
#include "op_reader.h"
#include "op_tree.h"

namespace cnm {

enum class ReplyShape { none, link, links, addrs, routes, neighs };

struct EncodedOp {
  NlRequest request;
  ReplyShape shape = ReplyShape::none;
  std::string op;                          // "link.add", ...
  std::string object;                      // what it names, for error messages
  std::vector<NetnsPtr> keep;              // namespaces whose fds the message carries
  std::vector<NlMessage::FdFixup> fixups;  // fds of namespaces the sequence creates first
};

// Validates and encodes every op of the array ops; throws InvalidOp before
// anything is sent. pending: namespaces a sequence creates before these ops run.
std::vector<EncodedOp> encode_rtnl_ops(const OpTree& tree, OpNode ops, const PendingNetns* pending = nullptr);

}  // namespace cnm
