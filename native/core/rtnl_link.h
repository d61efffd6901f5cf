// SPDX-License-Identifier: GPL-2.0-or-later
// Links: what to create or change, encoded as RTM_NEWLINK/DELLINK/GETLINK,
// and what the kernel reports, parsed from RTM_NEWLINK replies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "inet.h"
#include "nl_message.h"

namespace cnm {

// A link named by index, or by name when index is 0.
struct LinkRef {
  int32_t index = 0;
  std::string name;
};

// Attributes that both creation and change accept.
struct LinkAttrs {
  std::optional<std::string> name;
  std::optional<uint32_t> mtu;
  std::optional<Mac> address;
  std::optional<int32_t> master;  // 0 detaches (nomaster)
  std::optional<uint32_t> group;
  std::optional<uint32_t> txqlen;
  std::optional<bool> up;
  int netns_fd = -1;    // IFLA_NET_NS_FD, borrowed
  int netns_slot = -1;  // or: a namespace created earlier in the same sequence
};

struct BridgeOptions {
  std::optional<bool> vlan_filtering;
  std::optional<uint32_t> stp_state;
  std::optional<bool> mcast_snooping;
};

struct VethPeer {
  int32_t index = 0;  // a chosen ifindex inside the peer's namespace
  LinkAttrs attrs;
};

struct MacvlanOptions {
  int32_t parent = 0;
  std::optional<uint32_t> mode;  // MACVLAN_MODE_*
};

struct VxlanOptions {
  uint32_t vni = 0;
  std::optional<IpAddr> local;
  std::optional<IpAddr> remote;  // unicast remote or multicast group
  std::optional<uint16_t> dstport;
  std::optional<bool> learning;
  // Answer ARP and neighbour solicitations from the device's neighbour table (`proxy`).
  std::optional<bool> proxy;
  std::optional<std::pair<uint16_t, uint16_t>> port_range;
  std::optional<int32_t> parent;
  std::optional<uint8_t> ttl;
};

struct VlanOptions {
  int32_t parent = 0;
  uint16_t id = 0;
  std::optional<uint16_t> protocol;  // ETH_P_8021Q or ETH_P_8021AD, host order
};

enum class LinkKind { bridge, veth, macvlan, vxlan, vlan, dummy };

struct LinkAdd {
  LinkKind kind = LinkKind::dummy;
  int32_t index = 0;
  LinkAttrs attrs;
  BridgeOptions bridge;
  VethPeer peer;
  MacvlanOptions macvlan;
  VxlanOptions vxlan;
  VlanOptions vlan;
};

struct BridgePortOptions {
  std::optional<bool> hairpin;
  std::optional<bool> isolated;
  std::optional<bool> learning;
  std::optional<bool> neigh_suppress;
  bool any() const { return hairpin || isolated || learning || neigh_suppress; }
};

struct LinkSet {
  LinkRef dev;
  LinkAttrs attrs;
  std::optional<uint8_t> addr_gen_mode;                  // IN6_ADDR_GEN_MODE_*
  std::vector<std::pair<uint16_t, uint32_t>> inet_conf;  // IPV4_DEVCONF_* id, value
  BridgePortOptions bridge_port;
};

struct LinkDel {
  LinkRef dev;
  std::optional<uint32_t> group;  // delete every link of the group instead
};

struct LinkDumpFilter {
  std::optional<int32_t> master;
  std::optional<std::string> kind;
};

NlMessage encode_link_add(const LinkAdd& op);
NlMessage encode_link_set(const LinkSet& op);
NlMessage encode_link_del(const LinkDel& op);
NlMessage encode_link_get(const LinkRef& dev);
NlMessage encode_link_dump(const LinkDumpFilter& filter);

struct LinkStats {
  uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
  uint64_t rx_errors = 0, tx_errors = 0, rx_dropped = 0, tx_dropped = 0, multicast = 0;
};

struct BridgePortInfo {
  uint8_t state = 0;
  bool hairpin = false, isolated = false, learning = false, neigh_suppress = false;
};

struct LinkInfo {
  int32_t index = 0;
  std::string name;
  uint32_t flags = 0;
  uint8_t oper_state = 0;
  uint32_t mtu = 0;
  std::string address;
  std::string broadcast;
  std::optional<int32_t> master;
  std::optional<int32_t> link;
  std::optional<int32_t> link_netnsid;
  uint32_t group = 0;
  uint32_t txqlen = 0;
  std::string kind;
  std::string slave_kind;
  std::optional<BridgePortInfo> bridge_port;
  std::optional<uint32_t> vxlan_vni;
  std::optional<uint32_t> macvlan_mode;
  std::optional<uint8_t> addr_gen_mode;
  std::vector<std::pair<uint16_t, uint32_t>> inet_conf;  // as the kernel lists it
  std::optional<LinkStats> stats;
};

// Parses one RTM_NEWLINK message; false when it is not one.
bool parse_link(const std::vector<uint8_t>& msg, LinkInfo& out);

}  // namespace cnm
