// SPDX-License-Identifier: GPL-2.0-or-later
// Namespaces reach JS as Netns handle objects, never as raw fd numbers.
#pragma once

#include <napi.h>

#include <vector>

#include "../core/netns.h"
#include "env_state.h"

namespace cnm {

class NetnsHandle : public Napi::ObjectWrap<NetnsHandle> {
 public:
  static Napi::Function define(Napi::Env env);
  static Napi::Object wrap(Napi::Env env, NetnsPtr ns);
  // The namespace behind a handle; nullptr when value is no open handle.
  static NetnsPtr unwrap(Napi::Env env, Napi::Value value);

  explicit NetnsHandle(const Napi::CallbackInfo& info);
  void release() { ns_.reset(); }

  // The functions netnsOpen(path), netnsCreate(dir, name), netnsDelete(handle),
  // netnsRemovePath(path), socketCacheSize(), setSocketCacheLimit(n).
  static void list_exports(std::vector<NativeExport>& out);

 private:
  Napi::Value id(const Napi::CallbackInfo& info);
  Napi::Value dev(const Napi::CallbackInfo& info);
  Napi::Value ino(const Napi::CallbackInfo& info);
  Napi::Value path(const Napi::CallbackInfo& info);
  Napi::Value closed(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);

  NetnsPtr ns_;
  uint64_t dev_ = 0, ino_ = 0;
  std::string path_;
};

// The `sysctls` of a creation: an object { "net.ipv4.ping_group_range": "0 1" }
// (keys with dots or slashes, under /proc/sys/net) read into a list; a bad
// key or a non-string value throws a TypeError before anything runs.
SysctlList read_sysctls(Napi::Env env, Napi::Value value, const char* fn);

}  // namespace cnm
