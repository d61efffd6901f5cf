// SPDX-License-Identifier: GPL-2.0-or-later
#include "netns_io.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "../core/inet.h"
#include "../core/sysctl.h"
#include "async.h"
#include "env_state.h"
#include "netns_handle.h"

namespace cnm {

namespace {

NetnsPtr ns_arg(const Napi::CallbackInfo& info, const char* fn) {
  NetnsPtr ns = NetnsHandle::unwrap(info.Env(), info[0]);
  if (!ns)
    throw Napi::TypeError::New(info.Env(),
                               std::string(fn) + ": the first argument must be an open Netns handle");
  return ns;
}

std::string key_arg(const Napi::CallbackInfo& info, const char* fn) {
  if (info.Length() < 2 || !info[1].IsString())
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": key must be a string");
  std::string key = info[1].As<Napi::String>().Utf8Value();
  for (char& c : key)
    if (c == '.') c = '/';  // "net.ipv4.ip_forward" and "net/ipv4/ip_forward" both work
  if (!sysctl_key_valid(key))
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": key must name a file under /proc/sys/net");
  return key;
}

Napi::Value sysctl_read_js(const Napi::CallbackInfo& info) {
  NetnsPtr ns = ns_arg(info, "sysctlRead");
  std::string key = key_arg(info, "sysctlRead");
  auto out = std::make_shared<std::string>();
  auto kernel = env_state(info.Env()).kernel;
  return PromiseWorker::start(
      info.Env(), ErrorContext{"sysctl.read", -1, key},
      [ns, key, out, kernel]() -> Status {
        auto v = sysctl_read(kernel->thread, ns->fd.get(), key);
        if (!v.ok()) return v.error();
        *out = v.take();
        return std::nullopt;
      },
      [out](Napi::Env env) -> Napi::Value { return Napi::String::New(env, *out); });
}

Napi::Value sysctl_write_js(const Napi::CallbackInfo& info) {
  NetnsPtr ns = ns_arg(info, "sysctlWrite");
  std::string key = key_arg(info, "sysctlWrite");
  if (info.Length() < 3 || !info[2].IsString())
    throw Napi::TypeError::New(info.Env(), "sysctlWrite: value must be a string");
  std::string value = info[2].As<Napi::String>().Utf8Value();
  auto kernel = env_state(info.Env()).kernel;
  return PromiseWorker::start(
      info.Env(), ErrorContext{"sysctl.write", -1, key},
      [ns, key, value, kernel]() -> Status { return sysctl_write(kernel->thread, ns->fd.get(), key, value); },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

struct TcpRequest {
  NetnsPtr ns;
  std::shared_ptr<KernelContext> kernel;
  IpAddr addr;
  uint16_t port = 0;
  int backlog = 128;
  int timeout_ms = 5000;
  int fd = -1;
};

sockaddr_storage to_sockaddr(const IpAddr& addr, uint16_t port, socklen_t& len) {
  sockaddr_storage ss{};
  if (addr.family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, addr.bytes.data(), 4);
    len = sizeof *sin;
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    std::memcpy(&sin6->sin6_addr, addr.bytes.data(), 16);
    len = sizeof *sin6;
  }
  return ss;
}

std::shared_ptr<TcpRequest> tcp_args(const Napi::CallbackInfo& info, const char* fn) {
  auto req = std::make_shared<TcpRequest>();
  req->ns = ns_arg(info, fn);
  req->kernel = env_state(info.Env()).kernel;
  if (info.Length() < 3 || !info[1].IsString() || !info[2].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string(fn) + "(netns, host, port, options?)");
  auto addr = parse_ip(info[1].As<Napi::String>().Utf8Value());
  int64_t port = info[2].As<Napi::Number>().Int64Value();
  if (!addr) throw Napi::TypeError::New(info.Env(), std::string(fn) + ": host must be an IP address");
  if (port < 0 || port > 65535)
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": port out of range");
  req->addr = *addr;
  req->port = static_cast<uint16_t>(port);
  if (info.Length() > 3 && info[3].IsObject()) {
    Napi::Object o = info[3].As<Napi::Object>();
    if (o.Get("backlog").IsNumber()) req->backlog = o.Get("backlog").As<Napi::Number>().Int32Value();
    if (o.Get("timeoutMs").IsNumber()) req->timeout_ms = o.Get("timeoutMs").As<Napi::Number>().Int32Value();
  }
  return req;
}

