// SPDX-License-Identifier: GPL-2.0-or-later
#include "errors.h"

#include <cstring>

#include "env_state.h"

namespace cnm {

namespace {

// errno names without glibc's strerrorname_np, which Debian 12's glibc has but
// older ones lack; covers every errno the kernel's networking code returns.
const char* errno_name(int e) {
#define CNM_ERRNO(name) \
  case name:            \
    return #name;
  switch (e) {
    CNM_ERRNO(EPERM)
    CNM_ERRNO(ENOENT)
    CNM_ERRNO(ESRCH)
    CNM_ERRNO(EINTR)
    CNM_ERRNO(EIO)
    CNM_ERRNO(ENXIO)
    CNM_ERRNO(E2BIG)
    CNM_ERRNO(EBADF)
    CNM_ERRNO(EAGAIN)
    CNM_ERRNO(ENOMEM)
    CNM_ERRNO(EACCES) CNM_ERRNO(EFAULT) CNM_ERRNO(EBUSY) CNM_ERRNO(EEXIST) CNM_ERRNO(EXDEV) CNM_ERRNO(ENODEV)
        CNM_ERRNO(ENOTDIR) CNM_ERRNO(EISDIR) CNM_ERRNO(EINVAL) CNM_ERRNO(ENFILE) CNM_ERRNO(EMFILE)
            CNM_ERRNO(ENOSPC) CNM_ERRNO(EROFS) CNM_ERRNO(ERANGE) CNM_ERRNO(ENAMETOOLONG) CNM_ERRNO(ENOSYS)
                CNM_ERRNO(ENOTEMPTY) CNM_ERRNO(ELOOP) CNM_ERRNO(ENODATA) CNM_ERRNO(ENOLINK) CNM_ERRNO(EPROTO)
                    CNM_ERRNO(EOVERFLOW) CNM_ERRNO(EBADMSG) CNM_ERRNO(ENOTSOCK) CNM_ERRNO(EMSGSIZE)
                        CNM_ERRNO(EPROTONOSUPPORT) CNM_ERRNO(EOPNOTSUPP) CNM_ERRNO(EAFNOSUPPORT)
                            CNM_ERRNO(EADDRINUSE) CNM_ERRNO(EADDRNOTAVAIL) CNM_ERRNO(ENETDOWN)
                                CNM_ERRNO(ENETUNREACH) CNM_ERRNO(ECONNABORTED) CNM_ERRNO(ECONNRESET)
                                    CNM_ERRNO(ENOBUFS) CNM_ERRNO(EISCONN) CNM_ERRNO(ENOTCONN)
                                        CNM_ERRNO(ETIMEDOUT) CNM_ERRNO(ECONNREFUSED) CNM_ERRNO(EHOSTUNREACH)
                                            CNM_ERRNO(EALREADY) CNM_ERRNO(EINPROGRESS) CNM_ERRNO(EXFULL)
                                                CNM_ERRNO(EDQUOT) CNM_ERRNO(ENOTTY) CNM_ERRNO(ENOMSG)
                                                    CNM_ERRNO(EIDRM) default : return "EUNKNOWN";
  }
#undef CNM_ERRNO
}

// The classes of the copy of lib/ whose call is running. Every entry point
// goes through bind()'s functions, which set it; if one did not, that is a
// bug here, reported as such rather than as a crash.
const ErrorClasses* active_copy(Napi::Env env) {
  const ErrorClasses* copy = env_state(env).active;
  if (!copy) throw Napi::Error::New(env, "cnm: internal error: no JS error classes bound to this call");
  return copy;
}

}  // namespace

Napi::Value make_netlink_error(Napi::Env env, const Error& error, const ErrorContext& context) {
  Napi::Object details = Napi::Object::New(env);
  details.Set("errno", error.errnum);
  details.Set("code", errno_name(error.errnum));
  details.Set("syscall", error.syscall);
  details.Set("op", context.op);
  if (context.index >= 0) details.Set("index", context.index);
  if (!context.object.empty()) details.Set("object", context.object);
  if (!error.message.empty()) details.Set("extack", error.message);
  if (error.offset) details.Set("extackOffset", *error.offset);
  if (error.attr_type) details.Set("extackAttribute", *error.attr_type);
  if (error.missing_attr) details.Set("missingAttribute", *error.missing_attr);
  details.Set("strerror", std::strerror(error.errnum));
  const ErrorClasses* copy = active_copy(env);
  return copy->netlink_error.New({details});
}

void throw_invalid_op(Napi::Env env, int index, const std::string& field, const std::string& why) {
  Napi::Object details = Napi::Object::New(env);
  details.Set("index", index);
  details.Set("field", field);
  details.Set("reason", why);
  Napi::Object err = active_copy(env)->invalid_op.New({details});
  throw Napi::Error(env, err);
}

}  // namespace cnm
