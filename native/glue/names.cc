// SPDX-License-Identifier: GPL-2.0-or-later
#include "names.h"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <cstring>

namespace cnm::names {

namespace {

struct Name {
  const char* name;
  uint32_t value;
};

struct Table {
  const char* table;
  const Name* names;
  size_t count;
};

#define CNM_TABLE(var) var, sizeof(var) / sizeof((var)[0])

const Name kAddrGenMode[] = {{"eui64", IN6_ADDR_GEN_MODE_EUI64},
                             {"none", IN6_ADDR_GEN_MODE_NONE},
                             {"stable_secret", IN6_ADDR_GEN_MODE_STABLE_PRIVACY},
                             {"random", IN6_ADDR_GEN_MODE_RANDOM}};
const Name kMacvlanMode[] = {{"private", MACVLAN_MODE_PRIVATE},
                             {"vepa", MACVLAN_MODE_VEPA},
                             {"bridge", MACVLAN_MODE_BRIDGE},
                             {"passthru", MACVLAN_MODE_PASSTHRU},
                             {"source", MACVLAN_MODE_SOURCE}};
const Name kRouteType[] = {
    {"unicast", RTN_UNICAST},         {"local", RTN_LOCAL},         {"broadcast", RTN_BROADCAST},
    {"anycast", RTN_ANYCAST},         {"multicast", RTN_MULTICAST}, {"blackhole", RTN_BLACKHOLE},
    {"unreachable", RTN_UNREACHABLE}, {"prohibit", RTN_PROHIBIT},   {"throw", RTN_THROW}};
const Name kScope[] = {{"universe", RT_SCOPE_UNIVERSE},
                       {"site", RT_SCOPE_SITE},
                       {"link", RT_SCOPE_LINK},
                       {"host", RT_SCOPE_HOST},
                       {"nowhere", RT_SCOPE_NOWHERE}};
const Name kProtocol[] = {{"unspec", RTPROT_UNSPEC}, {"redirect", RTPROT_REDIRECT}, {"kernel", RTPROT_KERNEL},
                          {"boot", RTPROT_BOOT},     {"static", RTPROT_STATIC},     {"ra", RTPROT_RA}};
const Name kNeighState[] = {{"incomplete", NUD_INCOMPLETE}, {"reachable", NUD_REACHABLE},
                            {"stale", NUD_STALE},           {"delay", NUD_DELAY},
                            {"probe", NUD_PROBE},           {"failed", NUD_FAILED},
                            {"noarp", NUD_NOARP},           {"permanent", NUD_PERMANENT}};
const Name kNeighFlag[] = {{"use", NTF_USE},
                           {"self", NTF_SELF},
                           {"master", NTF_MASTER},
                           {"proxy", NTF_PROXY},
                           {"extern_learn", NTF_EXT_LEARNED},
                           {"router", NTF_ROUTER}};
const Name kOperState[] = {{"unknown", IF_OPER_UNKNOWN},
                           {"notpresent", IF_OPER_NOTPRESENT},
                           {"down", IF_OPER_DOWN},
                           {"lowerlayerdown", IF_OPER_LOWERLAYERDOWN},
                           {"testing", IF_OPER_TESTING},
                           {"dormant", IF_OPER_DORMANT},
                           {"up", IF_OPER_UP}};
const Name kInetConf[] = {{"forwarding", IPV4_DEVCONF_FORWARDING},
                          {"mc_forwarding", IPV4_DEVCONF_MC_FORWARDING},
                          {"proxy_arp", IPV4_DEVCONF_PROXY_ARP},
                          {"accept_redirects", IPV4_DEVCONF_ACCEPT_REDIRECTS},
                          {"secure_redirects", IPV4_DEVCONF_SECURE_REDIRECTS},
                          {"send_redirects", IPV4_DEVCONF_SEND_REDIRECTS},
                          {"shared_media", IPV4_DEVCONF_SHARED_MEDIA},
                          {"rp_filter", IPV4_DEVCONF_RP_FILTER},
                          {"accept_source_route", IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE},
                          {"bootp_relay", IPV4_DEVCONF_BOOTP_RELAY},
                          {"log_martians", IPV4_DEVCONF_LOG_MARTIANS},
                          {"arp_filter", IPV4_DEVCONF_ARPFILTER},
                          {"medium_id", IPV4_DEVCONF_MEDIUM_ID},
                          {"disable_xfrm", IPV4_DEVCONF_NOXFRM},
                          {"disable_policy", IPV4_DEVCONF_NOPOLICY},
                          {"arp_announce", IPV4_DEVCONF_ARP_ANNOUNCE},
                          {"arp_ignore", IPV4_DEVCONF_ARP_IGNORE},
                          {"promote_secondaries", IPV4_DEVCONF_PROMOTE_SECONDARIES},
                          {"arp_accept", IPV4_DEVCONF_ARP_ACCEPT},
                          {"arp_notify", IPV4_DEVCONF_ARP_NOTIFY},
                          {"accept_local", IPV4_DEVCONF_ACCEPT_LOCAL},
                          {"src_valid_mark", IPV4_DEVCONF_SRC_VMARK},
                          {"proxy_arp_pvlan", IPV4_DEVCONF_PROXY_ARP_PVLAN},
                          {"route_localnet", IPV4_DEVCONF_ROUTE_LOCALNET},
                          {"ignore_routes_with_linkdown", IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN},
                          {"drop_unicast_in_l2_multicast", IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST},
                          {"drop_gratuitous_arp", IPV4_DEVCONF_DROP_GRATUITOUS_ARP},
                          {"bc_forwarding", IPV4_DEVCONF_BC_FORWARDING}};

const Table kTables[] = {
    {"addrGenMode", CNM_TABLE(kAddrGenMode)}, {"macvlanMode", CNM_TABLE(kMacvlanMode)},
    {"routeType", CNM_TABLE(kRouteType)},     {"scope", CNM_TABLE(kScope)},
    {"protocol", CNM_TABLE(kProtocol)},       {"neighState", CNM_TABLE(kNeighState)},
    {"neighFlag", CNM_TABLE(kNeighFlag)},     {"operState", CNM_TABLE(kOperState)},
    {"inetConf", CNM_TABLE(kInetConf)},
};

const Table* find(const char* table) {
  for (const Table& t : kTables)
    if (std::strcmp(t.table, table) == 0) return &t;
  return nullptr;
}

}  // namespace

std::optional<uint32_t> lookup(const char* table, const std::string& name) {
  const Table* t = find(table);
  for (size_t i = 0; t && i < t->count; ++i)
    if (name == t->names[i].name) return t->names[i].value;
  return std::nullopt;
}

const char* name_of(const char* table, uint32_t value) {
  const Table* t = find(table);
  for (size_t i = 0; t && i < t->count; ++i)
    if (t->names[i].value == value) return t->names[i].name;
  return nullptr;
}

}  // namespace cnm::names
