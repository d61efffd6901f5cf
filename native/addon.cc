// SPDX-License-Identifier: GPL-2.0-or-later
// Module init only: per-environment state and exports. Loads in worker
// threads and more than once per process: nothing here is global.
#include <napi.h>

#include <vector>

#include "glue/env_state.h"
#include "glue/netns_handle.h"
#include "glue/netns_io.h"
#include "glue/nft_js.h"
#include "glue/rtnl_batch.h"

namespace cnm {

namespace {

std::vector<NativeExport> all_exports() {
  std::vector<NativeExport> out;
  NetnsHandle::list_exports(out);
  list_rtnl_exports(out);
  list_netns_io_exports(out);
  list_nft_exports(out);
  return out;
}

// bind({ NetlinkError, InvalidOpError }) -> { rtnlBatch, nftBatch, ... }
//
// Node loads a .node file once per environment, so every JS copy of lib/ in
// one thread (dist/index.js and dist/index.cjs, imported and required side
// by side) shares this addon instance. Each copy has its own error classes,
// and its code tells results from failures with `instanceof` its own
// NetlinkError. One class slot per environment, overwritten by the copy
// loaded last, made the other copy's failed ops look like results.
//
// So each copy binds itself: it hands its classes over once and gets its own
// set of functions, each carrying that copy's classes. Errors are still
// built here, as real instances (better-sqlite3's way), and an async call
// keeps the classes of the copy that made it until it completes. The Netns
// class is native and one for all copies, so a handle from one copy works
// in the other.
Napi::Value bind_copy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject())
    throw Napi::TypeError::New(env, "bind: expected { NetlinkError, InvalidOpError }");
  Napi::Object classes = info[0].As<Napi::Object>();
  Napi::Value netlink = classes.Get("NetlinkError");
  Napi::Value invalid = classes.Get("InvalidOpError");
  if (!netlink.IsFunction() || !invalid.IsFunction())
    throw Napi::TypeError::New(env, "bind: NetlinkError and InvalidOpError must be classes");
  EnvState& state = env_state(env);
  auto copy = std::make_unique<ErrorClasses>();
  copy->netlink_error = Napi::Persistent(netlink.As<Napi::Function>());
  copy->invalid_op = Napi::Persistent(invalid.As<Napi::Function>());
  const ErrorClasses* classes_of_copy = copy.get();
  state.copies.push_back(std::move(copy));

  Napi::Object functions = Napi::Object::New(env);
  for (const NativeExport& e : all_exports()) {
    auto fn = e.fn;
    functions.Set(e.name, Napi::Function::New(
                              env,
                              [classes_of_copy, fn](const Napi::CallbackInfo& call) -> Napi::Value {
                                ActiveCopy active(env_state(call.Env()), classes_of_copy);
                                return fn(call);
                              },
                              e.name));
  }
  return functions;
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto* state = new EnvState();
  env.SetInstanceData<EnvState>(state);  // deleted by Node when this environment ends
  Napi::Function netns = NetnsHandle::define(env);
  state->netns_class = Napi::Persistent(netns);
  exports.Set("Netns", netns);
  exports.Set("bind", Napi::Function::New(env, bind_copy, "bind"));
  return exports;
}

}  // namespace cnm

static Napi::Object init_module(Napi::Env env, Napi::Object exports) { return cnm::init(env, exports); }

NODE_API_MODULE(cnm, init_module)
