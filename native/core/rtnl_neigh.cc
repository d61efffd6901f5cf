// SPDX-License-Identifier: GPL-2.0-or-later
#include "rtnl_neigh.h"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace cnm {

NlMessage encode_neigh(NeighVerb verb, const NeighSpec& spec) {
  uint16_t type = verb == NeighVerb::del ? RTM_DELNEIGH : RTM_NEWNEIGH;
  uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
  if (verb == NeighVerb::add) flags |= NLM_F_CREATE | NLM_F_EXCL;
  if (verb == NeighVerb::replace) flags |= NLM_F_CREATE | NLM_F_REPLACE;
  NlMessage m(type, flags);
  ndmsg nd{};
  nd.ndm_family = static_cast<uint8_t>(spec.family);
  nd.ndm_ifindex = spec.index;
  nd.ndm_state = spec.state;
  nd.ndm_flags = spec.flags;
  m.put_header(nd);
  if (spec.dst) m.put(NDA_DST, spec.dst->bytes.data(), spec.dst->size());
  if (spec.lladdr) m.put(NDA_LLADDR, spec.lladdr->data(), spec.lladdr->size());
  if (spec.vlan) m.put_u16(NDA_VLAN, *spec.vlan);
  if (spec.port) m.put_be16(NDA_PORT, *spec.port);
  if (spec.vni) m.put_u32(NDA_VNI, *spec.vni);
  if (spec.master) m.put_u32(NDA_MASTER, static_cast<uint32_t>(*spec.master));
  return m;
}

NlMessage encode_neigh_dump(const NeighDumpFilter& filter) {
  NlMessage m(RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP);
  ndmsg nd{};
  nd.ndm_family = static_cast<uint8_t>(filter.family);
  m.put_header(nd);
  // Strict dump checking wants the filter as attributes, the header's index zero.
  if (filter.index) m.put_u32(NDA_IFINDEX, static_cast<uint32_t>(filter.index));
  if (filter.master) m.put_u32(NDA_MASTER, static_cast<uint32_t>(*filter.master));
  return m;
}

bool parse_neigh(const std::vector<uint8_t>& msg, NeighInfo& out) {
  auto m = view_message(msg, sizeof(ndmsg));
  if (!m || m->type != RTM_NEWNEIGH) return false;
  ndmsg nd;
  std::memcpy(&nd, m->family, sizeof nd);
  out.family = nd.ndm_family;
  out.index = nd.ndm_ifindex;
  out.state = nd.ndm_state;
  out.flags = nd.ndm_flags;
  for_each_attr(m->attrs, m->attrs_len, [&](const Attr& a) {
    switch (a.type) {
      case NDA_DST:
        // An FDB entry's remote VTEP is either family, whatever the entry's own.
        out.dst = format_ip(a.len == 4 ? AF_INET : AF_INET6, a.data, a.len);
        break;
      case NDA_LLADDR:
        out.lladdr = format_mac(a.data, a.len);
        break;
      case NDA_VLAN:
        out.vlan = a.u16();
        break;
      case NDA_VNI:
        out.vni = a.u32();
        break;
      case NDA_MASTER:
        out.master = static_cast<int32_t>(a.u32());
        break;
      default:
        break;
    }
  });
  return true;
}

}  // namespace cnm
