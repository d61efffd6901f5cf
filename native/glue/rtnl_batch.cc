// SPDX-License-Identifier: GPL-2.0-or-later
#include "rtnl_batch.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "../core/rtnl_addr.h"
#include "../core/rtnl_link.h"
#include "../core/rtnl_neigh.h"
#include "../core/rtnl_route.h"
#include "async.h"
#include "env_state.h"
#include "names.h"
#include "netns_handle.h"
#include "rtnl_ops.h"

namespace cnm {

namespace {

const char* family_name(int family) {
  return family == AF_INET     ? "inet"
         : family == AF_INET6  ? "inet6"
         : family == AF_BRIDGE ? "bridge"
                               : "unspec";
}

void set_named(Napi::Object o, const char* key, const char* table, uint32_t value) {
  const char* name = names::name_of(table, value);
  if (name)
    o.Set(key, name);
  else
    o.Set(key, value);
}

Napi::Object link_to_js(Napi::Env env, const LinkInfo& l) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", l.index);
  o.Set("name", l.name);
  o.Set("flags", l.flags);
  o.Set("up", (l.flags & IFF_UP) != 0);
  set_named(o, "operState", "operState", l.oper_state);
  o.Set("mtu", l.mtu);
  if (!l.address.empty()) o.Set("address", l.address);
  if (!l.broadcast.empty()) o.Set("broadcast", l.broadcast);
  if (l.master) o.Set("master", *l.master);
  if (l.link) o.Set("link", *l.link);
  if (l.link_netnsid) o.Set("linkNetnsId", *l.link_netnsid);
  o.Set("group", l.group);
  o.Set("txqueuelen", l.txqlen);
  if (!l.kind.empty()) o.Set("kind", l.kind);
  if (!l.slave_kind.empty()) o.Set("slaveKind", l.slave_kind);
  if (l.bridge_port) {
    Napi::Object p = Napi::Object::New(env);
    p.Set("state", l.bridge_port->state);
    p.Set("hairpin", l.bridge_port->hairpin);
    p.Set("isolated", l.bridge_port->isolated);
    p.Set("learning", l.bridge_port->learning);
    p.Set("neighSuppress", l.bridge_port->neigh_suppress);
    o.Set("bridgePort", p);
  }
  if (l.vxlan_vni) o.Set("vni", *l.vxlan_vni);
  if (l.macvlan_mode) set_named(o, "macvlanMode", "macvlanMode", *l.macvlan_mode);
  if (l.addr_gen_mode) set_named(o, "addrGenMode", "addrGenMode", *l.addr_gen_mode);
  if (!l.inet_conf.empty()) {
    Napi::Object inet = Napi::Object::New(env);
    for (const auto& [id, value] : l.inet_conf)
      if (const char* name = names::name_of("inetConf", id)) inet.Set(name, value);
    o.Set("inet", inet);
  }
  if (l.stats) {
    Napi::Object s = Napi::Object::New(env);
    const LinkStats& st = *l.stats;
    s.Set("rxPackets", static_cast<double>(st.rx_packets));
    s.Set("txPackets", static_cast<double>(st.tx_packets));
    s.Set("rxBytes", static_cast<double>(st.rx_bytes));
    s.Set("txBytes", static_cast<double>(st.tx_bytes));
    s.Set("rxErrors", static_cast<double>(st.rx_errors));
    s.Set("txErrors", static_cast<double>(st.tx_errors));
    s.Set("rxDropped", static_cast<double>(st.rx_dropped));
    s.Set("txDropped", static_cast<double>(st.tx_dropped));
    s.Set("multicast", static_cast<double>(st.multicast));
    o.Set("stats", s);
  }
  return o;
}

Napi::Object addr_to_js(Napi::Env env, const AddrInfo& a) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("family", a.family == AF_INET ? 4 : 6);
  o.Set("index", a.index);
  o.Set("address", a.local.empty() ? a.address : a.local);
  o.Set("prefixlen", a.prefixlen);
  if (!a.local.empty() && a.local != a.address) o.Set("peer", a.address);
  if (!a.broadcast.empty()) o.Set("broadcast", a.broadcast);
  if (!a.label.empty()) o.Set("label", a.label);
  set_named(o, "scope", "scope", a.scope);
  o.Set("flags", a.flags);
  o.Set("nodad", (a.flags & IFA_F_NODAD) != 0);
  return o;
}

