// SPDX-License-Identifier: GPL-2.0-or-later
#include "rtnl_link.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include <cstring>

namespace cnm {

namespace {

ifinfomsg make_ifinfo(int32_t index, std::optional<bool> up) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  if (up) {
    ifi.ifi_change = IFF_UP;
    ifi.ifi_flags = *up ? IFF_UP : 0;
  }
  return ifi;
}

// Attribute order follows `ip link`, which puts IFLA_IFNAME after the
// options, so encodings compare byte for byte with what iproute2 sends.
void put_common(NlMessage& m, const LinkAttrs& a) {
  if (a.mtu) m.put_u32(IFLA_MTU, *a.mtu);
  if (a.address) m.put(IFLA_ADDRESS, a.address->data(), a.address->size());
  if (a.master) m.put_u32(IFLA_MASTER, static_cast<uint32_t>(*a.master));
  if (a.group) m.put_u32(IFLA_GROUP, *a.group);
  if (a.txqlen) m.put_u32(IFLA_TXQLEN, *a.txqlen);
  if (a.netns_fd >= 0) m.put_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(a.netns_fd));
  if (a.netns_slot >= 0) m.put_fd_placeholder(IFLA_NET_NS_FD, a.netns_slot);
}

void put_name(NlMessage& m, const LinkAttrs& a) {
  if (a.name) m.put_string(IFLA_IFNAME, *a.name);
}

void put_ip(NlMessage& m, uint16_t v4_type, uint16_t v6_type, const IpAddr& ip) {
  if (ip.family == AF_INET)
    m.put(v4_type, ip.bytes.data(), 4);
  else
    m.put(v6_type, ip.bytes.data(), 16);
}

void put_kind_data(NlMessage& m, const LinkAdd& op) {
  switch (op.kind) {
    case LinkKind::bridge: {
      const BridgeOptions& b = op.bridge;
      if (!b.vlan_filtering && !b.stp_state && !b.mcast_snooping) return;
      size_t data = m.nest_begin(IFLA_INFO_DATA);
      if (b.vlan_filtering) m.put_u8(IFLA_BR_VLAN_FILTERING, *b.vlan_filtering);
      if (b.stp_state) m.put_u32(IFLA_BR_STP_STATE, *b.stp_state);
      if (b.mcast_snooping) m.put_u8(IFLA_BR_MCAST_SNOOPING, *b.mcast_snooping);
      m.nest_end(data);
      return;
    }
    case LinkKind::veth: {
      size_t data = m.nest_begin(IFLA_INFO_DATA);
      size_t peer = m.nest_begin(VETH_INFO_PEER);
      // The peer is described by a whole ifinfomsg and its own attributes.
      ifinfomsg ifi = make_ifinfo(op.peer.index, op.peer.attrs.up);
      m.append(&ifi, sizeof ifi);
      put_common(m, op.peer.attrs);
      put_name(m, op.peer.attrs);
      m.nest_end(peer);
      m.nest_end(data);
      return;
    }
    case LinkKind::macvlan: {
      if (!op.macvlan.mode) return;
      size_t data = m.nest_begin(IFLA_INFO_DATA);
      m.put_u32(IFLA_MACVLAN_MODE, *op.macvlan.mode);
      m.nest_end(data);
      return;
    }
    case LinkKind::vxlan: {
      const VxlanOptions& v = op.vxlan;
      size_t data = m.nest_begin(IFLA_INFO_DATA);
      m.put_u32(IFLA_VXLAN_ID, v.vni);
      if (v.remote) put_ip(m, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, *v.remote);
      if (v.local) put_ip(m, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6, *v.local);
      if (v.parent) m.put_u32(IFLA_VXLAN_LINK, static_cast<uint32_t>(*v.parent));
      if (v.ttl) m.put_u8(IFLA_VXLAN_TTL, *v.ttl);
      if (v.learning) m.put_u8(IFLA_VXLAN_LEARNING, *v.learning);
      if (v.proxy) m.put_u8(IFLA_VXLAN_PROXY, *v.proxy);
      if (v.port_range) {
        ifla_vxlan_port_range r{htons(v.port_range->first), htons(v.port_range->second)};
        m.put(IFLA_VXLAN_PORT_RANGE, &r, sizeof r);
      }
      if (v.dstport) m.put_be16(IFLA_VXLAN_PORT, *v.dstport);
      m.nest_end(data);
      return;
    }
    case LinkKind::vlan: {
      size_t data = m.nest_begin(IFLA_INFO_DATA);
      if (op.vlan.protocol) m.put_be16(IFLA_VLAN_PROTOCOL, *op.vlan.protocol);
      m.put_u16(IFLA_VLAN_ID, op.vlan.id);
      m.nest_end(data);
      return;
    }
    case LinkKind::dummy:
      return;
  }
}

