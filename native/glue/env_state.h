// SPDX-License-Identifier: GPL-2.0-or-later
// Per-environment state (the main thread and every worker thread that loads
// the addon get their own): the socket cache, the Netns class, and the error
// classes of every JS copy of lib/ bound to this environment. No global state
// lives anywhere else.
#pragma once

#include <napi.h>

#include <deque>
#include <memory>

#include "../core/kernel_context.h"

namespace cnm {

// The error classes of one JS copy of lib/ (dist/index.js and dist/index.cjs
// loaded in one process are two copies sharing one addon instance).
struct ErrorClasses {
  Napi::FunctionReference netlink_error;  // that copy's NetlinkError
  Napi::FunctionReference invalid_op;     // that copy's InvalidOpError
};

struct EnvState {
  // Shared with in-flight workers, which may outlive a closing environment.
  std::shared_ptr<KernelContext> kernel = std::make_shared<KernelContext>();
  Napi::FunctionReference netns_class;  // the Netns handle constructor, one for every copy
  // One entry per bind() (one per JS copy). Kept until the environment ends:
  // the functions bind() made point here and may be held that long.
  std::deque<std::unique_ptr<ErrorClasses>> copies;
  // The copy whose function, or whose call's completion, runs on this
  // environment's thread right now (set by ActiveCopy); errors are built
  // from its classes. nullptr between calls.
  const ErrorClasses* active = nullptr;
};

inline EnvState& env_state(Napi::Env env) { return *env.GetInstanceData<EnvState>(); }

// Makes `copy` the active one for a scope, and restores the previous one on
// the way out (a nested call from a getter into another copy unwinds too).
class ActiveCopy {
 public:
  ActiveCopy(EnvState& state, const ErrorClasses* copy) : state_(state), previous_(state.active) {
    state_.active = copy;
  }
  ~ActiveCopy() { state_.active = previous_; }
  ActiveCopy(const ActiveCopy&) = delete;
  ActiveCopy& operator=(const ActiveCopy&) = delete;

 private:
  EnvState& state_;
  const ErrorClasses* previous_;
};

// A native function as bind() hands it to each copy.
struct NativeExport {
  const char* name;
  Napi::Value (*fn)(const Napi::CallbackInfo&);
};

}  // namespace cnm
