// SPDX-License-Identifier: GPL-2.0-or-later
// One Promise per native call: the work runs on a libuv pool thread (which
// never changes namespace), the result is turned into JS on the JS thread,
// and completing a call whose environment is gone is a no-op.
#pragma once

#include <napi.h>

#include <functional>
#include <utility>

#include "../core/error.h"
#include "env_state.h"
#include "errors.h"

namespace cnm {

// The `timeoutMs` of an options object at info[index]: how long a kernel
// reply may take before the rest of a batch fails with ETIMEDOUT.
inline int timeout_option(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() > index && info[index].IsObject()) {
    Napi::Value t = info[index].As<Napi::Object>().Get("timeoutMs");
    if (t.IsNumber()) return t.As<Napi::Number>().Int32Value();
  }
  return 30000;
}

class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Execute_fn = std::function<Status()>;
  using Resolve_fn = std::function<Napi::Value(Napi::Env)>;

  // Called from one of bind()'s functions: the call's errors are built from
  // the classes of the copy that made it, whichever copy is active later.
  static Napi::Promise start(Napi::Env env, ErrorContext context, Execute_fn execute, Resolve_fn resolve) {
    auto* worker = new PromiseWorker(env, std::move(context), std::move(execute), std::move(resolve));
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

  // Replaces node-addon-api's completion, which hands a C++ exception thrown
  // here to a wrapper that rethrows it as a JS exception; in an environment
  // that is going away that rethrow fails too and ends in std::terminate.
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    if (status != napi_cancelled) settle(env);
    Destroy();
  }

 protected:
  void Execute() override { status_ = execute_(); }

 private:
  PromiseWorker(Napi::Env env, ErrorContext context, Execute_fn execute, Resolve_fn resolve)
      : Napi::AsyncWorker(env, "cnm"),
        deferred_(Napi::Promise::Deferred::New(env)),
        state_(&env_state(env)),
        copy_(state_->active),
        context_(std::move(context)),
        execute_(std::move(execute)),
        resolve_(std::move(resolve)) {}

  // Resolves or rejects the promise; never throws. When a worker thread is
  // terminated while this call is in flight, Node still completes it during
  // the thread's teardown, where no JS can run: every N-API call below then
  // fails with an exception. Nobody can observe the promise any more, so the
  // outcome is dropped and the completion is a no-op. Termination can also
  // land in the middle of this, while an error class's constructor runs:
  // node-addon-api then builds its Napi::Error from a value that is no
  // object, which aborts unless NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS is
  // defined (CMakeLists.txt) — the same setting keeps a bound function that
  // throws on a dying thread from aborting in node-addon-api's rethrow.
  void settle(Napi::Env env) noexcept {
    try {
      Napi::HandleScope scope(env);
      ActiveCopy active(*state_, copy_);
      try {
        if (status_)
          deferred_.Reject(make_netlink_error(env, *status_, context_));
        else
          deferred_.Resolve(resolve_(env));
      } catch (const Napi::Error& e) {
        deferred_.Reject(e.Value());
      }
    } catch (...) {
      // The environment is going away (or, in a live one, even the rejection
      // failed): nothing left to tell anyone.
    }
  }

  Napi::Promise::Deferred deferred_;
  EnvState* state_;           // outlives the call: Node completes it before the environment's cleanup
  const ErrorClasses* copy_;  // the calling copy's classes, owned by *state_
  ErrorContext context_;
  Execute_fn execute_;
  Resolve_fn resolve_;
  Status status_;
};

}  // namespace cnm
