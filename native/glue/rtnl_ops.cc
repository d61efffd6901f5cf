// SPDX-License-Identifier: GPL-2.0-or-later
#include "rtnl_ops.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "../core/rtnl_addr.h"
#include "../core/rtnl_link.h"
#include "../core/rtnl_neigh.h"
#include "../core/rtnl_route.h"
#include "names.h"
#include "op_reader.h"

namespace cnm {

namespace {

void read_link_attrs(const OpReader& r, LinkAttrs& a, std::vector<NetnsPtr>& keep) {
  a.name = r.ifname("name");
  a.mtu = r.u32("mtu");
  a.address = r.mac("address");
  if (r.has("master")) a.master = static_cast<int32_t>(*r.u32("master", 0, INT32_MAX));
  a.group = r.u32("group");
  a.txqlen = r.u32("txqueuelen");
  a.up = r.boolean("up");
  NetnsArg ns = r.netns("netns");
  if (ns.ns) {
    a.netns_fd = ns.ns->fd.get();
    keep.push_back(std::move(ns.ns));
  }
  a.netns_slot = ns.slot;
}

std::string describe(const LinkRef& dev) {
  return dev.index ? "ifindex " + std::to_string(dev.index) : dev.name;
}

LinkKind read_kind(const OpReader& r) {
  std::string kind = r.required_string("kind");
  if (kind == "bridge") return LinkKind::bridge;
  if (kind == "veth") return LinkKind::veth;
  if (kind == "macvlan") return LinkKind::macvlan;
  if (kind == "vxlan") return LinkKind::vxlan;
  if (kind == "vlan") return LinkKind::vlan;
  if (kind == "dummy") return LinkKind::dummy;
  r.fail("kind", "must be one of bridge, veth, macvlan, vxlan, vlan, dummy");
}

NlMessage link_add(const OpReader& r, EncodedOp& out) {
  LinkAdd op;
  op.kind = read_kind(r);
  op.index = r.ifindex("index").value_or(0);
  read_link_attrs(r, op.attrs, out.keep);
  out.object = op.attrs.name.value_or("");
  switch (op.kind) {
    case LinkKind::bridge:
      op.bridge.vlan_filtering = r.boolean("vlanFiltering");
      op.bridge.stp_state = r.u32("stpState", 0, 1);
      op.bridge.mcast_snooping = r.boolean("multicastSnooping");
      break;
    case LinkKind::veth: {
      OpReader peer = r.object("peer");
      op.peer.index = peer.ifindex("index").value_or(0);
      read_link_attrs(peer, op.peer.attrs, out.keep);
      if (op.peer.attrs.master) peer.fail("master", "cannot be set on the peer at creation");
      break;
    }
    case LinkKind::macvlan:
      op.macvlan.parent = r.required_ifindex("link");
      op.macvlan.mode = r.named("mode", "macvlanMode", false);
      break;
    case LinkKind::vxlan:
      op.vxlan.vni = r.required_u32("vni", 0, (1u << 24) - 1);
      op.vxlan.local = r.ip("local");
      op.vxlan.remote = r.ip("remote");
      if (auto p = r.u32("dstport", 0, 65535)) op.vxlan.dstport = static_cast<uint16_t>(*p);
      op.vxlan.learning = r.boolean("learning");
      op.vxlan.proxy = r.boolean("proxy");
      op.vxlan.parent = r.ifindex("link");
      if (auto ttl = r.u32("ttl", 0, 255)) op.vxlan.ttl = static_cast<uint8_t>(*ttl);
      if (r.has("portRange")) {
        OpReader range = r.object("portRange");
        op.vxlan.port_range = {static_cast<uint16_t>(range.required_u32("low", 1, 65535)),
                               static_cast<uint16_t>(range.required_u32("high", 1, 65535))};
        if (op.vxlan.port_range->first > op.vxlan.port_range->second)
          r.fail("portRange", "low must not exceed high");
      }
      break;
    case LinkKind::vlan: {
      op.vlan.parent = r.required_ifindex("link");
      op.vlan.id = static_cast<uint16_t>(r.required_u32("vlanId", 0, 4094));
      if (auto proto = r.string("protocol")) {
        if (*proto == "802.1Q")
          op.vlan.protocol = ETH_P_8021Q;
        else if (*proto == "802.1ad")
          op.vlan.protocol = ETH_P_8021AD;
        else
          r.fail("protocol", "must be 802.1Q or 802.1ad");
      }
      break;
    }
    case LinkKind::dummy:
      break;
  }
  return encode_link_add(op);
}

NlMessage link_set(const OpReader& r, EncodedOp& out) {
  LinkSet op;
  op.dev = r.link_ref("dev");
  out.object = describe(op.dev);
  read_link_attrs(r, op.attrs, out.keep);
  if (op.attrs.name && op.dev.index == 0)
    r.fail("name", "renaming needs dev as an ifindex (the name is how the link is found)");
  if (auto mode = r.named("addrGenMode", "addrGenMode", false))
    op.addr_gen_mode = static_cast<uint8_t>(*mode);
  if (auto inet = r.optional_object("inet")) {
    OpReader conf = r.object("inet");
    for (const std::string& key : r.tree().keys(*inet)) {
      auto id = names::lookup("inetConf", key);
      if (!id) conf.fail(key, "is not an IPv4 per-interface setting this kernel layer knows");
      op.inet_conf.emplace_back(static_cast<uint16_t>(*id), *conf.u32(key.c_str()));
    }
  }
  if (r.has("bridgePort")) {
    OpReader port = r.object("bridgePort");
    op.bridge_port.hairpin = port.boolean("hairpin");
    op.bridge_port.isolated = port.boolean("isolated");
    op.bridge_port.learning = port.boolean("learning");
    op.bridge_port.neigh_suppress = port.boolean("neighSuppress");
  }
  return encode_link_set(op);
}

NlMessage link_del(const OpReader& r, EncodedOp& out) {
  LinkDel op;
  if (r.has("group")) {
    if (r.has("dev")) r.fail("group", "give dev or group, not both");
    op.group = r.u32("group", 1);  // group 0 holds every link and cannot be deleted
    out.object = "group " + std::to_string(*op.group);
  } else {
    op.dev = r.link_ref("dev");
    out.object = describe(op.dev);
  }
  return encode_link_del(op);
}

int read_family(const OpReader& r, const char* key) {
  auto f = r.u32(key, 0, 6);
  if (!f) return AF_UNSPEC;
  if (*f == 4) return AF_INET;
  if (*f == 6) return AF_INET6;
  r.fail(key, "must be 4 or 6");
}

NlMessage addr_op(const OpReader& r, EncodedOp& out, uint16_t type) {
  AddrSpec spec;
  spec.index = r.required_ifindex("dev");
  auto local = r.prefix("address");
  if (!local) r.fail("address", "is required (an address with /prefix-length)");
  spec.local = *local;
  out.object = r.required_string("address");
  spec.peer = r.ip("peer");
  spec.broadcast = r.ip("broadcast");
  if (spec.broadcast && (spec.broadcast->family != AF_INET || spec.local.addr.family != AF_INET))
    r.fail("broadcast", "is IPv4 only: an IPv4 broadcast for an IPv4 address");
  if (spec.peer && spec.peer->family != spec.local.addr.family)
    r.fail("peer", "must be of the address's family");
  spec.label = r.string("label");
  // IFA_LABEL is at most IFNAMSIZ - 1 bytes; a longer one would also overflow its 16-bit attribute length.
  if (spec.label && (spec.label->empty() || spec.label->size() >= IFNAMSIZ))
    r.fail("label", "must be 1-15 bytes (an interface label, like eth0:1)");
  if (auto scope = r.named("scope", "scope", true)) spec.scope = static_cast<uint8_t>(*scope);
  if (r.boolean("nodad").value_or(false)) spec.flags |= IFA_F_NODAD;
  if (r.boolean("noprefixroute").value_or(false)) spec.flags |= IFA_F_NOPREFIXROUTE;
  return encode_addr(type, spec);
}

NlMessage route_op(const OpReader& r, EncodedOp& out, RouteVerb verb) {
  RouteSpec spec;
  std::string dst = r.string("dst").value_or("default");
  out.object = dst;
  spec.gateway = r.ip("gateway");
  spec.prefsrc = r.ip("src");
  int family = read_family(r, "family");
  if (dst != "default") {
    auto p = r.prefix("dst");
    spec.dst = *p;
    family = family ? family : p->addr.family;
  }
  if (!family && spec.gateway) family = spec.gateway->family;
  spec.family = family ? family : AF_INET;
  if (dst != "default" && spec.dst.addr.family != spec.family) r.fail("dst", "family mismatch");
  if (spec.gateway && spec.gateway->family != spec.family) r.fail("gateway", "family mismatch");
  if (spec.prefsrc && spec.prefsrc->family != spec.family) r.fail("src", "family mismatch");
  spec.oif = r.ifindex("dev");
  spec.priority = r.u32("metric");
  spec.table = r.u32("table", 1).value_or(RT_TABLE_MAIN);
  if (auto scope = r.named("scope", "scope", true)) spec.scope = static_cast<uint8_t>(*scope);
  if (auto type = r.named("type", "routeType", true)) spec.type = static_cast<uint8_t>(*type);
  if (auto proto = r.named("protocol", "protocol", true)) spec.protocol = static_cast<uint8_t>(*proto);
  return encode_route(verb, spec);
}

NlMessage neigh_op(const OpReader& r, EncodedOp& out, NeighVerb verb) {
  NeighSpec spec;
  spec.index = r.required_ifindex("dev");
  spec.dst = r.ip("dst");
  spec.lladdr = r.mac("lladdr");
  out.object = r.string("dst").value_or(r.string("lladdr").value_or(""));
  if (r.is_string("family") && r.string("family") == std::optional<std::string>("bridge"))
    spec.family = AF_BRIDGE;
  else
    spec.family = read_family(r, "family");
  if (!spec.family && spec.dst) spec.family = spec.dst->family;
  if (!spec.family) r.fail("family", "give dst, or family 4, 6 or \"bridge\"");
  if (spec.family != AF_BRIDGE && !spec.dst) r.fail("dst", "is required for an ARP/NDP entry");
  if (spec.family == AF_BRIDGE && !spec.lladdr) r.fail("lladdr", "is required for an FDB entry");
  if (auto state = r.named("state", "neighState", false)) spec.state = static_cast<uint16_t>(*state);
  if (r.has("flags")) {
    const OpTree& t = r.tree();
    OpNode flags = r.optional_object("flags").value();
    if (!t.is_array(flags)) r.fail("flags", "must be an array of flag names");
    for (uint32_t i = 0, n = t.length(flags); i < n; ++i) {
      OpNode f = t.at(flags, i);
      auto bit = t.is_string(f) ? names::lookup("neighFlag", t.string(f)) : std::nullopt;
      if (!bit) r.fail("flags", "unknown flag at position " + std::to_string(i));
      spec.flags |= static_cast<uint8_t>(*bit);
    }
  }
  if (auto vlan = r.u32("vlan", 1, 4094)) spec.vlan = static_cast<uint16_t>(*vlan);
  spec.vni = r.u32("vni", 0, (1u << 24) - 1);
  if (auto port = r.u32("port", 1, 65535)) spec.port = static_cast<uint16_t>(*port);
  spec.master = r.ifindex("master");
  return encode_neigh(verb, spec);
}

NlMessage encode_one(const OpReader& r, const std::string& name, EncodedOp& out) {
  if (name == "link.add") return link_add(r, out);
  if (name == "link.set") return link_set(r, out);
  if (name == "link.del") return link_del(r, out);
  if (name == "link.get") {
    out.shape = ReplyShape::link;
    LinkRef dev = r.link_ref("dev");
    out.object = describe(dev);
    return encode_link_get(dev);
  }
  if (name == "link.dump") {
    out.shape = ReplyShape::links;
    out.request.dump = true;
    LinkDumpFilter f;
    f.master = r.ifindex("master");
    f.kind = r.string("kind");
    // A link kind names a kernel module (rtnl-link-KIND): at most MODULE_NAME_LEN - 1 bytes.
    if (f.kind && (f.kind->empty() || f.kind->size() > 55))
      r.fail("kind", "must be a link kind (1-55 bytes)");
    return encode_link_dump(f);
  }
  if (name == "addr.add") return addr_op(r, out, RTM_NEWADDR);
  if (name == "addr.del") return addr_op(r, out, RTM_DELADDR);
  if (name == "addr.dump") {
    out.shape = ReplyShape::addrs;
    out.request.dump = true;
    return encode_addr_dump(AddrDumpFilter{read_family(r, "family"), r.ifindex("dev").value_or(0)});
  }
  if (name == "route.add") return route_op(r, out, RouteVerb::add);
  if (name == "route.replace") return route_op(r, out, RouteVerb::replace);
  if (name == "route.del") return route_op(r, out, RouteVerb::del);
  if (name == "route.dump") {
    out.shape = ReplyShape::routes;
    out.request.dump = true;
    return encode_route_dump(RouteDumpFilter{read_family(r, "family"), r.u32("table", 1)});
  }
  if (name == "neigh.add") return neigh_op(r, out, NeighVerb::add);
  if (name == "neigh.replace") return neigh_op(r, out, NeighVerb::replace);
  if (name == "neigh.del") return neigh_op(r, out, NeighVerb::del);
  if (name == "neigh.dump") {
    out.shape = ReplyShape::neighs;
    out.request.dump = true;
    NeighDumpFilter f;
    f.family =
        r.is_string("family") && *r.string("family") == "bridge" ? AF_BRIDGE : read_family(r, "family");
    f.index = r.ifindex("dev").value_or(0);
    f.master = r.ifindex("master");
    return encode_neigh_dump(f);
  }
  r.fail("op", "unknown op \"" + name + "\"");
}

}  // namespace

std::vector<EncodedOp> encode_rtnl_ops(const OpTree& tree, OpNode ops, const PendingNetns* pending) {
  std::vector<EncodedOp> out(tree.length(ops));
  for (uint32_t i = 0; i < out.size(); ++i) {
    OpNode v = tree.at(ops, i);
    if (!tree.is_object(v)) throw InvalidOp{static_cast<int>(i), "", "op must be an object"};
    OpReader r(tree, v, static_cast<int>(i), {}, pending);
    out[i].op = r.required_string("op");
    NlMessage m = encode_one(r, out[i].op, out[i]);
    out[i].fixups = m.fixups();
    out[i].request.bytes = std::move(m.bytes());
  }
  return out;
}

}  // namespace cnm