// tcpListen(netns, host, port, { backlog }) -> Promise<fd>: a listening socket
// inside the namespace, for net.Server#listen({ fd }).
Napi::Value tcp_listen_js(const Napi::CallbackInfo& info) {
  auto req = tcp_args(info, "tcpListen");
  return PromiseWorker::start(
      info.Env(), ErrorContext{"tcp.listen", -1, format_ip(req->addr.family, req->addr.bytes.data())},
      [req]() -> Status {
        auto sock = socket_in_netns(req->kernel->thread, req->ns->fd.get(), req->addr.family, SOCK_STREAM, 0);
        if (!sock.ok()) return sock.error();
        unique_fd fd = sock.take();
        int one = 1;
        setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        socklen_t len = 0;
        sockaddr_storage ss = to_sockaddr(req->addr, req->port, len);
        if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) return sys_error(errno, "bind");
        if (::listen(fd.get(), req->backlog) != 0) return sys_error(errno, "listen");
        req->fd = fd.release();
        return std::nullopt;
      },
      [req](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, req->fd); });
}

// tcpConnect(netns, host, port, { timeoutMs }) -> Promise<fd>: a connected
// socket from inside the namespace, for new net.Socket({ fd }).
Napi::Value tcp_connect_js(const Napi::CallbackInfo& info) {
  auto req = tcp_args(info, "tcpConnect");
  return PromiseWorker::start(
      info.Env(), ErrorContext{"tcp.connect", -1, format_ip(req->addr.family, req->addr.bytes.data())},
      [req]() -> Status {
        auto sock = socket_in_netns(req->kernel->thread, req->ns->fd.get(), req->addr.family, SOCK_STREAM, 0);
        if (!sock.ok()) return sock.error();
        unique_fd fd = sock.take();
        // A bounded connect: SO_SNDTIMEO also limits connect(2).
        timeval tv{req->timeout_ms / 1000, (req->timeout_ms % 1000) * 1000};
        setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        socklen_t len = 0;
        sockaddr_storage ss = to_sockaddr(req->addr, req->port, len);
        int rc;
        do {
          rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len);
        } while (rc != 0 && errno == EINTR);
        if (rc != 0) return sys_error(errno == EINPROGRESS ? ETIMEDOUT : errno, "connect");
        timeval none{0, 0};
        setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none);
        req->fd = fd.release();
        return std::nullopt;
      },
      [req](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, req->fd); });
}

// portBound(netns, proto, host, from, to) -> Promise<number>: the first port
// in [from, to] that a process in the namespace could not bind on host for
// 'tcp' or 'udp' right now, or 0 when every one is free. Each is probed by
// binding a socket and closing it, all in one crossing. TCP sets
// SO_REUSEADDR as a server would (a connection in TIME_WAIT does not count,
// a listener does); UDP does not (any bound socket counts). On [::] the
// socket is dual-stack, so an IPv4 socket on the port counts too. Fails
// (EADDRNOTAVAIL) for an address the namespace does not have.
Napi::Value port_bound_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[1].IsString() || !info[2].IsString() || !info[3].IsNumber() ||
      !info[4].IsNumber())
    throw Napi::TypeError::New(env, "portBound(netns, proto, host, from, to)");
  auto req = std::make_shared<TcpRequest>();
  req->ns = ns_arg(info, "portBound");
  req->kernel = env_state(env).kernel;
  std::string proto = info[1].As<Napi::String>().Utf8Value();
  if (proto != "tcp" && proto != "udp") throw Napi::TypeError::New(env, "portBound: proto must be tcp or udp");
  auto addr = parse_ip(info[2].As<Napi::String>().Utf8Value());
  if (!addr) throw Napi::TypeError::New(env, "portBound: host must be an IP address");
  int64_t from = info[3].As<Napi::Number>().Int64Value();
  int64_t to = info[4].As<Napi::Number>().Int64Value();
  if (from < 1 || to > 65535 || to < from) throw Napi::TypeError::New(env, "portBound: ports out of range");
  req->addr = *addr;
  const bool tcp = proto == "tcp";
  auto bound = std::make_shared<int>(0);
  return PromiseWorker::start(
      env, ErrorContext{"port.probe", -1, format_ip(req->addr.family, req->addr.bytes.data())},
      [req, tcp, from, to, bound]() -> Status {
        for (int64_t port = from; port <= to; ++port) {
          auto sock = socket_in_netns(req->kernel->thread, req->ns->fd.get(), req->addr.family,
                                      tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
          if (!sock.ok()) return sock.error();
          unique_fd fd = sock.take();
          int one = 1;
          int zero = 0;
          if (tcp) setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
          if (req->addr.family == AF_INET6) setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
          socklen_t len = 0;
          sockaddr_storage ss = to_sockaddr(req->addr, static_cast<uint16_t>(port), len);
          if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0) continue;
          if (errno != EADDRINUSE) return sys_error(errno, "bind");
          *bound = static_cast<int>(port);
          break;
        }
        return std::nullopt;
      },
      [bound](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, *bound); });
}

}  // namespace

void list_netns_io_exports(std::vector<NativeExport>& out) {
  out.push_back({"sysctlRead", sysctl_read_js});
  out.push_back({"sysctlWrite", sysctl_write_js});
  out.push_back({"tcpListen", tcp_listen_js});
  out.push_back({"tcpConnect", tcp_connect_js});
  out.push_back({"portBound", port_bound_js});
}

}  // namespace cnm
