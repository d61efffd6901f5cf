// SPDX-License-Identifier: GPL-2.0-or-later
#include "nft_js.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "../core/nft_build.h"
#include "../core/nft_parse.h"
#include "async.h"
#include "env_state.h"
#include "napi_op_tree.h"
#include "netns_handle.h"
#include "nft_ops.h"

namespace cnm {

namespace {

const char* family_name(uint8_t f) {
  switch (f) {
    case NFPROTO_IPV4:
      return "ip";
    case NFPROTO_IPV6:
      return "ip6";
    case NFPROTO_INET:
      return "inet";
    case NFPROTO_BRIDGE:
      return "bridge";
    case NFPROTO_ARP:
      return "arp";
    case NFPROTO_NETDEV:
      return "netdev";
    default:
      return "unspec";
  }
}

const char* hook_name(uint32_t h) {
  static const char* kNames[] = {"prerouting", "input", "forward", "output", "postrouting"};
  return h < 5 ? kNames[h] : "unknown";
}

const char* verdict_name(int32_t v) {
  switch (v) {
    case NF_ACCEPT:
      return "accept";
    case NF_DROP:
      return "drop";
    case NFT_RETURN:
      return "return";
    case NFT_CONTINUE:
      return "continue";
    case NFT_JUMP:
      return "jump";
    case NFT_GOTO:
      return "goto";
    default:
      return "unknown";
  }
}

Napi::Value hex(Napi::Env env, const std::vector<uint8_t>& b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (uint8_t c : b) {
    s.push_back(digits[c >> 4]);
    s.push_back(digits[c & 15]);
  }
  return Napi::String::New(env, s);
}

struct ListState {
  NetnsPtr ns;
  std::shared_ptr<KernelContext> kernel;
  NftDumpKind kind = NftDumpKind::tables;
  uint8_t family = NFPROTO_UNSPEC;
  std::string table, set;
  NlReply reply;
};

Napi::Value list_to_js(Napi::Env env, const ListState& st) {
  Napi::Array out = Napi::Array::New(env);
  auto push = [&](Napi::Object o) { out.Set(out.Length(), o); };
  for (const auto& msg : st.reply.messages) {
    switch (st.kind) {
      case NftDumpKind::tables: {
        NftTableInfo t;
        if (!nft_parse_table(msg, t)) break;
        Napi::Object o = Napi::Object::New(env);
        o.Set("family", family_name(t.family));
        o.Set("name", t.name);
        o.Set("handle", static_cast<double>(t.handle));
        o.Set("flags", t.flags);
        o.Set("use", t.use);
        push(o);
        break;
      }
      case NftDumpKind::chains: {
        NftChainInfo c;
        if (!nft_parse_chain(msg, c) || (!st.table.empty() && c.table != st.table)) break;
        Napi::Object o = Napi::Object::New(env);
        o.Set("family", family_name(c.family));
        o.Set("table", c.table);
        o.Set("name", c.name);
        o.Set("handle", static_cast<double>(c.handle));
        if (c.hook) {
          o.Set("type", *c.type);
          o.Set("hook", hook_name(*c.hook));
          o.Set("priority", *c.priority);
        }
        if (c.policy) o.Set("policy", *c.policy == NF_ACCEPT ? "accept" : "drop");
        o.Set("use", c.use);
        push(o);
        break;
      }
      case NftDumpKind::rules: {
        NftRuleInfo r;
        if (!nft_parse_rule(msg, r)) break;
        Napi::Object o = Napi::Object::New(env);
        o.Set("family", family_name(r.family));
        o.Set("table", r.table);
        o.Set("chain", r.chain);
        o.Set("handle", static_cast<double>(r.handle));
        if (!r.comment.empty()) o.Set("comment", r.comment);
        Napi::Array exprs = Napi::Array::New(env, r.exprs.size());
        for (size_t i = 0; i < r.exprs.size(); ++i) exprs.Set(i, r.exprs[i]);
        o.Set("exprs", exprs);
        push(o);
        break;
      }
      case NftDumpKind::sets: {
        NftSetInfo s;
        if (!nft_parse_set(msg, s)) break;
        Napi::Object o = Napi::Object::New(env);
        o.Set("family", family_name(s.family));
        o.Set("table", s.table);
        o.Set("name", s.name);
        o.Set("handle", static_cast<double>(s.handle));
        Napi::Array flags = Napi::Array::New(env);
        if (s.flags & NFT_SET_CONSTANT) flags.Set(flags.Length(), "constant");
        if (s.flags & NFT_SET_INTERVAL) flags.Set(flags.Length(), "interval");
        if (s.flags & NFT_SET_MAP) flags.Set(flags.Length(), "map");
        if (s.flags & NFT_SET_TIMEOUT) flags.Set(flags.Length(), "timeout");
        if (s.flags & NFT_SET_CONCAT) flags.Set(flags.Length(), "concat");
        o.Set("flags", flags);
        o.Set("keyType", s.key_type);
        o.Set("keyLen", s.key_len);
        if (s.data_type) {
          if (*s.data_type == NFT_DATA_VERDICT) {
            o.Set("dataType", "verdict");
          } else {
            o.Set("dataType", *s.data_type);
            o.Set("dataLen", *s.data_len);
          }
        }
        if (s.timeout_ms) o.Set("timeout", static_cast<double>(*s.timeout_ms));
        push(o);
        break;
      }
      case NftDumpKind::elements: {
        std::vector<NftElementInfo> els;
        if (!nft_parse_elements(msg, els)) break;
        for (const NftElementInfo& e : els) {
          Napi::Object o = Napi::Object::New(env);
          o.Set("key", hex(env, e.key));
          if (e.key_end) o.Set("keyEnd", hex(env, *e.key_end));
          if (e.data) o.Set("data", hex(env, *e.data));
          if (e.verdict) {
            Napi::Object v = Napi::Object::New(env);
            v.Set("verdict", verdict_name(*e.verdict));
            if (!e.chain.empty()) v.Set("chain", e.chain);
            o.Set("verdict", v);
          }
          if (e.flags & NFT_SET_ELEM_INTERVAL_END) o.Set("intervalEnd", true);
          if (e.timeout_ms) o.Set("timeout", static_cast<double>(*e.timeout_ms));
          if (e.expires_ms) o.Set("expires", static_cast<double>(*e.expires_ms));
          if (!e.comment.empty()) o.Set("comment", e.comment);
          push(o);
        }
        break;
      }
    }
  }
  return out;
}

struct BatchState {
  NetnsPtr ns;
  std::shared_ptr<KernelContext> kernel;
  std::vector<EncodedNftOp> ops;
  int timeout_ms = 30000;
  std::vector<size_t> op_of_message;  // which op each message came from
  NlSocket::BatchOutcome outcome;
};

// nftBatch(netns, ops, { timeoutMs }?) -> Promise<null>; rejects with a
// NetlinkError whose index is the first failing op (the batch was aborted).
Napi::Value nft_batch_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto st = std::make_shared<BatchState>();
  st->ns = NetnsHandle::unwrap(env, info[0]);
  if (!st->ns) throw Napi::TypeError::New(env, "nftBatch: the first argument must be an open Netns handle");
  if (info.Length() < 2 || !info[1].IsArray())
    throw Napi::TypeError::New(env, "nftBatch: ops must be an array");
  st->timeout_ms = timeout_option(info, 2);
  st->ops =
      read_ops(env, [&](const OpTree& tree) { return encode_nft_ops(tree, NapiOpTree::node(info[1])); });
  st->kernel = env_state(env).kernel;
  return PromiseWorker::start(
      env, ErrorContext{"nft.batch", -1, st->ns->path},
      [st]() -> Status {
        if (st->ops.empty()) return std::nullopt;
        auto socket = st->kernel->sockets.get(*st->ns, NETLINK_NETFILTER);
        if (!socket.ok()) return socket.error();
        std::vector<std::vector<uint8_t>> messages;
        for (size_t i = 0; i < st->ops.size(); ++i)
          for (auto& m : st->ops[i].messages) {
            messages.push_back(std::move(m));
            st->op_of_message.push_back(i);
          }
        TransactOptions options;
        options.recv_timeout_ms = st->timeout_ms;
        st->outcome = socket.value()->transact_batch(messages, nft_batch_begin(), nft_batch_end(), options);
        return st->outcome.transport;
      },
      [st](Napi::Env env) -> Napi::Value {
        for (size_t i = 0; i < st->outcome.per_message.size(); ++i) {
          const Status& e = st->outcome.per_message[i];
          if (!e) continue;
          Napi::Value err = make_netlink_error(
              env, *e, ErrorContext{st->ops[i].op, static_cast<int>(i), st->ops[i].object});
          throw Napi::Error(env, err);
        }
        return env.Null();
      });
}

// nftList(netns, what, { family, table, set }?) -> Promise<object[]>
Napi::Value nft_list_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto st = std::make_shared<ListState>();
  st->ns = NetnsHandle::unwrap(env, info[0]);
  if (!st->ns) throw Napi::TypeError::New(env, "nftList: the first argument must be an open Netns handle");
  std::string what = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  if (what == "tables")
    st->kind = NftDumpKind::tables;
  else if (what == "chains")
    st->kind = NftDumpKind::chains;
  else if (what == "rules")
    st->kind = NftDumpKind::rules;
  else if (what == "sets")
    st->kind = NftDumpKind::sets;
  else if (what == "elements")
    st->kind = NftDumpKind::elements;
  else
    throw Napi::TypeError::New(env, "nftList: what must be tables, chains, rules, sets or elements");
  if (info.Length() > 2 && info[2].IsObject()) {
    Napi::Object f = info[2].As<Napi::Object>();
    std::string fam = f.Get("family").IsString() ? f.Get("family").As<Napi::String>().Utf8Value() : "";
    static const std::pair<const char*, uint8_t> kFamilies[] = {
        {"ip", NFPROTO_IPV4},       {"ip6", NFPROTO_IPV6}, {"inet", NFPROTO_INET},
        {"bridge", NFPROTO_BRIDGE}, {"arp", NFPROTO_ARP},  {"netdev", NFPROTO_NETDEV}};
    for (const auto& [n, v] : kFamilies)
      if (fam == n) st->family = v;
    if (!fam.empty() && st->family == NFPROTO_UNSPEC)
      throw Napi::TypeError::New(env, "nftList: unknown family");
    if (f.Get("table").IsString()) st->table = f.Get("table").As<Napi::String>().Utf8Value();
    if (f.Get("set").IsString()) st->set = f.Get("set").As<Napi::String>().Utf8Value();
  }
  if (st->kind == NftDumpKind::elements &&
      (st->table.empty() || st->set.empty() || st->family == NFPROTO_UNSPEC))
    throw Napi::TypeError::New(env, "nftList: elements need family, table and set");
  st->kernel = env_state(env).kernel;
  return PromiseWorker::start(
      env, ErrorContext{"nft.list", -1, what},
      [st]() -> Status {
        auto socket = st->kernel->sockets.get(*st->ns, NETLINK_NETFILTER);
        if (!socket.ok()) return socket.error();
        std::vector<NlRequest> requests(1);
        requests[0].bytes = nft_dump_request(st->kind, st->family, st->table, st->set).bytes;
        requests[0].dump = true;
        auto replies = socket.value()->transact(requests);
        st->reply = std::move(replies[0]);
        return st->reply.error;
      },
      [st](Napi::Env env) -> Napi::Value { return list_to_js(env, *st); });
}

// nftEncode(ops) -> Buffer[][]: each op's messages (no begin/end). Pure.
Napi::Value nft_encode_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray())
    throw Napi::TypeError::New(env, "nftEncode: ops must be an array");
  auto ops =
      read_ops(env, [&](const OpTree& tree) { return encode_nft_ops(tree, NapiOpTree::node(info[0])); });
  Napi::Array out = Napi::Array::New(env, ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    Napi::Array msgs = Napi::Array::New(env, ops[i].messages.size());
    for (size_t m = 0; m < ops[i].messages.size(); ++m)
      msgs.Set(m, Napi::Buffer<uint8_t>::Copy(env, ops[i].messages[m].data(), ops[i].messages[m].size()));
    out.Set(i, msgs);
  }
  return out;
}

}  // namespace

void list_nft_exports(std::vector<NativeExport>& out) {
  out.push_back({"nftBatch", nft_batch_js});
  out.push_back({"nftList", nft_list_js});
  out.push_back({"nftEncode", nft_encode_js});
}

}  // namespace cnm
