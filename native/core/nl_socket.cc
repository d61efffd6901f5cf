// SPDX-License-Identifier: GPL-2.0-or-later
#include "nl_socket.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "nl_message.h"

namespace cnm {

namespace {

constexpr size_t kMaxChunkMessages = 1024;       // UIO_MAXIOV: one iovec per message
constexpr size_t kMaxChunkBytes = 1 << 20;       // keeps one skb allocation reasonable
constexpr int kReceiveBuffer = 8 << 20;          // room for a whole chunk of acks
constexpr size_t kInitialReadBuffer = 64 << 10;  // above the kernel's 32 KiB dump skbs

void set_flag(int fd, int option) {
  int one = 1;
  // Older kernels lack some options; each only improves error reporting.
  (void)setsockopt(fd, SOL_NETLINK, option, &one, sizeof one);
}

void set_buffer(int fd, int force_option, int option, int bytes) {
  // The FORCE variants ignore rmem_max/wmem_max but need CAP_NET_ADMIN.
  if (setsockopt(fd, SOL_SOCKET, force_option, &bytes, sizeof bytes) != 0)
    (void)setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes);
}

}  // namespace

Result<std::unique_ptr<NlSocket>> NlSocket::open(int protocol) {
  unique_fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
  if (!fd.valid()) return sys_error(errno, "socket");
  set_flag(fd.get(), NETLINK_EXT_ACK);
  set_flag(fd.get(), NETLINK_CAP_ACK);
  if (protocol == NETLINK_ROUTE) set_flag(fd.get(), NETLINK_GET_STRICT_CHK);
  set_buffer(fd.get(), SO_RCVBUFFORCE, SO_RCVBUF, kReceiveBuffer);
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return sys_error(errno, "bind");
  socklen_t addr_len = sizeof addr;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0)
    return sys_error(errno, "getsockname");
  return std::unique_ptr<NlSocket>(new NlSocket(std::move(fd), protocol, addr.nl_pid));
}

NlSocket::NlSocket(unique_fd fd, int protocol, uint32_t port_id)
    : fd_(std::move(fd)), protocol_(protocol), port_id_(port_id) {}

Status NlSocket::ensure_send_buffer(size_t bytes) {
  // netlink_sendmsg refuses a message larger than sk_sndbuf - 32 with EMSGSIZE.
  size_t wanted = bytes + 4096;
  if (wanted <= send_buffer_) return std::nullopt;
  int size = static_cast<int>(wanted < (256u << 10) ? (256u << 10) : wanted);
  set_buffer(fd_.get(), SO_SNDBUFFORCE, SO_SNDBUF, size);
  int actual = 0;
  socklen_t len = sizeof actual;
  if (getsockopt(fd_.get(), SOL_SOCKET, SO_SNDBUF, &actual, &len) != 0) return sys_error(errno, "getsockopt");
  // The kernel doubles the value it is given; what it reports is usable.
  send_buffer_ = static_cast<size_t>(actual);
  if (send_buffer_ < wanted)
    return sys_error(EMSGSIZE, "setsockopt",
                     "batch larger than the socket send buffer (needs CAP_NET_ADMIN to raise)");
  return std::nullopt;
}

