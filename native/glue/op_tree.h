// SPDX-License-Identifier: GPL-2.0-or-later
// What the op readers need of a JS value, and nothing more: its type, its
// scalar, its properties and elements. The addon reads N-API values through
// it (napi_op_tree.h); the fuzz targets read trees decoded from their input
// (fuzz/common/json_op_tree.h). Nothing here includes <napi.h>, so the op
// readers build and run without Node.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../core/netns.h"

namespace cnm {

// A value of an OpTree. Opaque: only the tree that made it can read it, and
// only while that tree (for N-API: the current call's handle scope) lives.
struct OpNode {
  const void* p = nullptr;
};

// The types N-API tells apart (napi_valuetype). An array is an object; ask
// is_array to tell it apart, as Napi::Value::IsArray does.
enum class OpType { undefined, null, boolean, number, string, object, function, other };

class OpTree {
 public:
  virtual OpType type(OpNode v) const = 0;
  virtual bool is_array(OpNode v) const = 0;       // any v (napi_is_array)
  virtual bool boolean(OpNode v) const = 0;        // v is a boolean
  virtual double number(OpNode v) const = 0;       // v is a number
  virtual int32_t int32(OpNode v) const = 0;       // v is a number; JS ToInt32 (napi_get_value_int32)
  virtual std::string string(OpNode v) const = 0;  // v is a string; as UTF-8
  virtual OpNode get(OpNode object, const char* key) const = 0;    // undefined when absent
  virtual uint32_t length(OpNode array) const = 0;                 // v is an array
  virtual OpNode at(OpNode array, uint32_t i) const = 0;           // undefined past the end
  virtual std::vector<std::string> keys(OpNode object) const = 0;  // enumerable string keys, in order
  virtual bool same(OpNode a, OpNode b) const = 0;                 // a === b
  virtual NetnsPtr netns(OpNode v) const = 0;  // the namespace behind an open Netns handle, else null

  // Napi::Value::IsObject: objects, arrays and functions.
  bool is_object(OpNode v) const {
    OpType t = type(v);
    return t == OpType::object || t == OpType::function;
  }
  bool is_string(OpNode v) const { return type(v) == OpType::string; }
  bool is_number(OpNode v) const { return type(v) == OpType::number; }

 protected:
  ~OpTree() = default;
};

// Bad input, found before any kernel call: which op, which field, why. The
// glue turns it into lib/errors.ts's InvalidOpError (napi_op_tree.h).
struct InvalidOp {
  int index;
  std::string field;
  std::string why;
};

}  // namespace cnm
