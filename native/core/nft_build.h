// SPDX-License-Identifier: GPL-2.0-or-later
// nftables objects and rule statements, built into netlink messages with
// libnftnl. Statements are the small vocabulary this project's rulesets use;
// each becomes the kernel's expressions (loads into registers, cmp, lookup,
// nat, ...) the way nft itself writes them, so `nft list` reads them back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nft_values.h"

namespace cnm {

// A packet field a statement reads (nft syntax names: "iifname", "ip daddr", "th dport", ...).
enum class NftField {
  iifname,
  oifname,
  meta_l4proto,
  meta_nfproto,
  meta_mark,
  ip_saddr,
  ip_daddr,
  ip6_saddr,
  ip6_daddr,
  th_sport,
  th_dport,
  ct_mark,
};

std::optional<NftField> nft_field(const std::string& name);  // "tcp dport" is th dport + l4proto
NftType nft_field_type(NftField field);                      // the type its values are written in

enum class NftStatementKind {
  match,      // field (==|!=) value, value/prefix, or value range
  ct_state,   // ct state in a set of states
  ct_status,  // ct status with any of some bits (dnat, snat)
  fib_local,  // fib daddr type local
  lookup,     // (field . field ...) [!]= @set
  counter,
  verdict,  // accept, drop, return, continue, jump CHAIN, goto CHAIN
  vmap,     // (fields) vmap @set
  nat_map,  // dnat/snat <family> to (fields) map @set
  nat_to,   // dnat/snat <family> to address[:port]
  masquerade,
};

struct NftStatement {
  NftStatementKind kind = NftStatementKind::counter;
  // match
  NftField field = NftField::iifname;
  bool negate = false;
  std::vector<uint8_t> value;
  std::vector<uint8_t> mask;               // prefix match (bitwise and) when not empty
  std::optional<std::vector<uint8_t>> to;  // range match: value..to
  std::optional<uint8_t> l4proto;          // implied `meta l4proto P` (tcp dport ...)
  // ct_state
  uint32_t ct_state_bits = 0;
  // lookup, vmap, nat_map
  std::vector<NftField> keys;
  std::string set;
  // verdict
  int32_t verdict = 0;  // NF_ACCEPT, NF_DROP, NFT_RETURN, NFT_JUMP, NFT_GOTO, NFT_CONTINUE
  std::string chain;
  // nat
  bool snat = false;
  int nat_family = 2;                   // NFPROTO_IPV4 or NFPROTO_IPV6
  bool nat_port = false;                // map data (or nat_to) includes a port
  std::vector<uint8_t> nat_address;     // nat_to
  std::optional<uint16_t> nat_to_port;  // nat_to
  bool random = false;                  // masquerade random
};

enum class NftVerb { add, create, insert, del, flush };

struct NftTableOp {
  NftVerb verb = NftVerb::add;
  uint8_t family = 1;
  std::string name;
};

struct NftChainOp {
  NftVerb verb = NftVerb::add;
  uint8_t family = 1;
  std::string table, name;
  std::optional<std::string> type;  // filter, nat, route: with hook, a base chain
  std::optional<uint32_t> hook;
  std::optional<int32_t> priority;
  std::optional<uint32_t> policy;  // NF_ACCEPT / NF_DROP
};

struct NftRuleOp {
  NftVerb verb = NftVerb::add;  // add (append), insert (prepend), del (by handle)
  uint8_t family = 1;
  std::string table, chain;
  std::optional<uint64_t> handle;  // del: the rule; add/insert: next to this rule
  std::vector<NftStatement> statements;
  std::string comment;
};

struct NftSetOp {
  NftVerb verb = NftVerb::add;  // add, create, del, flush (all elements)
  uint8_t family = 1;
  std::string table, name;
  NftTypeList key;
  std::optional<NftTypeList> data;  // a map
  bool verdict_map = false;         // a verdict map
  bool interval = false, timeout = false, constant = false;
  std::optional<uint64_t> timeout_ms;
  std::string comment;
  uint32_t id = 1;  // NFTA_SET_ID, required by the kernel: unique within the batch
};

struct NftElement {
  std::vector<uint8_t> key;
  std::optional<std::vector<uint8_t>> key_end;  // interval: last value of the range
  std::optional<std::vector<uint8_t>> data;
  std::optional<int32_t> verdict;
  std::string chain;
  std::optional<uint64_t> timeout_ms;
  std::string comment;
};

struct NftElementOp {
  NftVerb verb = NftVerb::add;  // add, create, del
  uint8_t family = 1;
  std::string table, set;
  bool interval = false;  // the set has the interval flag
  bool concat = false;    // its key is a concatenation (pipapo: key and key end in one element)
  std::vector<NftElement> elements;
};

// One message (seq 0; the socket numbers them). Errors are reported as text.
struct NftMessage {
  std::vector<uint8_t> bytes;
};

std::optional<NftMessage> nft_build(const NftTableOp& op, std::string& why);
std::optional<NftMessage> nft_build(const NftChainOp& op, std::string& why);
std::optional<NftMessage> nft_build(const NftRuleOp& op, std::string& why);
std::optional<NftMessage> nft_build(const NftSetOp& op, std::string& why);
// Elements go in as many messages as it takes: a message's element list is
// one netlink attribute, whose length field stops at 64 KiB.
std::optional<std::vector<NftMessage>> nft_build(const NftElementOp& op, std::string& why);

// Dump requests (NLM_F_DUMP) for tables, chains, rules, sets, and one set's elements.
enum class NftDumpKind { tables, chains, rules, sets, elements };
NftMessage nft_dump_request(NftDumpKind kind, uint8_t family, const std::string& table,
                            const std::string& set);

// The batch frame: BEGIN and END messages for the nftables subsystem.
std::vector<uint8_t> nft_batch_begin();
std::vector<uint8_t> nft_batch_end();

}  // namespace cnm
