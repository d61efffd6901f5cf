// SPDX-License-Identifier: GPL-2.0-or-later
#include "rtnl_addr.h"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace cnm {

NlMessage encode_addr(uint16_t type, const AddrSpec& spec) {
  uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
  if (type == RTM_NEWADDR) flags |= NLM_F_CREATE | NLM_F_EXCL;
  NlMessage m(type, flags);
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<uint8_t>(spec.local.addr.family);
  ifa.ifa_prefixlen = spec.local.len;
  ifa.ifa_scope = spec.scope;
  ifa.ifa_index = static_cast<uint32_t>(spec.index);
  // As iproute2 does: flags that fit go in the header, the rest in IFA_FLAGS.
  if (spec.flags <= 0xff) ifa.ifa_flags = static_cast<uint8_t>(spec.flags);
  m.put_header(ifa);
  const size_t n = spec.local.addr.size();
  m.put(IFA_LOCAL, spec.local.addr.bytes.data(), n);
  const IpAddr& address = spec.peer ? *spec.peer : spec.local.addr;
  m.put(IFA_ADDRESS, address.bytes.data(), n);
  if (spec.broadcast) m.put(IFA_BROADCAST, spec.broadcast->bytes.data(), 4);
  if (spec.label) m.put_string(IFA_LABEL, *spec.label);
  if (spec.flags > 0xff) m.put_u32(IFA_FLAGS, spec.flags);
  return m;
}

NlMessage encode_addr_dump(const AddrDumpFilter& filter) {
  NlMessage m(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<uint8_t>(filter.family);
  ifa.ifa_index = static_cast<uint32_t>(filter.index);  // honoured with NETLINK_GET_STRICT_CHK
  m.put_header(ifa);
  return m;
}

bool parse_addr(const std::vector<uint8_t>& msg, AddrInfo& out) {
  auto m = view_message(msg, sizeof(ifaddrmsg));
  if (!m || m->type != RTM_NEWADDR) return false;
  ifaddrmsg ifa;
  std::memcpy(&ifa, m->family, sizeof ifa);
  out.family = ifa.ifa_family;
  out.index = static_cast<int32_t>(ifa.ifa_index);
  out.prefixlen = ifa.ifa_prefixlen;
  out.scope = ifa.ifa_scope;
  out.flags = ifa.ifa_flags;
  for_each_attr(m->attrs, m->attrs_len, [&](const Attr& a) {
    switch (a.type) {
      case IFA_ADDRESS:
        out.address = format_ip(out.family, a.data, a.len);
        break;
      case IFA_LOCAL:
        out.local = format_ip(out.family, a.data, a.len);
        break;
      case IFA_BROADCAST:
        out.broadcast = format_ip(out.family, a.data, a.len);
        break;
      case IFA_LABEL:
        out.label = a.str();
        break;
      case IFA_FLAGS:
        out.flags = a.u32();
        break;
      default:
        break;
    }
  });
  return true;
}

}  // namespace cnm
