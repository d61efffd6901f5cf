// SPDX-License-Identifier: GPL-2.0-or-later
#include "netns.h"

#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace cnm {

namespace {

Result<NetnsPtr> wrap(unique_fd fd, std::string path) {
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return sys_error(errno, "fstat", path);
  int type = ioctl(fd.get(), NS_GET_NSTYPE);
  if (type < 0) return sys_error(errno == ENOTTY ? EINVAL : errno, "ioctl", path + " is not a namespace");
  if (type != CLONE_NEWNET) return sys_error(EINVAL, "ioctl", path + " is not a network namespace");
  auto ns = std::make_shared<Netns>();
  ns->fd = std::move(fd);
  ns->dev = st.st_dev;
  ns->ino = st.st_ino;
  ns->path = std::move(path);
  return NetnsPtr(std::move(ns));
}

Status mkdir_p(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string part = dir.substr(0, pos);
    if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) return sys_error(errno, "mkdir", part);
  }
  // EEXIST above is also what a file of that name gives: a file must not be
  // bind-mounted onto itself as if it were the directory.
  struct stat st{};
  if (stat(dir.c_str(), &st) != 0) return sys_error(errno, "stat", dir);
  if (!S_ISDIR(st.st_mode)) return sys_error(ENOTDIR, "mkdir", dir);
  // Namespaces are mounted and removed here as root: a directory (or a link to
  // one) that another user owns or may write to could point that elsewhere.
  struct stat link{};
  if (lstat(dir.c_str(), &link) != 0) return sys_error(errno, "lstat", dir);
  const uid_t me = geteuid();
  auto foreign = [me](const struct stat& s) { return s.st_uid != me && s.st_uid != 0; };
  if (foreign(st) || foreign(link) || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return sys_error(EPERM, "mkdir", dir + ": owned by another user or writable by others");
  return std::nullopt;
}

}  // namespace

Status netns_prepare_dir(const std::string& dir) {
  if (Status s = mkdir_p(dir)) return s;
  bool bound = false;
  while (mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0) {
    if (errno != EINVAL || bound) return sys_error(errno, "mount", dir);
    if (mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0)
      return sys_error(errno, "mount", dir);
    bound = true;
  }
  return std::nullopt;
}

Result<NetnsPtr> netns_open(const std::string& path) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return sys_error(errno, "open", path);
  return wrap(std::move(fd), path);
}

Status run_in_netns(NetnsThread& thread, int ns_fd, const std::function<Status()>& fn) {
  return thread.run([&]() -> Status {
    if (setns(ns_fd, CLONE_NEWNET) != 0) return sys_error(errno, "setns");
    return fn();
  });
}

Result<unique_fd> socket_in_netns(NetnsThread& thread, int ns_fd, int domain, int type, int protocol) {
  unique_fd out;
  Status s = run_in_netns(thread, ns_fd, [&]() -> Status {
    out.reset(::socket(domain, type | SOCK_CLOEXEC, protocol));
    if (!out.valid()) return sys_error(errno, "socket");
    return std::nullopt;
  });
  if (s) return *s;
  return out;
}

Result<CreatedNetns> netns_create(NetnsThread& thread, const std::string& dir, const std::string& name,
                                  const SysctlList& sysctls) {
  const std::string path = dir + "/" + name;
  unique_fd placeholder(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
  if (!placeholder.valid()) return sys_error(errno, "open", path);
  placeholder.reset();

  CreatedNetns created;
  Status status = thread.run([&]() -> Status {
    if (unshare(CLONE_NEWNET) != 0) return sys_error(errno, "unshare");
    // /proc/thread-self: this thread's namespace, not the process's.
    if (mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0)
      return sys_error(errno, "mount", path);
    // Looking up /proc/sys/net costs time in proportion to the namespaces that
    // ever did (one dentry each, all on one hash chain): each directory is
    // opened once and its files are opened relative to it.
    std::string dir_path;
    unique_fd dir;
    for (const auto& [key, value] : sysctls) {
      const size_t slash = key.rfind('/');
      const std::string parent = "/proc/sys/" + key.substr(0, slash);
      if (parent != dir_path) {
        dir.reset(::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!dir.valid()) return sys_error(errno, "open", parent);
        dir_path = parent;
      }
      const std::string file = "/proc/sys/" + key;
      unique_fd fd(::openat(dir.get(), key.c_str() + slash + 1, O_WRONLY | O_CLOEXEC));
      if (!fd.valid()) return sys_error(errno, "open", file);
      if (::write(fd.get(), value.data(), value.size()) < 0) return sys_error(errno, "write", file);
    }
    auto sock = NlSocket::open(NETLINK_ROUTE);
    if (!sock.ok()) return sock.error();
    created.route_socket = sock.take();
    return std::nullopt;
  });
  if (!status) {
    auto ns = netns_open(path);
    if (ns.ok())
      created.ns = ns.take();
    else
      status = ns.error();
  }
  if (status) {
    umount2(path.c_str(), MNT_DETACH);
    unlink(path.c_str());
    return *status;
  }
  return created;
}

Status netns_remove(const std::string& path) {
  // EINVAL: not a mount point (already unmounted); the file may still be there.
  if (umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    return sys_error(errno, "umount2", path);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return sys_error(errno, "unlink", path);
  return std::nullopt;
}

}  // namespace cnm
