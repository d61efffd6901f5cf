// SPDX-License-Identifier: GPL-2.0-or-later
// The pure half of a netlink transaction: what the datagrams the kernel
// sends back mean for the requests waiting on them — acks and extended acks,
// dump parts, the end of a dump, nfnetlink batch verdicts. No I/O: NlSocket
// receives, these read, and the fuzz targets feed them datagrams directly.
#pragma once

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "error.h"

namespace cnm {

struct NlRequest {
  std::vector<uint8_t> bytes;  // one complete message; seq and pid are filled in by transact
  bool dump = false;           // NLM_F_DUMP: ends with NLMSG_DONE, sent alone, retried on NLM_F_DUMP_INTR
};

struct NlReply {
  Status error;                                // the kernel's verdict on this request
  std::vector<std::vector<uint8_t>> messages;  // reply messages (whole, header included), in order
};

// The verdicts on one atomic nfnetlink batch.
struct NlBatchOutcome {
  Status transport;                 // sending or receiving failed: state unknown, the batch was atomic
  std::vector<Status> per_message;  // the kernel's verdicts
};

// Reads an NLMSG_ERROR or NLMSG_DONE message into an error (nullopt when the
// error code is 0). request is the message that was sent, used to name the
// attribute an extended-ack offset points at.
Status parse_ack(const uint8_t* msg, size_t len, const std::vector<uint8_t>* request);

// Calls fn(nlmsghdr*) for every whole message of one received datagram, in
// order, until fn returns false. Not NLMSG_OK/NLMSG_NEXT: a last message
// whose length is not a multiple of 4 makes NLMSG_NEXT wrap the remaining
// length around and walk on past the datagram.
template <typename Fn>
void for_each_message(uint8_t* buf, size_t len, Fn&& fn) {
  size_t off = 0;
  while (len - off >= NLMSG_HDRLEN) {
    auto* nlh = reinterpret_cast<nlmsghdr*>(buf + off);
    if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len - off) return;
    if (!fn(nlh)) return;
    off += NLMSG_ALIGN(nlh->nlmsg_len);
    if (off > len) return;
  }
}

// The replies to one pipelined chunk: requests[begin, end) were sent with
// sequence numbers first_seq, first_seq + 1, ... and each gets one ack.
class ChunkReplies {
 public:
  ChunkReplies(uint32_t port_id, uint32_t first_seq, const std::vector<NlRequest>& requests, size_t begin,
               size_t end, std::vector<NlReply>& replies);
  void feed(uint8_t* datagram, size_t len);
  // Receiving failed: every request still waiting gets the error.
  void fail_waiting(const Error& e);
  bool done() const { return outstanding_ == 0; }

 private:
  uint32_t port_id_, first_seq_;
  const std::vector<NlRequest>& requests_;
  size_t begin_;
  std::vector<NlReply>& replies_;
  std::vector<bool> acked_;
  size_t outstanding_;
};

// The parts of one dump (sent with seq), up to its NLMSG_DONE or error.
class DumpReplies {
 public:
  DumpReplies(uint32_t port_id, uint32_t seq, const std::vector<uint8_t>& request, NlReply& reply);
  void feed(uint8_t* datagram, size_t len);
  bool finished() const { return finished_; }
  bool interrupted() const { return interrupted_; }  // NLM_F_DUMP_INTR: retry it

 private:
  uint32_t port_id_, seq_;
  const std::vector<uint8_t>& request_;
  NlReply& reply_;
  bool finished_ = false, interrupted_ = false;
};

// The acks of one nfnetlink batch: BEGIN was begin_seq, the messages
// begin_seq + 1 .. last_seq; the ack of the last one closes the batch.
class BatchReplies {
 public:
  BatchReplies(uint32_t port_id, uint32_t begin_seq, uint32_t last_seq,
               const std::vector<std::vector<uint8_t>>& messages, NlBatchOutcome& out);
  void feed(uint8_t* datagram, size_t len);
  bool finished() const { return finished_; }

 private:
  uint32_t port_id_, begin_seq_, last_seq_;
  const std::vector<std::vector<uint8_t>>& messages_;
  NlBatchOutcome& out_;
  bool finished_ = false;
};

}  // namespace cnm