const char* kind_name(LinkKind kind) {
  switch (kind) {
    case LinkKind::bridge:
      return "bridge";
    case LinkKind::veth:
      return "veth";
    case LinkKind::macvlan:
      return "macvlan";
    case LinkKind::vxlan:
      return "vxlan";
    case LinkKind::vlan:
      return "vlan";
    case LinkKind::dummy:
      return "dummy";
  }
  return "";
}

void put_dev(NlMessage& m, const LinkRef& dev) {
  // rtnetlink looks a link up by IFLA_IFNAME when ifi_index is 0.
  if (dev.index == 0 && !dev.name.empty()) m.put_string(IFLA_IFNAME, dev.name);
}

}  // namespace

NlMessage encode_link_add(const LinkAdd& op) {
  NlMessage m(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  m.put_header(make_ifinfo(op.index, op.attrs.up));
  put_common(m, op.attrs);
  if (op.kind == LinkKind::macvlan) m.put_u32(IFLA_LINK, static_cast<uint32_t>(op.macvlan.parent));
  if (op.kind == LinkKind::vlan) m.put_u32(IFLA_LINK, static_cast<uint32_t>(op.vlan.parent));
  put_name(m, op.attrs);
  size_t info = m.nest_begin(IFLA_LINKINFO);
  // Kind names go without the NUL, as iproute2 sends them.
  m.put(IFLA_INFO_KIND, kind_name(op.kind), std::strlen(kind_name(op.kind)));
  put_kind_data(m, op);
  m.nest_end(info);
  return m;
}

NlMessage encode_link_set(const LinkSet& op) {
  // `ip link set` sends RTM_NEWLINK without NLM_F_CREATE: change in place.
  NlMessage m(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
  m.put_header(make_ifinfo(op.dev.index, op.attrs.up));
  put_dev(m, op.dev);
  put_common(m, op.attrs);
  put_name(m, op.attrs);
  if (op.bridge_port.any()) {
    const BridgePortOptions& p = op.bridge_port;
    size_t info = m.nest_begin(IFLA_LINKINFO);
    m.put(IFLA_INFO_SLAVE_KIND, "bridge", 6);
    size_t data = m.nest_begin(IFLA_INFO_SLAVE_DATA);
    if (p.hairpin) m.put_u8(IFLA_BRPORT_MODE, *p.hairpin);
    if (p.learning) m.put_u8(IFLA_BRPORT_LEARNING, *p.learning);
    if (p.neigh_suppress) m.put_u8(IFLA_BRPORT_NEIGH_SUPPRESS, *p.neigh_suppress);
    if (p.isolated) m.put_u8(IFLA_BRPORT_ISOLATED, *p.isolated);
    m.nest_end(data);
    m.nest_end(info);
  }
  if (op.addr_gen_mode || !op.inet_conf.empty()) {
    size_t spec = m.nest_begin(IFLA_AF_SPEC);
    if (!op.inet_conf.empty()) {
      size_t inet = m.nest_begin(AF_INET);
      size_t conf = m.nest_begin(IFLA_INET_CONF);
      for (const auto& [id, value] : op.inet_conf) m.put_u32(id, value);
      m.nest_end(conf);
      m.nest_end(inet);
    }
    if (op.addr_gen_mode) {
      size_t inet6 = m.nest_begin(AF_INET6);
      m.put_u8(IFLA_INET6_ADDR_GEN_MODE, *op.addr_gen_mode);
      m.nest_end(inet6);
    }
    m.nest_end(spec);
  }
  return m;
}

NlMessage encode_link_del(const LinkDel& op) {
  NlMessage m(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
  m.put_header(make_ifinfo(op.group ? 0 : op.dev.index, std::nullopt));
  if (op.group)
    m.put_u32(IFLA_GROUP, *op.group);
  else
    put_dev(m, op.dev);
  return m;
}

NlMessage encode_link_get(const LinkRef& dev) {
  NlMessage m(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK);
  m.put_header(make_ifinfo(dev.index, std::nullopt));
  put_dev(m, dev);
  return m;
}

NlMessage encode_link_dump(const LinkDumpFilter& filter) {
  NlMessage m(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
  m.put_header(make_ifinfo(0, std::nullopt));
  if (filter.master) m.put_u32(IFLA_MASTER, static_cast<uint32_t>(*filter.master));
  if (filter.kind) {
    size_t info = m.nest_begin(IFLA_LINKINFO);
    m.put_string(IFLA_INFO_KIND, *filter.kind);
    m.nest_end(info);
  }
  return m;
}

namespace {

void parse_linkinfo(const Attr& a, LinkInfo& out) {
  AttrTable info(a.data, a.len, IFLA_INFO_MAX);
  out.kind = info[IFLA_INFO_KIND].str();
  out.slave_kind = info[IFLA_INFO_SLAVE_KIND].str();
  const Attr& data = info[IFLA_INFO_DATA];
  if (data.present() && out.kind == "vxlan") {
    AttrTable v(data.data, data.len, IFLA_VXLAN_MAX);
    if (v[IFLA_VXLAN_ID].present()) out.vxlan_vni = v[IFLA_VXLAN_ID].u32();
  } else if (data.present() && out.kind == "macvlan") {
    AttrTable v(data.data, data.len, IFLA_MACVLAN_MAX);
    if (v[IFLA_MACVLAN_MODE].present()) out.macvlan_mode = v[IFLA_MACVLAN_MODE].u32();
  }
  const Attr& slave = info[IFLA_INFO_SLAVE_DATA];
  if (slave.present() && out.slave_kind == "bridge") {
    AttrTable p(slave.data, slave.len, IFLA_BRPORT_MAX);
    BridgePortInfo port;
    port.state = p[IFLA_BRPORT_STATE].u8();
    port.hairpin = p[IFLA_BRPORT_MODE].u8() != 0;
    port.isolated = p[IFLA_BRPORT_ISOLATED].u8() != 0;
    port.learning = p[IFLA_BRPORT_LEARNING].u8() != 0;
    port.neigh_suppress = p[IFLA_BRPORT_NEIGH_SUPPRESS].u8() != 0;
    out.bridge_port = port;
  }
}

void parse_af_spec(const Attr& a, LinkInfo& out) {
  for_each_attr(a.data, a.len, [&](const Attr& family) {
    if (family.type == AF_INET6) {
      AttrTable v6(family.data, family.len, IFLA_INET6_MAX);
      if (v6[IFLA_INET6_ADDR_GEN_MODE].present()) out.addr_gen_mode = v6[IFLA_INET6_ADDR_GEN_MODE].u8();
    } else if (family.type == AF_INET) {
      AttrTable v4(family.data, family.len, IFLA_INET_MAX);
      const Attr& conf = v4[IFLA_INET_CONF];
      // The kernel lists the whole devconf array; entry i is id i + 1.
      for (size_t i = 0; i + 4 <= conf.len; i += 4) {
        uint32_t value;
        std::memcpy(&value, conf.data + i, 4);
        out.inet_conf.emplace_back(static_cast<uint16_t>(i / 4 + 1), value);
      }
    }
  });
}

}  // namespace

bool parse_link(const std::vector<uint8_t>& msg, LinkInfo& out) {
  auto m = view_message(msg, sizeof(ifinfomsg));
  if (!m || m->type != RTM_NEWLINK) return false;
  ifinfomsg ifi;
  std::memcpy(&ifi, m->family, sizeof ifi);
  out.index = ifi.ifi_index;
  out.flags = ifi.ifi_flags;
  for_each_attr(m->attrs, m->attrs_len, [&](const Attr& a) {
    switch (a.type) {
      case IFLA_IFNAME:
        out.name = a.str();
        break;
      case IFLA_MTU:
        out.mtu = a.u32();
        break;
      case IFLA_ADDRESS:
        out.address = format_mac(a.data, a.len);
        break;
      case IFLA_BROADCAST:
        out.broadcast = format_mac(a.data, a.len);
        break;
      case IFLA_MASTER:
        out.master = static_cast<int32_t>(a.u32());
        break;
      case IFLA_LINK:
        out.link = static_cast<int32_t>(a.u32());
        break;
      case IFLA_LINK_NETNSID:
        out.link_netnsid = static_cast<int32_t>(a.u32());
        break;
      case IFLA_GROUP:
        out.group = a.u32();
        break;
      case IFLA_TXQLEN:
        out.txqlen = a.u32();
        break;
      case IFLA_OPERSTATE:
        out.oper_state = a.u8();
        break;
      case IFLA_LINKINFO:
        parse_linkinfo(a, out);
        break;
      case IFLA_AF_SPEC:
        parse_af_spec(a, out);
        break;
      case IFLA_STATS64:
        if (a.len >= sizeof(rtnl_link_stats64)) {
          rtnl_link_stats64 s;
          std::memcpy(&s, a.data, sizeof s);
          out.stats = LinkStats{s.rx_packets, s.tx_packets, s.rx_bytes,   s.tx_bytes, s.rx_errors,
                                s.tx_errors,  s.rx_dropped, s.tx_dropped, s.multicast};
        }
        break;
      default:
        break;
    }
  });
  return true;
}

}  // namespace cnm
