// SPDX-License-Identifier: GPL-2.0-or-later
// Reads fields of one JS op object, checking types and ranges. Every failure
// throws InvalidOp naming the op's index and the field, before any kernel
// call is made. Reads through an OpTree, so it needs no N-API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../core/inet.h"
#include "../core/netns.h"
#include "../core/rtnl_link.h"
#include "op_tree.h"

namespace cnm {

// A namespace an op names: an open handle, or one a sequence creates first.
struct NetnsArg {
  NetnsPtr ns;
  int slot = -1;
};

// Namespaces a sequence will create, in order (their index is the slot).
using PendingNetns = std::vector<OpNode>;

class OpReader {
 public:
  OpReader(const OpTree& tree, OpNode object, int index, std::string prefix = {},
           const PendingNetns* pending = nullptr);

  bool has(const char* key) const;
  bool is_string(const char* key) const { return tree_.is_string(get(key)); }
  OpNode raw(const char* key) const { return get(key); }
  OpNode object_value() const { return object_; }
  std::optional<uint32_t> u32(const char* key, uint32_t min = 0, uint32_t max = UINT32_MAX) const;
  uint32_t required_u32(const char* key, uint32_t min = 0, uint32_t max = UINT32_MAX) const;
  std::optional<bool> boolean(const char* key) const;
  std::optional<std::string> string(const char* key) const;
  std::string required_string(const char* key) const;
  std::optional<std::string> ifname(const char* key) const;  // a valid interface name
  std::optional<int32_t> ifindex(const char* key) const;     // 1 and up
  int32_t required_ifindex(const char* key) const;
  LinkRef link_ref(const char* key) const;  // an ifindex or an interface name
  std::optional<Mac> mac(const char* key) const;
  std::optional<IpAddr> ip(const char* key) const;
  std::optional<IpPrefix> prefix(const char* key) const;
  // A string from one of the names tables (names.h), or a number when allowed.
  std::optional<uint32_t> named(const char* key, const char* table, bool numbers_too) const;
  NetnsArg netns(const char* key) const;  // a Netns handle or a pending one; empty when absent
  OpReader object(const char* key) const;
  // The object at key (an object, array or function), or nullopt when absent.
  std::optional<OpNode> optional_object(const char* key) const;
  // A reader of another object of the same op (a statement, an element), its
  // fields named under prefix.
  OpReader nested(OpNode object, std::string prefix) const;

  [[noreturn]] void fail(const std::string& key, const std::string& why) const;
  const OpTree& tree() const { return tree_; }
  int index() const { return index_; }

 private:
  OpNode get(const char* key) const { return tree_.get(object_, key); }

  const OpTree& tree_;
  OpNode object_;
  int index_;
  std::string prefix_;
  const PendingNetns* pending_;
};

}  // namespace cnm
