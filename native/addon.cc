// SPDX-License-Identifier: GPL-2.0-or-later
// Module init only: per-environment state and exports. Loads in worker
// threads and more than once per process: nothing here is global.
#include <napi.h>

#include "glue/env_state.h"
#include "glue/netns_handle.h"
#include "glue/netns_io.h"
#include "glue/nft_js.h"
#include "glue/rtnl_batch.h"

namespace cnm {

namespace {

// setErrorClasses({ NetlinkError, InvalidOpError }): lib/errors.ts hands its
// classes over once, so native errors are real instances with stable codes.
Napi::Value set_error_classes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject())
    throw Napi::TypeError::New(env, "expected an object of classes");
  Napi::Object classes = info[0].As<Napi::Object>();
  EnvState& state = env_state(env);
  Napi::Value netlink = classes.Get("NetlinkError");
  Napi::Value invalid = classes.Get("InvalidOpError");
  if (!netlink.IsFunction() || !invalid.IsFunction())
    throw Napi::TypeError::New(env, "NetlinkError and InvalidOpError must be classes");
  state.netlink_error_class = Napi::Persistent(netlink.As<Napi::Function>());
  state.invalid_op_class = Napi::Persistent(invalid.As<Napi::Function>());
  return env.Undefined();
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto* state = new EnvState();
  env.SetInstanceData<EnvState>(state);  // deleted by Node when this environment ends
  Napi::Function netns = NetnsHandle::define(env);
  state->netns_class = Napi::Persistent(netns);
  exports.Set("Netns", netns);
  exports.Set("setErrorClasses", Napi::Function::New(env, set_error_classes, "setErrorClasses"));
  NetnsHandle::export_functions(env, exports);
  export_rtnl(env, exports);
  export_netns_io(env, exports);
  export_nft(env, exports);
  return exports;
}

}  // namespace cnm

static Napi::Object init_module(Napi::Env env, Napi::Object exports) { return cnm::init(env, exports); }

NODE_API_MODULE(cnm, init_module)
