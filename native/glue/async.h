// SPDX-License-Identifier: GPL-2.0-or-later
// One Promise per native call: the work runs on a libuv pool thread (which
// never changes namespace), the result is turned into JS on the JS thread.
#pragma once

#include <napi.h>

#include <functional>
#include <utility>

#include "../core/error.h"
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

  static Napi::Promise start(Napi::Env env, ErrorContext context, Execute_fn execute, Resolve_fn resolve) {
    auto* worker = new PromiseWorker(env, std::move(context), std::move(execute), std::move(resolve));
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

 protected:
  void Execute() override { status_ = execute_(); }
  void OnOK() override {
    Napi::Env env = Env();
    if (status_) {
      deferred_.Reject(make_netlink_error(env, *status_, context_));
      return;
    }
    try {
      deferred_.Resolve(resolve_(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

 private:
  PromiseWorker(Napi::Env env, ErrorContext context, Execute_fn execute, Resolve_fn resolve)
      : Napi::AsyncWorker(env, "cnm"),
        deferred_(Napi::Promise::Deferred::New(env)),
        context_(std::move(context)),
        execute_(std::move(execute)),
        resolve_(std::move(resolve)) {}

  Napi::Promise::Deferred deferred_;
  ErrorContext context_;
  Execute_fn execute_;
  Resolve_fn resolve_;
  Status status_;
};

}  // namespace cnm
