// SPDX-License-Identifier: GPL-2.0-or-later
#include "rtnl_batch.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include "../core/rtnl_addr.h"
#include "../core/rtnl_link.h"
#include "../core/rtnl_neigh.h"
#include "../core/rtnl_route.h"
#include "async.h"
#include "env_state.h"
#include "names.h"
#include "napi_op_tree.h"
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

// One step of a crossing: a namespace's share of the ops, or the creation
// of a namespace that later steps use.
struct Group {
  NetnsPtr ns;    // the namespace the ops run in, or
  int slot = -1;  // a namespace created by an earlier step
  std::vector<EncodedOp> ops;
  std::vector<NlReply> replies;
  // A creation step: where, and what came of it.
  std::string create_dir, create_name;
  SysctlList create_sysctls;
  bool create = false;
  Status create_error;
};

struct BatchState {
  std::shared_ptr<KernelContext> kernel;
  std::vector<Group> groups;
  std::vector<NetnsPtr> created;  // by slot
  std::vector<Status> created_error;
  int timeout_ms = 30000;
};

Status create_step(BatchState& state, Group& group) {
  KernelContext& kernel = *state.kernel;
  if (Status s = kernel.prepare_dir(group.create_dir)) return s;
  auto created = netns_create(kernel.thread, group.create_dir, group.create_name, group.create_sysctls);
  if (!created.ok()) return created.error();
  CreatedNetns c = created.take();
  kernel.sockets.put(*c.ns, std::move(c.route_socket));
  state.created[static_cast<size_t>(group.slot)] = c.ns;
  return std::nullopt;
}

// The error that keeps a step from running: a namespace it needs was not created.
Status missing_namespace(const BatchState& state, const Group& group) {
  auto check = [&](int slot) -> Status {
    if (slot < 0 || state.created[static_cast<size_t>(slot)]) return std::nullopt;
    Status why = state.created_error[static_cast<size_t>(slot)];
    return why ? why : sys_error(ENOENT, "netns", "the namespace was not created");
  };
  if (Status s = check(group.slot)) return s;
  for (const EncodedOp& op : group.ops)
    for (const auto& f : op.fixups)
      if (Status s = check(f.slot)) return s;
  return std::nullopt;
}

// Runs every step in order: creations on the namespace thread, op groups as
// one pipelined transaction each on their namespace's cached socket, so a
// later step may rely on what an earlier one made (a namespace, a veth peer).
Status execute(BatchState& state) {
  for (Group& group : state.groups) {
    if (group.create) {
      group.create_error = create_step(state, group);
      state.created_error[static_cast<size_t>(group.slot)] = group.create_error;
      continue;
    }
    if (Status missing = missing_namespace(state, group)) {
      group.replies.assign(group.ops.size(), NlReply{missing, {}});
      continue;
    }
    const Netns& ns = group.ns ? *group.ns : *state.created[static_cast<size_t>(group.slot)];
    std::vector<NlRequest> requests;
    requests.reserve(group.ops.size());
    for (auto& op : group.ops) {
      for (const auto& f : op.fixups) {
        uint32_t fd = static_cast<uint32_t>(state.created[static_cast<size_t>(f.slot)]->fd.get());
        std::memcpy(op.request.bytes.data() + f.offset, &fd, sizeof fd);
      }
      requests.push_back(std::move(op.request));
    }
    auto socket = state.kernel->sockets.get(ns, NETLINK_ROUTE);
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

Napi::Array group_results(Napi::Env env, const BatchState& state, const Group& group) {
  if (group.create) {
    Napi::Array one = Napi::Array::New(env, 1);
    NetnsPtr ns = state.created[static_cast<size_t>(group.slot)];
    if (group.create_error)
      one.Set(0u, make_netlink_error(
                      env, *group.create_error,
                      ErrorContext{"netns.create", 0, group.create_dir + "/" + group.create_name}));
    else
      one.Set(0u, NetnsHandle::wrap(env, ns));
    return one;
  }
  Napi::Array results = Napi::Array::New(env, group.ops.size());
  for (size_t i = 0; i < group.ops.size(); ++i)
    results.Set(i, reply_to_js(env, group.ops[i], group.replies[i], static_cast<int>(i)));
  return results;
}

Group read_group(Napi::Env env, Napi::Value ns, Napi::Value ops, const PendingNetns* pending,
                 const char* fn) {
  Group group;
  group.ns = NetnsHandle::unwrap(env, ns);
  for (size_t i = 0; !group.ns && pending && i < pending->size(); ++i)
    if (ns.StrictEquals(NapiOpTree(env).value((*pending)[i]))) group.slot = static_cast<int>(i);
  if (!group.ns && group.slot < 0)
    throw Napi::TypeError::New(
        env, std::string(fn) + ": netns must be an open Netns handle or one created earlier");
  if (!ops.IsArray()) throw Napi::TypeError::New(env, std::string(fn) + ": ops must be an array");
  group.ops = read_ops(
      env, [&](const OpTree& tree) { return encode_rtnl_ops(tree, NapiOpTree::node(ops), pending); });
  return group;
}

// rtnlBatch(netns, ops, { timeoutMs }?) -> Promise<(value | NetlinkError)[]>
Napi::Value rtnl_batch_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto state = std::make_shared<BatchState>();
  state->groups.push_back(
      read_group(env, info[0], info.Length() > 1 ? info[1] : env.Undefined(), nullptr, "rtnlBatch"));
  state->timeout_ms = timeout_option(info, 2);
  state->kernel = env_state(env).kernel;
  return PromiseWorker::start(
      env, ErrorContext{"rtnl.batch", -1, state->groups.front().ns->path},
      [state]() { return execute(*state); },
      [state](Napi::Env env) -> Napi::Value { return group_results(env, *state, state->groups.front()); });
}

// rtnlSequence(steps, { timeoutMs }?) -> Promise<(value | Netns | NetlinkError)[][]>:
// in one crossing, run in order, steps of the form { netns, ops } or
// { create: { dir, name } }. The create step's object stands for the new
// namespace in later steps (as a step's netns or an op's netns).
Napi::Value rtnl_sequence_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray())
    throw Napi::TypeError::New(env, "rtnlSequence: expected an array of steps");
  Napi::Array steps = info[0].As<Napi::Array>();
  auto state = std::make_shared<BatchState>();
  PendingNetns pending;
  for (uint32_t i = 0; i < steps.Length(); ++i) {
    Napi::Value step = steps.Get(i);
    if (!step.IsObject())
      throw Napi::TypeError::New(env, "rtnlSequence: each step is { netns, ops } or { create }");
    Napi::Object o = step.As<Napi::Object>();
    Napi::Value create = o.Get("create");
    if (create.IsObject()) {
      Napi::Object c = create.As<Napi::Object>();
      Group group;
      group.create = true;
      group.slot = static_cast<int>(pending.size());
      if (!c.Get("dir").IsString() || !c.Get("name").IsString())
        throw Napi::TypeError::New(env, "rtnlSequence: create needs { dir, name }");
      group.create_dir = c.Get("dir").As<Napi::String>().Utf8Value();
      group.create_name = c.Get("name").As<Napi::String>().Utf8Value();
      if (group.create_name.empty() || group.create_name.find('/') != std::string::npos ||
          group.create_name == "." || group.create_name == "..")
        throw Napi::TypeError::New(env, "rtnlSequence: create.name must be a file name without '/'");
      group.create_sysctls = read_sysctls(env, c.Get("sysctls"), "rtnlSequence");
      pending.push_back(NapiOpTree::node(c));
      state->groups.push_back(std::move(group));
      continue;
    }
    state->groups.push_back(read_group(env, o.Get("netns"), o.Get("ops"), &pending, "rtnlSequence"));
  }
  state->created.resize(pending.size());
  state->created_error.resize(pending.size());
  state->timeout_ms = timeout_option(info, 1);
  state->kernel = env_state(env).kernel;
  return PromiseWorker::start(
      env, ErrorContext{"rtnl.sequence", -1, ""}, [state]() { return execute(*state); },
      [state](Napi::Env env) -> Napi::Value {
        Napi::Array out = Napi::Array::New(env, state->groups.size());
        for (size_t g = 0; g < state->groups.size(); ++g)
          out.Set(g, group_results(env, *state, state->groups[g]));
        return out;
      });
}