Napi::Object route_to_js(Napi::Env env, const RouteInfo& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("family", r.family == AF_INET ? 4 : 6);
  o.Set("dst",
        r.dst_len == 0 && r.dst.empty() ? std::string("default") : r.dst + "/" + std::to_string(r.dst_len));
  if (!r.gateway.empty()) o.Set("gateway", r.gateway);
  if (!r.prefsrc.empty()) o.Set("src", r.prefsrc);
  if (r.oif) o.Set("dev", *r.oif);
  if (r.priority) o.Set("metric", *r.priority);
  o.Set("table", r.table);
  set_named(o, "protocol", "protocol", r.protocol);
  set_named(o, "scope", "scope", r.scope);
  set_named(o, "type", "routeType", r.type);
  return o;
}

Napi::Object neigh_to_js(Napi::Env env, const NeighInfo& n) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("family", n.family == AF_INET    ? Napi::Value(Napi::Number::New(env, 4))
                  : n.family == AF_INET6 ? Napi::Value(Napi::Number::New(env, 6))
                                         : Napi::Value(Napi::String::New(env, family_name(n.family))));
  o.Set("dev", n.index);
  if (!n.dst.empty()) o.Set("dst", n.dst);
  if (!n.lladdr.empty()) o.Set("lladdr", n.lladdr);
  Napi::Array states = Napi::Array::New(env);
  for (uint32_t bit = 1; bit <= 0x80; bit <<= 1)
    if (n.state & bit) states.Set(states.Length(), names::name_of("neighState", bit));
  o.Set("state", states);
  Napi::Array flags = Napi::Array::New(env);
  for (uint32_t bit = 1; bit <= 0x80; bit <<= 1)
    if (n.flags & bit)
      if (const char* name = names::name_of("neighFlag", bit)) flags.Set(flags.Length(), name);
  o.Set("flags", flags);
  if (n.vlan) o.Set("vlan", *n.vlan);
  if (n.vni) o.Set("vni", *n.vni);
  if (n.master) o.Set("master", *n.master);
  return o;
}

template <typename Info, typename Parse, typename ToJs>
Napi::Array list_to_js(Napi::Env env, const NlReply& reply, Parse parse, ToJs to_js) {
  Napi::Array out = Napi::Array::New(env);
  for (const auto& msg : reply.messages) {
    Info info;
    if (parse(msg, info)) out.Set(out.Length(), to_js(env, info));
  }
  return out;
}

Napi::Value reply_to_js(Napi::Env env, const EncodedOp& op, const NlReply& reply, int index) {
  if (reply.error) return make_netlink_error(env, *reply.error, ErrorContext{op.op, index, op.object});
  switch (op.shape) {
    case ReplyShape::none:
      return env.Null();
    case ReplyShape::link: {
      LinkInfo info;
      if (reply.messages.empty() || !parse_link(reply.messages.front(), info)) return env.Null();
      return link_to_js(env, info);
    }
    case ReplyShape::links:
      return list_to_js<LinkInfo>(env, reply, parse_link, link_to_js);
    case ReplyShape::addrs:
      return list_to_js<AddrInfo>(env, reply, parse_addr, addr_to_js);
    case ReplyShape::routes:
      return list_to_js<RouteInfo>(env, reply, parse_route, route_to_js);
    case ReplyShape::neighs:
      return list_to_js<NeighInfo>(env, reply, parse_neigh, neigh_to_js);
  }
  return env.Null();
}

// One namespace's share of a crossing.
struct Group {
  NetnsPtr ns;
  std::vector<EncodedOp> ops;
  std::vector<NlReply> replies;
};

struct BatchState {
  std::shared_ptr<KernelContext> kernel;
  std::vector<Group> groups;
  int timeout_ms = 30000;
};

int timeout_option(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() > index && info[index].IsObject()) {
    Napi::Value t = info[index].As<Napi::Object>().Get("timeoutMs");
    if (t.IsNumber()) return t.As<Napi::Number>().Int32Value();
  }
  return 30000;
}

// Runs every group in order, each as one pipelined transaction on its
// namespace's cached socket. Groups run one after another, so a later
// namespace's ops may rely on what an earlier one made (a veth's peer).
Status execute(BatchState& state) {
  for (Group& group : state.groups) {
    auto socket = state.kernel->sockets.get(*group.ns, NETLINK_ROUTE);
    std::vector<NlRequest> requests;
    requests.reserve(group.ops.size());
    for (auto& op : group.ops) requests.push_back(std::move(op.request));
    if (!socket.ok()) {
      group.replies.assign(requests.size(), NlReply{socket.error(), {}});
    } else {
      TransactOptions options;
      options.recv_timeout_ms = state.timeout_ms;
      group.replies = socket.value()->transact(requests, options);
    }
    for (size_t i = 0; i < requests.size(); ++i) group.ops[i].request = std::move(requests[i]);
  }
  return std::nullopt;
}

