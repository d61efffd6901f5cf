// SPDX-License-Identifier: GPL-2.0-or-later
// The OpTree of N-API values: how the addon's op readers see the JS op
// objects. An OpNode is a napi_value of the current call, so a tree and its
// nodes live no longer than the call that reads them.
#pragma once

#include <napi.h>

#include <utility>

#include "errors.h"
#include "op_tree.h"

namespace cnm {

class NapiOpTree final : public OpTree {
 public:
  explicit NapiOpTree(Napi::Env env) : env_(env) {}

  static OpNode node(napi_value v) { return OpNode{v}; }
  Napi::Value value(OpNode v) const {
    return Napi::Value(env_, static_cast<napi_value>(const_cast<void*>(v.p)));
  }

  OpType type(OpNode v) const override;
  bool is_array(OpNode v) const override { return value(v).IsArray(); }
  bool boolean(OpNode v) const override { return value(v).As<Napi::Boolean>().Value(); }
  double number(OpNode v) const override { return value(v).As<Napi::Number>().DoubleValue(); }
  int32_t int32(OpNode v) const override { return value(v).As<Napi::Number>().Int32Value(); }
  std::string string(OpNode v) const override { return value(v).As<Napi::String>().Utf8Value(); }
  OpNode get(OpNode object, const char* key) const override {
    return node(value(object).As<Napi::Object>().Get(key));
  }
  uint32_t length(OpNode array) const override { return value(array).As<Napi::Array>().Length(); }
  OpNode at(OpNode array, uint32_t i) const override { return node(value(array).As<Napi::Array>().Get(i)); }
  std::vector<std::string> keys(OpNode object) const override;
  bool same(OpNode a, OpNode b) const override { return value(a).StrictEquals(value(b)); }
  NetnsPtr netns(OpNode v) const override;

 private:
  Napi::Env env_;
};

// Runs read(tree) over the JS values of this call; bad input leaves as the
// InvalidOpError of lib/errors.ts, thrown to JS.
template <typename Read>
auto read_ops(Napi::Env env, Read&& read) {
  NapiOpTree tree(env);
  try {
    return std::forward<Read>(read)(static_cast<const OpTree&>(tree));
  } catch (const InvalidOp& e) {
    throw_invalid_op(env, e.index, e.field, e.why);
  }
}

}  // namespace cnm
