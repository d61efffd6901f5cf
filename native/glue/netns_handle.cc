// SPDX-License-Identifier: GPL-2.0-or-later
#include "netns_handle.h"

#include "../core/sysctl.h"

#include "async.h"
#include "env_state.h"

namespace cnm {

Napi::Function NetnsHandle::define(Napi::Env env) {
  return DefineClass(env, "Netns",
                     {
                         InstanceAccessor<&NetnsHandle::id>("id"),
                         InstanceAccessor<&NetnsHandle::dev>("dev"),
                         InstanceAccessor<&NetnsHandle::ino>("ino"),
                         InstanceAccessor<&NetnsHandle::path>("path"),
                         InstanceAccessor<&NetnsHandle::closed>("closed"),
                         InstanceMethod<&NetnsHandle::close>("close"),
                     });
}

NetnsHandle::NetnsHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetnsHandle>(info) {}

Napi::Object NetnsHandle::wrap(Napi::Env env, NetnsPtr ns) {
  Napi::Object obj = env_state(env).netns_class.New({});
  NetnsHandle* self = Unwrap(obj);
  self->dev_ = ns->dev;
  self->ino_ = ns->ino;
  self->path_ = ns->path;
  self->ns_ = std::move(ns);
  return obj;
}

NetnsPtr NetnsHandle::unwrap(Napi::Env env, Napi::Value value) {
  if (!value.IsObject()) return nullptr;
  Napi::Object obj = value.As<Napi::Object>();
  if (!obj.InstanceOf(env_state(env).netns_class.Value())) return nullptr;
  return Unwrap(obj)->ns_;
}

Napi::Value NetnsHandle::id(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), std::to_string(dev_) + ":" + std::to_string(ino_));
}
Napi::Value NetnsHandle::dev(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(dev_));
}
Napi::Value NetnsHandle::ino(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ino_));
}
Napi::Value NetnsHandle::path(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), path_); }
Napi::Value NetnsHandle::closed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ns_ == nullptr);
}
Napi::Value NetnsHandle::close(const Napi::CallbackInfo& info) {
  // In-flight batches hold their own reference; the fd closes after them.
  ns_.reset();
  return info.Env().Undefined();
}

SysctlList read_sysctls(Napi::Env env, Napi::Value value, const char* fn) {
  SysctlList out;
  if (value.IsUndefined() || value.IsNull()) return out;
  if (!value.IsObject()) throw Napi::TypeError::New(env, std::string(fn) + ": sysctls must be an object");
  Napi::Object o = value.As<Napi::Object>();
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    std::string key = keys.Get(i).As<Napi::String>().Utf8Value();
    Napi::Value v = o.Get(key);
    if (!v.IsString())
      throw Napi::TypeError::New(env, std::string(fn) + ": sysctls." + key + " must be a string");
    std::string path = key;
    for (char& c : path)
      if (c == '.') c = '/';
    if (!sysctl_key_valid(path))
      throw Napi::TypeError::New(env, std::string(fn) + ": sysctls." + key + " must name a file under /proc/sys/net");
    out.emplace_back(std::move(path), v.As<Napi::String>().Utf8Value());
  }
  return out;
}

namespace {

std::string arg_string(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsString())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

Napi::Value netns_open_js(const Napi::CallbackInfo& info) {
  std::string path = arg_string(info, 0, "path");
  auto out = std::make_shared<NetnsPtr>();
  return PromiseWorker::start(
      info.Env(), ErrorContext{"netns.open", -1, path},
      [path, out]() -> Status {
        auto ns = netns_open(path);
        if (!ns.ok()) return ns.error();
        *out = ns.take();
        return std::nullopt;
      },
      [out](Napi::Env env) -> Napi::Value { return NetnsHandle::wrap(env, *out); });
}

Napi::Value netns_create_js(const Napi::CallbackInfo& info) {
  std::string dir = arg_string(info, 0, "dir");
  std::string name = arg_string(info, 1, "name");
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    throw Napi::TypeError::New(info.Env(), "name must be a file name without '/'");
  SysctlList sysctls;
  if (info.Length() > 2 && info[2].IsObject())
    sysctls = read_sysctls(info.Env(), info[2].As<Napi::Object>().Get("sysctls"), "netnsCreate");
  auto out = std::make_shared<CreatedNetns>();
  auto kernel = env_state(info.Env()).kernel;
  return PromiseWorker::start(
      info.Env(), ErrorContext{"netns.create", -1, dir + "/" + name},
      [dir, name, sysctls, out, kernel]() -> Status {
        if (Status s = kernel->prepare_dir(dir)) return s;
        auto created = netns_create(kernel->thread, dir, name, sysctls);
        if (!created.ok()) return created.error();
        *out = created.take();
        // The socket opened at creation saves a trip to the namespace thread on first use.
        kernel->sockets.put(*out->ns, std::move(out->route_socket));
        return std::nullopt;
      },
      [out](Napi::Env env) -> Napi::Value { return NetnsHandle::wrap(env, out->ns); });
}

Napi::Value netns_delete_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject() ||
      !info[0].As<Napi::Object>().InstanceOf(env_state(env).netns_class.Value()))
    throw Napi::TypeError::New(env, "netnsDelete takes a Netns handle");
  NetnsHandle* handle = Napi::ObjectWrap<NetnsHandle>::Unwrap(info[0].As<Napi::Object>());
  NetnsPtr ns = NetnsHandle::unwrap(env, info[0]);
  if (!ns) throw Napi::Error::New(env, "the Netns handle is closed");
  if (ns->path.empty()) throw Napi::Error::New(env, "this namespace has no file to delete");
  handle->release();
  auto kernel = env_state(env).kernel;
  return PromiseWorker::start(
      env, ErrorContext{"netns.delete", -1, ns->path},
      [ns, kernel]() -> Status {
        // Drop the cached sockets first: each one pins the namespace.
        kernel->sockets.evict(ns->dev, ns->ino);
        return netns_remove(ns->path);
      },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

Napi::Value netns_remove_path_js(const Napi::CallbackInfo& info) {
  std::string path = arg_string(info, 0, "path");
  auto kernel = env_state(info.Env()).kernel;
  return PromiseWorker::start(
      info.Env(), ErrorContext{"netns.delete", -1, path},
      [path, kernel]() -> Status {
        auto ns = netns_open(path);
        if (ns.ok()) kernel->sockets.evict(ns.value()->dev, ns.value()->ino);
        return netns_remove(path);
      },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

Napi::Value socket_cache_size_js(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(env_state(info.Env()).kernel->sockets.size()));
}

Napi::Value set_socket_cache_limit_js(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber() || info[0].As<Napi::Number>().Int64Value() < 1)
    throw Napi::TypeError::New(info.Env(), "limit must be a positive number");
  env_state(info.Env())
      .kernel->sockets.set_limit(static_cast<size_t>(info[0].As<Napi::Number>().Int64Value()));
  return info.Env().Undefined();
}

}  // namespace

void NetnsHandle::list_exports(std::vector<NativeExport>& out) {
  out.push_back({"netnsOpen", netns_open_js});
  out.push_back({"netnsCreate", netns_create_js});
  out.push_back({"netnsDelete", netns_delete_js});
  out.push_back({"netnsRemovePath", netns_remove_path_js});
  out.push_back({"socketCacheSize", socket_cache_size_js});
  out.push_back({"setSocketCacheLimit", set_socket_cache_limit_js});
}

}  // namespace cnm
