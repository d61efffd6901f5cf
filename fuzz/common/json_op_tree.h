// SPDX-License-Identifier: GPL-2.0-or-later
// The OpTree the op-reader fuzz targets read: JS op objects written as JSON
// in the fuzz input, so seeds are readable and a crash reproduces from text.
// Beyond JSON, for what JS can pass and JSON cannot say:
//   undefined  NaN  Infinity  -Infinity   as in JS
//   fn                                    a function (an object to IsObject)
//   $ns                                   an open Netns handle
//   $p0 .. $p3                            a namespace an earlier sequence step creates
//   <N value>                             an array of N copies of value (big batches from small inputs)
//   "text"*N                              the string repeated N times
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../../native/glue/op_reader.h"
#include "../../native/glue/op_tree.h"

namespace cnm::fuzz {

class JsonOpTree final : public OpTree {
 public:
  JsonOpTree();
  // The root value of the input, or nullopt when it is not one value.
  std::optional<OpNode> parse(const uint8_t* data, size_t size);
  // The namespaces $p0..$p3 stand for, as rtnlSequence's create steps.
  const PendingNetns& pending() const { return pending_; }

  OpType type(OpNode v) const override { return at_node(v).type; }
  bool is_array(OpNode v) const override { return at_node(v).array; }
  bool boolean(OpNode v) const override { return at_node(v).boolean; }
  double number(OpNode v) const override { return at_node(v).number; }
  int32_t int32(OpNode v) const override;
  std::string string(OpNode v) const override { return at_node(v).text; }
  OpNode get(OpNode object, const char* key) const override;
  uint32_t length(OpNode array) const override;
  OpNode at(OpNode array, uint32_t i) const override;
  std::vector<std::string> keys(OpNode object) const override;
  bool same(OpNode a, OpNode b) const override { return a.p == b.p; }
  NetnsPtr netns(OpNode v) const override { return at_node(v).netns ? ns_ : nullptr; }

 private:
  struct Node {
    OpType type = OpType::undefined;
    bool array = false;
    bool boolean = false;
    bool netns = false;
    double number = 0;
    std::string text;
    std::vector<std::pair<std::string, const Node*>> props;  // an object's, in order; the last of a key wins
    std::vector<const Node*> items;                          // an array's
    uint32_t repeat = 0;                                     // <N value>: N copies of items[0]
  };
  const Node& at_node(OpNode v) const { return v.p ? *static_cast<const Node*>(v.p) : undefined_; }
  static OpNode node(const Node* n) { return OpNode{n}; }

  // The parser: recursive descent over [pos_, end_), depth-limited.
  const Node* value(int depth);
  std::optional<std::string> quoted();
  std::optional<uint32_t> count();
  bool word(const char* w);
  void space();
  Node* make(OpType type);

  Node undefined_;
  Node ns_node_;
  Node pending_nodes_[4];
  PendingNetns pending_;
  NetnsPtr ns_;
  std::deque<Node> nodes_;
  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  size_t text_bytes_ = 0;  // all strings together, bounded so an input cannot ask for gigabytes
};

}  // namespace cnm::fuzz
