// SPDX-License-Identifier: GPL-2.0-or-later
#include "nft_ops.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <sys/socket.h>

#include "../core/inet.h"
#include "../core/nft_build.h"
#include "op_reader.h"

namespace cnm {

namespace {

uint8_t read_family(const OpReader& r) {
  std::string f = r.required_string("family");
  if (f == "ip") return NFPROTO_IPV4;
  if (f == "ip6") return NFPROTO_IPV6;
  if (f == "inet") return NFPROTO_INET;
  if (f == "bridge") return NFPROTO_BRIDGE;
  if (f == "arp") return NFPROTO_ARP;
  if (f == "netdev") return NFPROTO_NETDEV;
  r.fail("family", "must be ip, ip6, inet, bridge, arp or netdev");
}

std::string read_name(const OpReader& r, const char* key) {
  std::string s = r.required_string(key);
  if (s.empty() || s.size() > 255) r.fail(key, "must be 1-255 bytes");
  return s;
}

NftValue value_of(const OpTree& t, OpNode v) {
  NftValue out;
  if (t.is_number(v)) {
    out.is_number = true;
    out.number = t.number(v);
  } else if (t.is_string(v)) {
    out.text = t.string(v);
  }
  return out;
}

// The string at position i of an array, or "" when it is no string.
std::string string_at(const OpTree& t, OpNode array, uint32_t i) {
  OpNode v = t.at(array, i);
  return t.is_string(v) ? t.string(v) : "";
}

NftTypeList read_types(const OpReader& r, const char* key) {
  const OpTree& t = r.tree();
  OpNode v = r.raw(key);
  if (!t.is_array(v) || t.length(v) == 0)
    r.fail(key,
           "must be a non-empty array of types (ifname, ipv4_addr, ipv6_addr, inet_proto, inet_service, "
           "mark, ether_addr)");
  NftTypeList out;
  for (uint32_t i = 0, n = t.length(v); i < n; ++i) {
    OpNode f = t.at(v, i);
    auto type = t.is_string(f) ? nft_type(t.string(f)) : std::nullopt;
    if (!type) r.fail(key, "unknown type at position " + std::to_string(i));
    out.fields.push_back(*type);
  }
  if (out.fields.size() > NFT_REG32_COUNT) r.fail(key, "too many fields");
  return out;
}

std::vector<uint8_t> encode_values(const OpReader& r, const NftTypeList& types, OpNode v,
                                   const std::string& key) {
  const OpTree& t = r.tree();
  std::vector<NftValue> values;
  if (t.is_array(v)) {
    for (uint32_t i = 0, n = t.length(v); i < n; ++i) values.push_back(value_of(t, t.at(v, i)));
  } else {
    values.push_back(value_of(t, v));
  }
  std::string why;
  auto bytes = nft_encode(types, values, why);
  if (!bytes) r.fail(key, why);
  return *bytes;
}

int32_t read_verdict(const OpReader& r, const std::string& v, const char* key) {
  if (v == "accept") return NF_ACCEPT;
  if (v == "drop") return NF_DROP;
  if (v == "return") return NFT_RETURN;
  if (v == "continue") return NFT_CONTINUE;
  if (v == "jump") return NFT_JUMP;
  if (v == "goto") return NFT_GOTO;
  r.fail(key, "must be accept, drop, return, continue, jump or goto");
}

std::vector<NftField> read_fields(const OpReader& r, OpNode v, const char* key) {
  const OpTree& t = r.tree();
  if (!t.is_array(v) || t.length(v) == 0) r.fail(key, "must be a non-empty array of fields");
  std::vector<NftField> out;
  uint32_t words = 0;
  for (uint32_t i = 0, n = t.length(v); i < n; ++i) {
    OpNode f = t.at(v, i);
    auto field = t.is_string(f) ? nft_field(t.string(f)) : std::nullopt;
    if (!field) r.fail(key, "unknown field at position " + std::to_string(i));
    words += (nft_field_type(*field).size + 3) / 4;
    out.push_back(*field);
  }
  if (words > 16) r.fail(key, "the concatenation does not fit the registers");
  return out;
}

// "tcp dport" is "th dport" after `meta l4proto tcp`, as nft writes it.
NftField match_field(const OpReader& r, const std::string& name, std::optional<uint8_t>& l4proto) {
  for (const auto& [proto, number] :
       {std::pair<const char*, uint8_t>{"tcp", 6}, {"udp", 17}, {"sctp", 132}}) {
    std::string p = proto;
    if (name == p + " dport" || name == p + " sport") {
      l4proto = number;
      return name.ends_with("dport") ? NftField::th_dport : NftField::th_sport;
    }
  }
  auto f = nft_field(name);
  if (!f) r.fail("match", "unknown field \"" + name + "\"");
  return *f;
}

NftStatement read_match(const OpReader& r) {
  NftStatement s;
  std::string name = r.required_string("match");
  std::string op = r.string("op").value_or("==");
  if (op != "==" && op != "!=") r.fail("op", "must be == or !=");
  s.negate = op == "!=";
  if (name == "ct state" || name == "ct status") {
    s.kind = name == "ct state" ? NftStatementKind::ct_state : NftStatementKind::ct_status;
    static const std::pair<const char*, uint32_t> kStates[] = {
        {"invalid", NF_CT_STATE_INVALID_BIT},
        {"established", NF_CT_STATE_BIT(IP_CT_ESTABLISHED)},
        {"related", NF_CT_STATE_BIT(IP_CT_RELATED)},
        {"new", NF_CT_STATE_BIT(IP_CT_NEW)},
        {"untracked", NF_CT_STATE_UNTRACKED_BIT}};
    static const std::pair<const char*, uint32_t> kStatuses[] = {{"dnat", IPS_DST_NAT},
                                                                 {"snat", IPS_SRC_NAT}};
    const OpTree& t = r.tree();
    OpNode v = r.raw("value");
    if (!t.is_array(v)) r.fail("value", "must be an array of names");
    for (uint32_t i = 0, n = t.length(v); i < n; ++i) {
      std::string word = string_at(t, v, i);
      bool known = false;
      if (s.kind == NftStatementKind::ct_state) {
        for (const auto& [n, bit] : kStates)
          if (word == n) s.ct_state_bits |= bit, known = true;
      } else {
        for (const auto& [n, bit] : kStatuses)
          if (word == n) s.ct_state_bits |= bit, known = true;
      }
      if (!known) r.fail("value", "unknown " + name + " at position " + std::to_string(i));
    }
    if (s.ct_state_bits == 0) r.fail("value", "must name at least one");
    return s;
  }
  if (name == "fib daddr type") {
    if (r.string("value") != std::optional<std::string>("local"))
      r.fail("value", "only `local` is supported");
    s.kind = NftStatementKind::fib_local;
    return s;
  }
  s.kind = NftStatementKind::match;
  s.field = match_field(r, name, s.l4proto);
  NftType type = nft_field_type(s.field);
  if (s.field == NftField::meta_nfproto) {
    std::string v = r.required_string("value");
    if (v != "ipv4" && v != "ipv6") r.fail("value", "must be ipv4 or ipv6");
    s.value = {static_cast<uint8_t>(v == "ipv4" ? NFPROTO_IPV4 : NFPROTO_IPV6)};
    return s;
  }
  if (type.name == "ipv4_addr" || type.name == "ipv6_addr") {
    auto p = r.prefix("value");
    if (!p || p->addr.size() != type.size)
      r.fail("value", "must be an " + type.name + " with an optional /prefix");
    s.value.assign(p->addr.bytes.begin(), p->addr.bytes.begin() + type.size);
    if (p->len < type.size * 8) {
      s.mask.assign(type.size, 0);
      for (uint32_t bit = 0; bit < p->len; ++bit) s.mask[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
      for (size_t i = 0; i < s.value.size(); ++i) s.value[i] &= s.mask[i];
    }
    return s;
  }
  if (!r.has("value")) r.fail("value", "is required");
  NftTypeList one{{type}};
  s.value = encode_values(r, one, r.raw("value"), "value");
  if (r.has("to")) {
    // The kernel compares a range byte by byte: right for ports (big endian), not for host-order marks.
    if (type.name != "inet_service") r.fail("to", "ranges are for ports");
    s.to = encode_values(r, one, r.raw("to"), "to");
  }
  return s;
}

NftStatement read_statement(const OpReader& r) {
  if (r.has("match")) return read_match(r);
  NftStatement s;
  if (r.has("lookup")) {
    s.kind = NftStatementKind::lookup;
    s.keys = read_fields(r, r.raw("lookup"), "lookup");
    s.set = read_name(r, "set");
    std::string op = r.string("op").value_or("==");
    if (op != "==" && op != "!=") r.fail("op", "must be == or !=");
    s.negate = op == "!=";
    return s;
  }
  if (r.has("counter")) {
    s.kind = NftStatementKind::counter;
    return s;
  }
  if (r.has("verdict")) {
    s.kind = NftStatementKind::verdict;
    s.verdict = read_verdict(r, r.required_string("verdict"), "verdict");
    bool needs_chain = s.verdict == NFT_JUMP || s.verdict == NFT_GOTO;
    if (needs_chain)
      s.chain = read_name(r, "chain");
    else if (r.has("chain"))
      r.fail("chain", "only jump and goto take a chain");
    return s;
  }
  if (r.has("vmap")) {
    s.kind = NftStatementKind::vmap;
    s.keys = read_fields(r, r.raw("vmap"), "vmap");
    s.set = read_name(r, "set");
    return s;
  }
  if (r.has("nat")) {
    std::string nat = r.required_string("nat");
    if (nat != "dnat" && nat != "snat") r.fail("nat", "must be dnat or snat");
    s.snat = nat == "snat";
    std::string fam = r.required_string("family");
    if (fam != "ip" && fam != "ip6") r.fail("family", "must be ip or ip6");
    s.nat_family = fam == "ip" ? NFPROTO_IPV4 : NFPROTO_IPV6;
    if (r.has("map")) {
      s.kind = NftStatementKind::nat_map;
      s.keys = read_fields(r, r.raw("map"), "map");
      s.set = read_name(r, "set");
      s.nat_port = r.boolean("port").value_or(true);
      return s;
    }
    s.kind = NftStatementKind::nat_to;
    auto addr = r.ip("address");
    if (!addr || (addr->family == AF_INET) != (s.nat_family == NFPROTO_IPV4))
      r.fail("address", "must be an address of the nat family");
    s.nat_address.assign(addr->bytes.begin(), addr->bytes.begin() + addr->size());
    if (auto port = r.u32("port", 1, 65535)) s.nat_to_port = static_cast<uint16_t>(*port);
    return s;
  }
  if (r.has("masquerade")) {
    s.kind = NftStatementKind::masquerade;
    s.random = r.boolean("random").value_or(false);
    return s;
  }
  r.fail("", "a statement is one of match, lookup, counter, verdict, vmap, nat, masquerade");
}

std::string where(uint8_t family, const std::string& table, const std::string& name) {
  const char* f = family == NFPROTO_IPV4     ? "ip"
                  : family == NFPROTO_IPV6   ? "ip6"
                  : family == NFPROTO_INET   ? "inet"
                  : family == NFPROTO_BRIDGE ? "bridge"
                  : family == NFPROTO_ARP    ? "arp"
                                             : "netdev";
  std::string out = std::string(f) + " " + table;
  if (!name.empty()) out += " " + name;
  return out;
}

NftVerb verb_of(const OpReader& r, const std::string& op, std::initializer_list<const char*> allowed) {
  std::string v = op.substr(op.find('.') + 1);
  bool ok = false;
  for (const char* a : allowed) ok = ok || v == a;
  if (!ok) r.fail("op", "unknown op \"" + op + "\"");
  if (v == "add") return NftVerb::add;
  if (v == "create") return NftVerb::create;
  if (v == "insert") return NftVerb::insert;
  if (v == "del") return NftVerb::del;
  return NftVerb::flush;
}

std::optional<std::vector<NftMessage>> one(std::optional<NftMessage> m) {
  if (!m) return std::nullopt;
  std::vector<NftMessage> v;
  v.push_back(std::move(*m));
  return v;
}

std::optional<std::vector<NftMessage>> encode_one(const OpReader& r, const std::string& op, EncodedNftOp& out,
                                                  std::string& why) {
  std::string kind = op.substr(0, op.find('.'));
  if (kind == "table") {
    NftTableOp t;
    t.verb = verb_of(r, op, {"add", "create", "del", "flush"});
    t.family = read_family(r);
    t.name = read_name(r, "name");
    out.object = where(t.family, t.name, "");
    return one(nft_build(t, why));
  }
  if (kind == "chain") {
    NftChainOp c;
    c.verb = verb_of(r, op, {"add", "create", "del", "flush"});
    c.family = read_family(r);
    c.table = read_name(r, "table");
    c.name = read_name(r, "name");
    out.object = where(c.family, c.table, c.name);
    if (auto hook = r.string("hook")) {
      static const std::pair<const char*, uint32_t> kHooks[] = {{"prerouting", NF_INET_PRE_ROUTING},
                                                                {"input", NF_INET_LOCAL_IN},
                                                                {"forward", NF_INET_FORWARD},
                                                                {"output", NF_INET_LOCAL_OUT},
                                                                {"postrouting", NF_INET_POST_ROUTING}};
      for (const auto& [n, v] : kHooks)
        if (*hook == n) c.hook = v;
      if (!c.hook) r.fail("hook", "must be prerouting, input, forward, output or postrouting");
      c.type = r.string("type").value_or("filter");
      if (*c.type != "filter" && *c.type != "nat" && *c.type != "route")
        r.fail("type", "must be filter, nat or route");
      if (r.has("priority")) {
        OpNode p = r.raw("priority");
        if (!r.tree().is_number(p)) r.fail("priority", "must be a number");
        c.priority = r.tree().int32(p);
      }
    } else if (r.has("type") || r.has("priority")) {
      r.fail("hook", "type and priority belong to a base chain, which needs a hook");
    }
    if (auto policy = r.string("policy")) {
      if (*policy != "accept" && *policy != "drop") r.fail("policy", "must be accept or drop");
      if (!c.hook) r.fail("policy", "only a base chain has a policy");
      c.policy = *policy == "accept" ? NF_ACCEPT : NF_DROP;
    }
    return one(nft_build(c, why));
  }
  if (kind == "rule") {
    NftRuleOp rule;
    rule.verb = verb_of(r, op, {"add", "insert", "del"});
    rule.family = read_family(r);
    rule.table = read_name(r, "table");
    rule.chain = read_name(r, "chain");
    out.object = where(rule.family, rule.table, rule.chain);
    if (r.has("handle")) {
      OpNode h = r.raw("handle");
      if (!r.tree().is_number(h) || r.tree().number(h) < 1) r.fail("handle", "must be a rule handle");
      rule.handle = static_cast<uint64_t>(r.tree().number(h));
    }
    if (rule.verb == NftVerb::del) {
      if (!rule.handle) r.fail("handle", "is required to delete a rule");
      return one(nft_build(rule, why));
    }
    const OpTree& t = r.tree();
    OpNode st = r.raw("statements");
    if (!t.is_array(st)) r.fail("statements", "must be an array");
    for (uint32_t i = 0, n = t.length(st); i < n; ++i) {
      OpNode statement = t.at(st, i);
      if (!t.is_object(statement)) r.fail("statements", "each statement is an object");
      rule.statements.push_back(read_statement(r.nested(statement, "statements." + std::to_string(i) + ".")));
    }
    // As nft: a port mapping needs to know the packet has ports.
    bool l4 = false;
    for (const NftStatement& s : rule.statements) {
      if (s.kind == NftStatementKind::match && (s.l4proto || s.field == NftField::meta_l4proto)) l4 = true;
      bool keys_l4 = false;
      for (NftField k : s.keys) keys_l4 = keys_l4 || k == NftField::meta_l4proto;
      bool maps_port = (s.kind == NftStatementKind::nat_to && s.nat_to_port) ||
                       (s.kind == NftStatementKind::nat_map && s.nat_port && !keys_l4);
      if (maps_port && !l4)
        r.fail("statements", "a port mapping is only valid after a transport protocol match (as in nft)");
    }
    rule.comment = r.string("comment").value_or("");
    if (rule.comment.size() > 128) r.fail("comment", "must be at most 128 bytes");
    return one(nft_build(rule, why));
  }
  if (kind == "set") {
    NftSetOp s;
    s.verb = verb_of(r, op, {"add", "create", "del", "flush"});
    s.family = read_family(r);
    s.table = read_name(r, "table");
    s.name = read_name(r, "name");
    s.id = static_cast<uint32_t>(r.index()) + 1;
    out.object = where(s.family, s.table, s.name);
    if (s.verb == NftVerb::add || s.verb == NftVerb::create) {
      s.key = read_types(r, "key");
      if (r.is_string("data")) {
        if (*r.string("data") != "verdict") r.fail("data", "must be an array of types or \"verdict\"");
        s.verdict_map = true;
      } else if (r.has("data")) {
        s.data = read_types(r, "data");
      }
      if (r.has("flags")) {
        const OpTree& t = r.tree();
        OpNode f = r.raw("flags");
        if (!t.is_array(f)) r.fail("flags", "must be an array");
        for (uint32_t i = 0, n = t.length(f); i < n; ++i) {
          std::string flag = string_at(t, f, i);
          if (flag == "interval")
            s.interval = true;
          else if (flag == "timeout")
            s.timeout = true;
          else if (flag == "constant")
            s.constant = true;
          else
            r.fail("flags", "unknown flag at position " + std::to_string(i));
        }
      }
      if (auto t = r.u32("timeout", 1)) {
        s.timeout = true;
        s.timeout_ms = *t;
      }
      s.comment = r.string("comment").value_or("");
      if (s.comment.size() > 128) r.fail("comment", "must be at most 128 bytes");
    }
    return one(nft_build(s, why));
  }
  if (kind == "element") {
    NftElementOp e;
    e.verb = verb_of(r, op, {"add", "create", "del"});
    e.family = read_family(r);
    e.table = read_name(r, "table");
    e.set = read_name(r, "set");
    out.object = where(e.family, e.table, e.set);
    NftTypeList key = read_types(r, "key");
    std::optional<NftTypeList> data;
    bool verdicts = r.is_string("data") && *r.string("data") == "verdict";
    if (r.has("data") && !verdicts) data = read_types(r, "data");
    e.interval = r.boolean("interval").value_or(false);
    e.concat = key.concat();
    const OpTree& t = r.tree();
    OpNode els = r.raw("elements");
    if (!t.is_array(els)) r.fail("elements", "must be an array");
    const uint32_t count = t.length(els);
    e.elements.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      OpNode element = t.at(els, i);
      if (!t.is_object(element)) r.fail("elements", "each element is an object");
      OpReader er = r.nested(element, "elements." + std::to_string(i) + ".");
      NftElement el;
      el.key = encode_values(er, key, er.raw("key"), "key");
      if (er.has("keyEnd")) {
        if (!e.interval) er.fail("keyEnd", "only interval sets take ranges");
        el.key_end = encode_values(er, key, er.raw("keyEnd"), "keyEnd");
      } else if (e.interval && e.concat) {
        el.key_end = el.key;  // a single value of a concatenated interval set
      }
      if (e.verb != NftVerb::del) {
        if (data) {
          if (!er.has("data")) er.fail("data", "a map element needs data");
          el.data = encode_values(er, *data, er.raw("data"), "data");
        } else if (verdicts) {
          OpReader vr = er.object("verdict");
          el.verdict = read_verdict(vr, vr.required_string("verdict"), "verdict");
          if (*el.verdict == NFT_JUMP || *el.verdict == NFT_GOTO) el.chain = read_name(vr, "chain");
        }
        if (auto t = er.u32("timeout", 1)) el.timeout_ms = *t;
        el.comment = er.string("comment").value_or("");
        if (el.comment.size() > 128) er.fail("comment", "must be at most 128 bytes");
      }
      e.elements.push_back(std::move(el));
    }
    return nft_build(e, why);
  }
  r.fail("op", "unknown op \"" + op + "\"");
}

}  // namespace

std::vector<EncodedNftOp> encode_nft_ops(const OpTree& tree, OpNode ops) {
  std::vector<EncodedNftOp> out(tree.length(ops));
  for (uint32_t i = 0; i < out.size(); ++i) {
    OpNode v = tree.at(ops, i);
    if (!tree.is_object(v)) throw InvalidOp{static_cast<int>(i), "", "op must be an object"};
    OpReader r(tree, v, static_cast<int>(i));
    out[i].op = r.required_string("op");
    std::string why;
    auto msgs = encode_one(r, out[i].op, out[i], why);
    if (!msgs) r.fail("", why);
    for (NftMessage& m : *msgs) out[i].messages.push_back(std::move(m.bytes));
  }
  return out;
}

}  // namespace cnm
