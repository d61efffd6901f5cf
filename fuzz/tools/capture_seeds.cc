// SPDX-License-Identifier: GPL-2.0-or-later
// Captures what the kernel really sends back — dumps of links, addresses,
// routes, neighbours and FDB entries, nftables tables, chains, rules, sets
// and elements, and the acks (extended ones too) of pipelined requests and
// of nfnetlink batches — and writes them as seed inputs of the fuzz targets:
//   OUT/rtnl_reply/*  one rtnetlink message each
//   OUT/nft_dump/*    one nftables message each
//   OUT/nl_attr/*     the attributes of one message
//   OUT/nl_ack/*      a whole exchange in nl_ack's framing (see targets/nl_ack.cc)
// Run by scripts/fuzz-seed.sh inside a private namespace it has populated.
// Plain sockets, not NlSocket: the point is the raw datagrams.
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "../../native/core/nft_build.h"
#include "../../native/core/nft_parse.h"
#include "../../native/core/nl_message.h"
#include "../../native/core/rtnl_addr.h"
#include "../../native/core/rtnl_link.h"
#include "../../native/core/rtnl_neigh.h"
#include "../../native/core/rtnl_route.h"
#include "../../native/core/unique_fd.h"

namespace {

using Bytes = std::vector<uint8_t>;

std::string out_dir;
int written = 0;

void write_file(const std::string& target, const std::string& name, const Bytes& bytes) {
  std::string dir = out_dir + "/" + target;
  ::mkdir(dir.c_str(), 0755);
  std::ofstream(dir + "/" + name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ++written;
}

struct Socket {
  cnm::unique_fd fd;
  uint32_t pid = 0;
  uint32_t seq = 1000;
};

Socket open_socket(int protocol, bool capped) {
  Socket s;
  s.fd = cnm::unique_fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
  int one = 1;
  setsockopt(s.fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  if (capped) setsockopt(s.fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  if (protocol == NETLINK_ROUTE)
    setsockopt(s.fd.get(), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  if (::bind(s.fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::perror("bind");
  socklen_t len = sizeof addr;
  getsockname(s.fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  s.pid = addr.nl_pid;
  timeval tv{2, 0};
  setsockopt(s.fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return s;
}

// Stamps and sends messages in one sendmsg; returns the first sequence number.
uint32_t send_all(Socket& s, std::vector<Bytes>& messages, uint16_t extra_flags) {
  uint32_t first = s.seq;
  std::vector<iovec> iov;
  for (Bytes& m : messages) {
    auto* nlh = reinterpret_cast<nlmsghdr*>(m.data());
    nlh->nlmsg_seq = s.seq++;
    nlh->nlmsg_pid = s.pid;
    nlh->nlmsg_flags |= NLM_F_REQUEST | extra_flags;
    iov.push_back({m.data(), m.size()});
  }
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  msghdr msg{};
  msg.msg_name = &kernel;
  msg.msg_namelen = sizeof kernel;
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  if (::sendmsg(s.fd.get(), &msg, 0) < 0) std::perror("sendmsg");
  return first;
}

// Receives datagrams until done(datagram) says so or nothing more comes.
template <typename Done>
std::vector<Bytes> receive(Socket& s, Done&& done) {
  std::vector<Bytes> out;
  Bytes buf(1 << 20);
  for (;;) {
    ssize_t n = ::recv(s.fd.get(), buf.data(), buf.size(), 0);
    if (n <= 0) break;
    out.emplace_back(buf.begin(), buf.begin() + n);
    if (done(out.back())) break;
  }
  return out;
}

// Every message of a datagram.
std::vector<Bytes> split(const Bytes& datagram) {
  std::vector<Bytes> out;
  size_t off = 0;
  while (datagram.size() - off >= NLMSG_HDRLEN) {
    nlmsghdr nlh;
    std::memcpy(&nlh, datagram.data() + off, sizeof nlh);
    if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > datagram.size() - off) break;
    out.emplace_back(datagram.begin() + off, datagram.begin() + off + nlh.nlmsg_len);
    off += NLMSG_ALIGN(nlh.nlmsg_len);
  }
  return out;
}

bool has_type(const Bytes& datagram, uint16_t a, uint16_t b) {
  for (const Bytes& m : split(datagram)) {
    uint16_t type = reinterpret_cast<const nlmsghdr*>(m.data())->nlmsg_type;
    if (type == a || type == b) return true;
  }
  return false;
}

// nl_ack's framing: mode, first seq, port id, count, then length-prefixed datagrams.
Bytes frame(uint8_t mode, uint32_t first_seq, uint32_t pid, uint8_t count,
            const std::vector<Bytes>& datagrams) {
  Bytes out{mode};
  for (uint32_t v : {first_seq, pid})
    out.insert(out.end(), reinterpret_cast<uint8_t*>(&v), reinterpret_cast<uint8_t*>(&v) + 4);
  out.push_back(static_cast<uint8_t>(count - 1));
  for (const Bytes& d : datagrams) {
    size_t len = d.size() > 0xffff ? 0xffff : d.size();
    out.push_back(static_cast<uint8_t>(len & 0xff));
    out.push_back(static_cast<uint8_t>(len >> 8));
    out.insert(out.end(), d.begin(), d.begin() + static_cast<long>(len));
  }
  return out;
}

// One dump: its messages to reply_target (and their attributes to nl_attr), the exchange to nl_ack.
std::vector<Bytes> dump(Socket& s, Bytes request, const std::string& name, const char* reply_target,
                        size_t header_len, size_t keep = 12) {
  std::vector<Bytes> one{std::move(request)};
  uint32_t seq = send_all(s, one, NLM_F_DUMP);
  auto datagrams = receive(s, [](const Bytes& d) { return has_type(d, NLMSG_DONE, NLMSG_ERROR); });
  write_file("nl_ack", "dump-" + name, frame(1, seq, s.pid, 1, datagrams));
  std::vector<Bytes> messages;
  for (const Bytes& d : datagrams)
    for (Bytes& m : split(d))
      if (reinterpret_cast<const nlmsghdr*>(m.data())->nlmsg_type >= NLMSG_MIN_TYPE)
        messages.push_back(std::move(m));
  for (size_t i = 0; i < messages.size() && i < keep; ++i) {
    write_file(reply_target, name + "-" + std::to_string(i), messages[i]);
    size_t attrs = NLMSG_HDRLEN + NLMSG_ALIGN(header_len);
    if (i < 3 && messages[i].size() > attrs)
      write_file("nl_attr", name + "-" + std::to_string(i),
                 Bytes(messages[i].begin() + static_cast<long>(attrs), messages[i].end()));
  }
  return messages;
}

// Pipelined requests, some of which fail, each acked: the exchange to nl_ack.
void chunk(Socket& s, std::vector<Bytes> requests, const std::string& name) {
  size_t count = requests.size();
  uint32_t first = send_all(s, requests, NLM_F_ACK);
  size_t acks = 0;
  auto datagrams = receive(s, [&](const Bytes& d) {
    for (const Bytes& m : split(d))
      if (reinterpret_cast<const nlmsghdr*>(m.data())->nlmsg_type == NLMSG_ERROR) ++acks;
    return acks >= count;
  });
  write_file("nl_ack", "chunk-" + name, frame(0, first, s.pid, static_cast<uint8_t>(count), datagrams));
  for (size_t i = 0; i < datagrams.size() && i < 4; ++i)
    for (const Bytes& m : split(datagrams[i]))
      if (reinterpret_cast<const nlmsghdr*>(m.data())->nlmsg_type == NLMSG_ERROR)
        write_file("nl_ack", "ack-" + name + "-" + std::to_string(i), frame(0, first, s.pid, 1, {m}));
}

// An nfnetlink batch: begin, messages, end in one sendmsg; the acks to nl_ack.
void batch(Socket& s, std::vector<Bytes> messages, const std::string& name) {
  std::vector<Bytes> all;
  all.push_back(cnm::nft_batch_begin());
  for (Bytes& m : messages) all.push_back(std::move(m));
  all.push_back(cnm::nft_batch_end());
  // Only the last message asks for an ack, as NlSocket::transact_batch does.
  reinterpret_cast<nlmsghdr*>(all[all.size() - 2].data())->nlmsg_flags |= NLM_F_ACK;
  uint32_t begin = send_all(s, all, 0);
  uint32_t last = begin + static_cast<uint32_t>(all.size()) - 2;
  auto datagrams = receive(s, [&](const Bytes& d) {
    for (const Bytes& m : split(d)) {
      auto* nlh = reinterpret_cast<const nlmsghdr*>(m.data());
      if (nlh->nlmsg_type == NLMSG_ERROR && (nlh->nlmsg_seq == last || nlh->nlmsg_seq == begin)) return true;
    }
    return false;
  });
  write_file("nl_ack", "batch-" + name,
             frame(2, begin, s.pid, static_cast<uint8_t>(all.size() - 2), datagrams));
}

cnm::NlMessage link_set_mtu(int32_t index, uint32_t mtu) {
  cnm::LinkSet op;
  op.dev.index = index;
  op.attrs.mtu = mtu;
  return cnm::encode_link_set(op);
}

void capture_rtnl(bool capped) {
  Socket s = open_socket(NETLINK_ROUTE, capped);
  const std::string tag = capped ? "" : "-uncapped";
  if (capped) {
    dump(s, cnm::encode_link_dump({}).bytes(), "links", "rtnl_reply", sizeof(ifinfomsg));
    dump(s, cnm::encode_addr_dump({}).bytes(), "addrs", "rtnl_reply", sizeof(ifaddrmsg));
    dump(s, cnm::encode_route_dump({AF_INET, std::nullopt}).bytes(), "routes4", "rtnl_reply", sizeof(rtmsg));
    dump(s, cnm::encode_route_dump({AF_INET6, std::nullopt}).bytes(), "routes6", "rtnl_reply", sizeof(rtmsg));
    dump(s, cnm::encode_neigh_dump({AF_INET, 0, std::nullopt}).bytes(), "neigh4", "rtnl_reply",
         sizeof(ndmsg));
    dump(s, cnm::encode_neigh_dump({AF_INET6, 0, std::nullopt}).bytes(), "neigh6", "rtnl_reply",
         sizeof(ndmsg));
    dump(s, cnm::encode_neigh_dump({AF_BRIDGE, 0, std::nullopt}).bytes(), "fdb", "rtnl_reply", sizeof(ndmsg));
  }
  // A pipelined chunk: a lookup that answers, one that fails, a change that
  // succeeds, a change the kernel refuses with an extended ack.
  std::vector<Bytes> requests;
  requests.push_back(cnm::encode_link_get({1, ""}).bytes());
  requests.push_back(cnm::encode_link_get({0, "nosuchlink"}).bytes());
  requests.push_back(link_set_mtu(1, 65536).bytes());
  requests.push_back(link_set_mtu(1, 10).bytes());
  cnm::LinkAdd bad;
  bad.kind = cnm::LinkKind::vxlan;
  bad.attrs.name = "vxbad";
  bad.vxlan.vni = 7;
  requests.push_back(cnm::encode_link_add(bad).bytes());  // no underlay, no remote: refused with a reason
  cnm::AddrSpec addr;
  addr.index = 999;
  addr.local = {*cnm::parse_ip("10.99.0.1"), 24};
  requests.push_back(cnm::encode_addr(RTM_NEWADDR, addr).bytes());
  chunk(s, std::move(requests), "rtnl" + tag);
}

void capture_nft(bool capped) {
  Socket s = open_socket(NETLINK_NETFILTER, capped);
  const std::string tag = capped ? "" : "-uncapped";
  if (capped) {
    dump(s, cnm::nft_dump_request(cnm::NftDumpKind::tables, 0, "", "").bytes, "tables", "nft_dump",
         sizeof(nfgenmsg));
    dump(s, cnm::nft_dump_request(cnm::NftDumpKind::chains, 0, "", "").bytes, "chains", "nft_dump",
         sizeof(nfgenmsg));
    dump(s, cnm::nft_dump_request(cnm::NftDumpKind::rules, 0, "", "").bytes, "rules", "nft_dump",
         sizeof(nfgenmsg), 20);
    auto sets = dump(s, cnm::nft_dump_request(cnm::NftDumpKind::sets, 0, "", "").bytes, "sets", "nft_dump",
                     sizeof(nfgenmsg));
    int n = 0;
    for (const Bytes& m : sets) {
      cnm::NftSetInfo info;
      if (!cnm::nft_parse_set(m, info) || n >= 32) continue;
      dump(s, cnm::nft_dump_request(cnm::NftDumpKind::elements, info.family, info.table, info.name).bytes,
           "elements-" + info.name, "nft_dump", sizeof(nfgenmsg), 3);
      ++n;
    }
  }
  std::string why;
  cnm::NftTableOp table;
  table.name = "seedtable";
  table.family = 1;
  std::vector<Bytes> ok;
  ok.push_back(cnm::nft_build(table, why)->bytes);
  batch(s, std::move(ok), "ok" + tag);
  cnm::NftRuleOp rule;
  rule.family = 1;
  rule.table = "seedtable";
  rule.chain = "nosuchchain";
  cnm::NftStatement counter;
  rule.statements.push_back(counter);
  std::vector<Bytes> failing;
  failing.push_back(cnm::nft_build(table, why)->bytes);
  failing.push_back(cnm::nft_build(rule, why)->bytes);
  batch(s, std::move(failing), "refused" + tag);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: capture_seeds OUT_DIR\n");
    return 2;
  }
  out_dir = argv[1];
  ::mkdir(out_dir.c_str(), 0755);
  capture_rtnl(true);
  capture_rtnl(false);
  capture_nft(true);
  capture_nft(false);
  std::printf("capture_seeds: wrote %d files under %s\n", written, out_dir.c_str());
  return 0;
}