// rtnlEncode(ops): the bytes each op would send (seq = position + 1, pid 0).
// Pure, for golden tests and --debug output.
Napi::Value rtnl_encode_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray())
    throw Napi::TypeError::New(env, "rtnlEncode: ops must be an array");
  std::vector<EncodedOp> ops =
      read_ops(env, [&](const OpTree& tree) { return encode_rtnl_ops(tree, NapiOpTree::node(info[0])); });
  Napi::Array out = Napi::Array::New(env, ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    auto* nlh = reinterpret_cast<nlmsghdr*>(ops[i].request.bytes.data());
    nlh->nlmsg_seq = static_cast<uint32_t>(i + 1);
    const auto& b = ops[i].request.bytes;
    out.Set(i, Napi::Buffer<uint8_t>::Copy(env, b.data(), b.size()));
  }
  return out;
}

// rtnlParse(buffers): each RTM_NEWLINK/NEWADDR/NEWROUTE/NEWNEIGH message
// parsed as a reply would be (null for other types). Pure: for codec round
// trips in tests and for decoding captured messages.
Napi::Value rtnl_parse_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray())
    throw Napi::TypeError::New(env, "rtnlParse: expected an array of Buffers");
  Napi::Array in = info[0].As<Napi::Array>();
  Napi::Array out = Napi::Array::New(env, in.Length());
  for (uint32_t i = 0; i < in.Length(); ++i) {
    Napi::Value v = in.Get(i);
    if (!v.IsBuffer()) throw Napi::TypeError::New(env, "rtnlParse: expected Buffers");
    auto buf = v.As<Napi::Buffer<uint8_t>>();
    std::vector<uint8_t> msg(buf.Data(), buf.Data() + buf.Length());
    out.Set(i, env.Null());
    if (msg.size() < NLMSG_HDRLEN || reinterpret_cast<nlmsghdr*>(msg.data())->nlmsg_len > msg.size())
      continue;
    NlReply reply{std::nullopt, {msg}};
    switch (reinterpret_cast<nlmsghdr*>(msg.data())->nlmsg_type) {
      case RTM_NEWLINK: {
        LinkInfo l;
        if (parse_link(msg, l)) out.Set(i, link_to_js(env, l));
        break;
      }
      case RTM_NEWADDR:
        out.Set(i, list_to_js<AddrInfo>(env, reply, parse_addr, addr_to_js).Get(0u));
        break;
      case RTM_NEWROUTE:
        out.Set(i, list_to_js<RouteInfo>(env, reply, parse_route, route_to_js).Get(0u));
        break;
      case RTM_NEWNEIGH:
        out.Set(i, list_to_js<NeighInfo>(env, reply, parse_neigh, neigh_to_js).Get(0u));
        break;
      default:
        break;
    }
  }
  return out;
}

}  // namespace

void list_rtnl_exports(std::vector<NativeExport>& out) {
  out.push_back({"rtnlBatch", rtnl_batch_js});
  out.push_back({"rtnlSequence", rtnl_sequence_js});
  out.push_back({"rtnlEncode", rtnl_encode_js});
  out.push_back({"rtnlParse", rtnl_parse_js});
}

}  // namespace cnm
