// SPDX-License-Identifier: GPL-2.0-or-later
// Per-environment state (the main thread and every worker thread that loads
// the addon get their own): the socket cache and the JS classes lib/ hands
// over at init. No global state lives anywhere else.
#pragma once

#include <napi.h>

#include <memory>

#include "../core/kernel_context.h"

namespace cnm {

struct EnvState {
  // Shared with in-flight workers, which may outlive a closing environment.
  std::shared_ptr<KernelContext> kernel = std::make_shared<KernelContext>();
  Napi::FunctionReference netns_class;          // the Netns handle constructor
  Napi::FunctionReference netlink_error_class;  // lib/errors.ts NetlinkError
  Napi::FunctionReference invalid_op_class;     // lib/errors.ts InvalidOpError
};

inline EnvState& env_state(Napi::Env env) { return *env.GetInstanceData<EnvState>(); }

}  // namespace cnm
