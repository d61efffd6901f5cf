// SPDX-License-Identifier: GPL-2.0-or-later
#include "nl_check.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace cnm::fuzz {

namespace {

void check_attrs(const uint8_t* data, size_t len, const std::vector<uint16_t>& nests, int depth) {
  size_t off = 0;
  while (off < len) {
    if (len - off < NLA_HDRLEN) violated("attribute header cut short");
    nlattr nla;
    std::memcpy(&nla, data + off, sizeof nla);
    if (nla.nla_len < NLA_HDRLEN) violated("attribute length below its header");
    if (nla.nla_len > len - off) violated("attribute longer than what holds it (16-bit length overflow?)");
    uint16_t type = nla.nla_type & NLA_TYPE_MASK;
    bool nested = (nla.nla_type & NLA_F_NESTED) != 0;
    for (uint16_t t : nests) nested = nested || (depth == 0 && t == type);
    if (nested) check_attrs(data + off + NLA_HDRLEN, nla.nla_len - NLA_HDRLEN, nests, depth + 1);
    off += NLA_ALIGN(nla.nla_len);
  }
  if (off != len) violated("attributes do not end where their container does");
}

}  // namespace

void violated(const char* what) {
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}

void check_message(const std::vector<uint8_t>& bytes, size_t header_len, const std::vector<uint16_t>& nests) {
  if (bytes.size() < NLMSG_HDRLEN) violated("message shorter than nlmsghdr");
  nlmsghdr nlh;
  std::memcpy(&nlh, bytes.data(), sizeof nlh);
  if (nlh.nlmsg_len != bytes.size()) violated("nlmsg_len is not the message's size");
  if (bytes.size() % NLMSG_ALIGNTO != 0) violated("message size not aligned");
  size_t attrs = NLMSG_HDRLEN + NLMSG_ALIGN(header_len);
  if (attrs > bytes.size()) violated("family header cut short");
  check_attrs(bytes.data() + attrs, bytes.size() - attrs, nests, 0);
}

size_t rtnl_header_len(uint16_t type) {
  switch (type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
    case RTM_GETLINK:
      return sizeof(ifinfomsg);
    case RTM_NEWADDR:
    case RTM_DELADDR:
    case RTM_GETADDR:
      return sizeof(ifaddrmsg);
    case RTM_NEWROUTE:
    case RTM_DELROUTE:
    case RTM_GETROUTE:
      return sizeof(rtmsg);
    case RTM_NEWNEIGH:
    case RTM_DELNEIGH:
    case RTM_GETNEIGH:
      return sizeof(ndmsg);
    default:
      violated("an rtnetlink message of an unexpected type");
  }
}

std::vector<uint8_t> exact_copy(const uint8_t* data, size_t size) {
  return std::vector<uint8_t>(data, data + size);
}

}  // namespace cnm::fuzz
