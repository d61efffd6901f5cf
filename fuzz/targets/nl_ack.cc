// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzz target: acks, extended acks and dumps (core/nl_ack.*): what NlSocket
// makes of the datagrams the kernel sends back, without the socket.
//
// Input: a 10-byte frame, then datagrams, each a little-endian u16 length
// and that many bytes.
//   byte 0     what is waiting: 0 a pipelined chunk, 1 a dump, 2 an nfnetlink batch
//   bytes 1-4  the first sequence number (little endian)
//   bytes 5-8  our port id (little endian)
//   byte 9     how many requests (1-8)
// The requests are link.set messages with attributes, so extended-ack
// offsets point into something. Every datagram also goes to parse_ack on
// its own, and a dump's parts to every reply parser, as rtnlBatch does.
#include "../../native/core/nl_ack.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <cstring>
#include <vector>

#include "../../native/core/nft_parse.h"
#include "../../native/core/rtnl_addr.h"
#include "../../native/core/rtnl_link.h"
#include "../../native/core/rtnl_neigh.h"
#include "../../native/core/rtnl_route.h"
#include "../common/nl_check.h"

namespace {

uint32_t le32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

std::vector<uint8_t> request(uint32_t i) {
  cnm::LinkSet op;
  op.dev.index = static_cast<int32_t>(i + 1);
  op.attrs.mtu = 1400 + i;
  op.attrs.up = true;
  op.addr_gen_mode = 1;
  return cnm::encode_link_set(op).bytes();
}

void parse_everything(const std::vector<uint8_t>& msg) {
  cnm::LinkInfo link;
  cnm::parse_link(msg, link);
  cnm::AddrInfo addr;
  cnm::parse_addr(msg, addr);
  cnm::RouteInfo route;
  cnm::parse_route(msg, route);
  cnm::NeighInfo neigh;
  cnm::parse_neigh(msg, neigh);
  cnm::NftTableInfo table;
  cnm::nft_parse_table(msg, table);
  cnm::NftRuleInfo rule;
  cnm::nft_parse_rule(msg, rule);
  std::vector<cnm::NftElementInfo> elements;
  cnm::nft_parse_elements(msg, elements);
}

// A reply message must be whole: what the parsers get is exactly one message.
void check_whole(const std::vector<std::vector<uint8_t>>& messages) {
  for (const auto& m : messages) {
    nlmsghdr nlh;
    if (m.size() < sizeof nlh) cnm::fuzz::violated("a reply message shorter than its header");
    std::memcpy(&nlh, m.data(), sizeof nlh);
    if (nlh.nlmsg_len != m.size()) cnm::fuzz::violated("a reply message is not nlmsg_len bytes");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 10) return 0;
  const uint8_t mode = data[0] % 3;
  const uint32_t first_seq = le32(data + 1), port_id = le32(data + 5);
  const uint32_t count = data[9] % 8 + 1;
  std::vector<std::vector<uint8_t>> datagrams;
  for (size_t off = 10; off + 2 <= size;) {
    size_t len = data[off] | (data[off + 1] << 8);
    off += 2;
    if (len > size - off) len = size - off;
    datagrams.push_back(cnm::fuzz::exact_copy(data + off, len));
    off += len;
  }

  std::vector<cnm::NlRequest> requests(count);
  std::vector<std::vector<uint8_t>> messages(count);
  for (uint32_t i = 0; i < count; ++i) requests[i].bytes = messages[i] = request(i);

  for (auto& d : datagrams) (void)cnm::parse_ack(d.data(), d.size(), &requests[0].bytes);

  if (mode == 0) {
    std::vector<cnm::NlReply> replies(count);
    cnm::ChunkReplies chunk(port_id, first_seq, requests, 0, count, replies);
    for (size_t i = 0; i < datagrams.size() && !chunk.done(); ++i)
      chunk.feed(datagrams[i].data(), datagrams[i].size());
    if (!chunk.done()) chunk.fail_waiting(cnm::sys_error(ETIMEDOUT, "recvmsg"));
    for (const auto& r : replies) check_whole(r.messages);
  } else if (mode == 1) {
    cnm::NlReply reply;
    cnm::DumpReplies dump(port_id, first_seq, requests[0].bytes, reply);
    for (size_t i = 0; i < datagrams.size() && !dump.finished(); ++i)
      dump.feed(datagrams[i].data(), datagrams[i].size());
    check_whole(reply.messages);
    for (const auto& m : reply.messages) parse_everything(m);
  } else {
    cnm::NlBatchOutcome out;
    out.per_message.resize(count);
    cnm::BatchReplies acks(port_id, first_seq, first_seq + count, messages, out);
    for (size_t i = 0; i < datagrams.size() && !acks.finished(); ++i)
      acks.feed(datagrams[i].data(), datagrams[i].size());
  }
  return 0;
}
