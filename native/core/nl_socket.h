// SPDX-License-Identifier: GPL-2.0-or-later
// A netlink socket that sends a batch of requests pipelined (one sendmsg per
// chunk) and matches every reply back to its request by sequence number.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "error.h"
#include "nl_ack.h"
#include "unique_fd.h"

namespace cnm {

struct TransactOptions {
  int recv_timeout_ms = 30000;  // a reply that does not come fails the rest with ETIMEDOUT
  int dump_retries = 5;         // bounded retries of a dump the kernel marked inconsistent
};

class NlSocket {
 public:
  // Opens a socket of the given protocol (NETLINK_ROUTE, NETLINK_NETFILTER) in
  // the calling thread's network namespace; it stays bound there for its life.
  static Result<std::unique_ptr<NlSocket>> open(int protocol);

  // Sends every request and collects one reply per request. Not atomic:
  // each request succeeds or fails on its own. One batch at a time per
  // socket: concurrent callers queue on the socket's mutex.
  std::vector<NlReply> transact(std::vector<NlRequest>& requests, const TransactOptions& options = {});

  // Sends begin, every message, end — one atomic nfnetlink batch — in one
  // sendmsg. Only the last message asks for an ack: the kernel acks every
  // failing message anyway, and delivers all acks together at the end, so
  // the last ack closes the batch. Resolves with an error per message
  // (nullopt where the kernel had nothing to say) or a transport error.
  using BatchOutcome = NlBatchOutcome;
  BatchOutcome transact_batch(std::vector<std::vector<uint8_t>>& messages, const std::vector<uint8_t>& begin,
                              const std::vector<uint8_t>& end, const TransactOptions& options = {});

  int protocol() const { return protocol_; }
  uint32_t port_id() const { return port_id_; }

 private:
  NlSocket(unique_fd fd, int protocol, uint32_t port_id);
  void run_chunk(std::vector<NlRequest>& requests, size_t begin, size_t end, std::vector<NlReply>& replies,
                 const TransactOptions& options);
  void run_dump(NlRequest& request, NlReply& reply, const TransactOptions& options);
  Status ensure_send_buffer(size_t bytes);
  // Receives one datagram into buf_. With grow, a datagram larger than the
  // buffer is peeked first and the buffer grown (dumps); without, it costs
  // one syscall and a datagram too large for 64 KiB is an error (acks and
  // single replies never are).
  Result<size_t> receive(int timeout_ms, bool grow);
  Status set_receive_timeout(int timeout_ms);

  unique_fd fd_;
  int protocol_;
  uint32_t port_id_;
  uint32_t next_seq_ = 1;
  size_t send_buffer_ = 0;
  int receive_timeout_ms_ = -1;
  std::vector<uint8_t> buf_;
  std::mutex mutex_;
};

}  // namespace cnm
