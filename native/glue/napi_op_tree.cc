// SPDX-License-Identifier: GPL-2.0-or-later
#include "napi_op_tree.h"

#include "netns_handle.h"

namespace cnm {

OpType NapiOpTree::type(OpNode v) const {
  switch (value(v).Type()) {
    case napi_undefined:
      return OpType::undefined;
    case napi_null:
      return OpType::null;
    case napi_boolean:
      return OpType::boolean;
    case napi_number:
      return OpType::number;
    case napi_string:
      return OpType::string;
    case napi_object:
      return OpType::object;
    case napi_function:
      return OpType::function;
    default:
      return OpType::other;  // symbol, external, bigint
  }
}

std::vector<std::string> NapiOpTree::keys(OpNode object) const {
  Napi::Array names = value(object).As<Napi::Object>().GetPropertyNames();
  std::vector<std::string> out;
  out.reserve(names.Length());
  for (uint32_t i = 0; i < names.Length(); ++i) out.push_back(names.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

NetnsPtr NapiOpTree::netns(OpNode v) const { return NetnsHandle::unwrap(env_, value(v)); }

}  // namespace cnm
