// SPDX-License-Identifier: GPL-2.0-or-later
// rtnlBatch(netns, ops): one crossing, one pipelined transaction on the
// namespace's cached socket, one Promise with a result per op.
#pragma once

#include <napi.h>

namespace cnm {

void export_rtnl(Napi::Env env, Napi::Object exports);

}  // namespace cnm