Status NlSocket::set_receive_timeout(int timeout_ms) {
  if (timeout_ms == receive_timeout_ms_) return std::nullopt;
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  if (setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
    return sys_error(errno, "setsockopt");
  receive_timeout_ms_ = timeout_ms;
  return std::nullopt;
}

Result<size_t> NlSocket::receive(int timeout_ms, bool grow) {
  if (buf_.size() < kInitialReadBuffer) buf_.resize(kInitialReadBuffer);
  if (Status s = set_receive_timeout(timeout_ms)) return *s;
  for (;;) {
    sockaddr_nl from{};
    iovec iov{buf_.data(), buf_.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t n;
    if (grow) {
      // Peek with MSG_TRUNC: a datagram larger than the buffer is not lost,
      // the buffer grows and the read is repeated.
      n = ::recvmsg(fd_.get(), &msg, MSG_PEEK | MSG_TRUNC);
      if (n >= 0 && static_cast<size_t>(n) > buf_.size()) {
        buf_.resize(static_cast<size_t>(n));
        continue;
      }
      if (n >= 0) n = ::recvmsg(fd_.get(), &msg, 0);
    } else {
      n = ::recvmsg(fd_.get(), &msg, MSG_TRUNC);
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return sys_error(ETIMEDOUT, "recvmsg", "no reply from the kernel in time");
    if (n < 0) return sys_error(errno, "recvmsg");
    if (static_cast<size_t>(n) > buf_.size())
      return sys_error(EMSGSIZE, "recvmsg", "a reply was larger than the receive buffer");
    if (from.nl_pid != 0) continue;  // only the kernel answers us
    return static_cast<size_t>(n);
  }
}

std::vector<NlReply> NlSocket::transact(std::vector<NlRequest>& requests, const TransactOptions& options) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<NlReply> replies(requests.size());
  size_t i = 0;
  while (i < requests.size()) {
    if (requests[i].dump) {
      run_dump(requests[i], replies[i], options);
      ++i;
      continue;
    }
    size_t end = i, bytes = 0;
    while (end < requests.size() && !requests[end].dump && end - i < kMaxChunkMessages &&
           (end == i || bytes + requests[end].bytes.size() <= kMaxChunkBytes)) {
      bytes += requests[end].bytes.size();
      ++end;
    }
    run_chunk(requests, i, end, replies, options);
    i = end;
  }
  return replies;
}

void NlSocket::run_chunk(std::vector<NlRequest>& requests, size_t begin, size_t end,
                         std::vector<NlReply>& replies, const TransactOptions& options) {
  const uint32_t first_seq = next_seq_;
  std::vector<iovec> iov;
  iov.reserve(end - begin);
  size_t bytes = 0;
  for (size_t i = begin; i < end; ++i) {
    auto* nlh = reinterpret_cast<nlmsghdr*>(requests[i].bytes.data());
    nlh->nlmsg_seq = next_seq_++;
    nlh->nlmsg_pid = port_id_;
    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    iov.push_back({requests[i].bytes.data(), requests[i].bytes.size()});
    bytes += requests[i].bytes.size();
  }
  auto fail_open = [&](const Error& e) {
    for (size_t i = begin; i < end; ++i)
      if (!replies[i].error && replies[i].messages.empty()) replies[i].error = e;
  };
  if (Status s = ensure_send_buffer(bytes)) return fail_open(*s);

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  msghdr msg{};
  msg.msg_name = &kernel;
  msg.msg_namelen = sizeof kernel;
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  ssize_t sent;
  do {
    sent = ::sendmsg(fd_.get(), &msg, 0);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return fail_open(sys_error(errno, "sendmsg"));

  ChunkReplies chunk(port_id_, first_seq, requests, begin, end, replies);
  while (!chunk.done()) {
    Result<size_t> got = receive(options.recv_timeout_ms, false);
    if (!got.ok()) return chunk.fail_waiting(got.error());
    chunk.feed(buf_.data(), got.value());
  }
}

void NlSocket::run_dump(NlRequest& request, NlReply& reply, const TransactOptions& options) {
  for (int attempt = 0; attempt <= options.dump_retries; ++attempt) {
    reply = NlReply{};
    auto* req = reinterpret_cast<nlmsghdr*>(request.bytes.data());
    const uint32_t seq = next_seq_++;
    req->nlmsg_seq = seq;
    req->nlmsg_pid = port_id_;
    req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
    if (Status s = ensure_send_buffer(request.bytes.size())) {
      reply.error = s;
      return;
    }
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t sent;
    do {
      sent = ::sendto(fd_.get(), request.bytes.data(), request.bytes.size(), 0,
                      reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
      reply.error = sys_error(errno, "sendto");
      return;
    }
    DumpReplies dump(port_id_, seq, request.bytes, reply);
    while (!dump.finished()) {
      Result<size_t> got = receive(options.recv_timeout_ms, true);
      if (!got.ok()) {
        reply.error = got.error();
        return;
      }
      dump.feed(buf_.data(), got.value());
    }
    if (!dump.interrupted() || reply.error) return;
  }
  reply.messages.clear();
  reply.error = sys_error(EINTR, "recvmsg", "dump kept changing under us (NLM_F_DUMP_INTR); gave up");
}

NlSocket::BatchOutcome NlSocket::transact_batch(std::vector<std::vector<uint8_t>>& messages,
                                                const std::vector<uint8_t>& begin_in,
                                                const std::vector<uint8_t>& end_in,
                                                const TransactOptions& options) {
  std::lock_guard<std::mutex> lock(mutex_);
  BatchOutcome out;
  out.per_message.resize(messages.size());
  if (messages.empty()) return out;
  std::vector<uint8_t> begin = begin_in, end = end_in;
  const uint32_t begin_seq = next_seq_++;
  auto stamp = [&](std::vector<uint8_t>& m, uint32_t seq, bool ack) {
    auto* nlh = reinterpret_cast<nlmsghdr*>(m.data());
    nlh->nlmsg_seq = seq;
    nlh->nlmsg_pid = port_id_;
    nlh->nlmsg_flags |= NLM_F_REQUEST;
    if (ack) nlh->nlmsg_flags |= NLM_F_ACK;
  };
  stamp(begin, begin_seq, false);
  std::vector<iovec> iov;
  iov.reserve(messages.size() + 2);
  iov.push_back({begin.data(), begin.size()});
  size_t bytes = begin.size() + end.size();
  for (size_t i = 0; i < messages.size(); ++i) {
    stamp(messages[i], next_seq_++, i + 1 == messages.size());
    iov.push_back({messages[i].data(), messages[i].size()});
    bytes += messages[i].size();
  }
  const uint32_t last_seq = next_seq_ - 1;
  stamp(end, next_seq_++, false);
  iov.push_back({end.data(), end.size()});
  if (Status s = ensure_send_buffer(bytes)) {
    out.transport = s;
    return out;
  }
  // One sendmsg: nfnetlink only treats messages of one skb as one transaction.
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  msghdr msg{};
  msg.msg_name = &kernel;
  msg.msg_namelen = sizeof kernel;
  ssize_t sent;
  // UIO_MAXIOV is 1,024: a larger batch is copied into one buffer first.
  std::vector<uint8_t> flat;
  if (iov.size() > kMaxChunkMessages) {
    flat.reserve(bytes);
    for (const iovec& v : iov)
      flat.insert(flat.end(), static_cast<uint8_t*>(v.iov_base),
                  static_cast<uint8_t*>(v.iov_base) + v.iov_len);
    iovec one{flat.data(), flat.size()};
    msg.msg_iov = &one;
    msg.msg_iovlen = 1;
    do {
      sent = ::sendmsg(fd_.get(), &msg, 0);
    } while (sent < 0 && errno == EINTR);
  } else {
    msg.msg_iov = iov.data();
    msg.msg_iovlen = iov.size();
    do {
      sent = ::sendmsg(fd_.get(), &msg, 0);
    } while (sent < 0 && errno == EINTR);
  }
  if (sent < 0) {
    out.transport = sys_error(errno, "sendmsg");
    return out;
  }
  BatchReplies acks(port_id_, begin_seq, last_seq, messages, out);
  while (!acks.finished()) {
    Result<size_t> got = receive(options.recv_timeout_ms, false);
    if (!got.ok()) {
      out.transport = got.error();
      return out;
    }
    acks.feed(buf_.data(), got.value());
  }
  return out;
}

}  // namespace cnm