Napi::Array group_results(Napi::Env env, const Group& group) {
  Napi::Array results = Napi::Array::New(env, group.ops.size());
  for (size_t i = 0; i < group.ops.size(); ++i)
    results.Set(i, reply_to_js(env, group.ops[i], group.replies[i], static_cast<int>(i)));
  return results;
}

Group read_group(Napi::Env env, Napi::Value ns, Napi::Value ops, const char* fn) {
  Group group;
  group.ns = NetnsHandle::unwrap(env, ns);
  if (!group.ns) throw Napi::TypeError::New(env, std::string(fn) + ": netns must be an open Netns handle");
  if (!ops.IsArray()) throw Napi::TypeError::New(env, std::string(fn) + ": ops must be an array");
  group.ops = encode_rtnl_ops(env, ops.As<Napi::Array>());
  return group;
}

// rtnlBatch(netns, ops, { timeoutMs }?) -> Promise<(value | NetlinkError)[]>
Napi::Value rtnl_batch_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto state = std::make_shared<BatchState>();
  state->groups.push_back(
      read_group(env, info[0], info.Length() > 1 ? info[1] : env.Undefined(), "rtnlBatch"));
  state->timeout_ms = timeout_option(info, 2);
  state->kernel = env_state(env).kernel;
  return PromiseWorker::start(
      env, ErrorContext{"rtnl.batch", -1, state->groups.front().ns->path},
      [state]() { return execute(*state); },
      [state](Napi::Env env) -> Napi::Value { return group_results(env, state->groups.front()); });
}

// rtnlSequence([{ netns, ops }, ...], { timeoutMs }?) -> Promise<(value | NetlinkError)[][]>:
// batches for several namespaces in one crossing, run in order.
Napi::Value rtnl_sequence_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray())
    throw Napi::TypeError::New(env, "rtnlSequence: expected an array of { netns, ops }");
  Napi::Array steps = info[0].As<Napi::Array>();
  auto state = std::make_shared<BatchState>();
  for (uint32_t i = 0; i < steps.Length(); ++i) {
    Napi::Value step = steps.Get(i);
    if (!step.IsObject()) throw Napi::TypeError::New(env, "rtnlSequence: each step is { netns, ops }");
    Napi::Object o = step.As<Napi::Object>();
    state->groups.push_back(read_group(env, o.Get("netns"), o.Get("ops"), "rtnlSequence"));
  }
  state->timeout_ms = timeout_option(info, 1);
  state->kernel = env_state(env).kernel;
  return PromiseWorker::start(
      env, ErrorContext{"rtnl.sequence", -1, ""}, [state]() { return execute(*state); },
      [state](Napi::Env env) -> Napi::Value {
        Napi::Array out = Napi::Array::New(env, state->groups.size());
        for (size_t g = 0; g < state->groups.size(); ++g) out.Set(g, group_results(env, state->groups[g]));
        return out;
      });
}

// rtnlEncode(ops): the bytes each op would send (seq = position + 1, pid 0).
// Pure, for golden tests and --debug output.
Napi::Value rtnl_encode_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray())
    throw Napi::TypeError::New(env, "rtnlEncode: ops must be an array");
  std::vector<EncodedOp> ops = encode_rtnl_ops(env, info[0].As<Napi::Array>());
  Napi::Array out = Napi::Array::New(env, ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    auto* nlh = reinterpret_cast<nlmsghdr*>(ops[i].request.bytes.data());
    nlh->nlmsg_seq = static_cast<uint32_t>(i + 1);
    const auto& b = ops[i].request.bytes;
    out.Set(i, Napi::Buffer<uint8_t>::Copy(env, b.data(), b.size()));
  }
  return out;
}

}  // namespace

void export_rtnl(Napi::Env env, Napi::Object exports) {
  exports.Set("rtnlBatch", Napi::Function::New(env, rtnl_batch_js, "rtnlBatch"));
  exports.Set("rtnlSequence", Napi::Function::New(env, rtnl_sequence_js, "rtnlSequence"));
  exports.Set("rtnlEncode", Napi::Function::New(env, rtnl_encode_js, "rtnlEncode"));
}

}  // namespace cnm
