// SPDX-License-Identifier: GPL-2.0-or-later
#include "sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "netns.h"

namespace cnm {

bool sysctl_key_valid(const std::string& key) {
  if (key.rfind("net/", 0) != 0 || key.find("..") != std::string::npos) return false;
  for (char c : key)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '.'))
      return false;
  return true;
}

Result<std::string> sysctl_read(NetnsThread& thread, int ns_fd, const std::string& key) {
  std::string out;
  const std::string path = "/proc/sys/" + key;
  Status s = run_in_netns(thread, ns_fd, [&]() -> Status {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return sys_error(errno, "open", path);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    if (n < 0) return sys_error(errno, "read", path);
    return std::nullopt;
  });
  if (s) return *s;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

Status sysctl_write(NetnsThread& thread, int ns_fd, const std::string& key, const std::string& value) {
  const std::string path = "/proc/sys/" + key;
  return run_in_netns(thread, ns_fd, [&]() -> Status {
    unique_fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) return sys_error(errno, "open", path);
    if (::write(fd.get(), value.data(), value.size()) < 0) return sys_error(errno, "write", path);
    return std::nullopt;
  });
}

}  // namespace cnm
