// SPDX-License-Identifier: GPL-2.0-or-later
// Failures stay plain data until they reach the JS thread (STYLE.md: errors as data).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cnm {

struct Error {
  int errnum = 0;                        // positive errno value
  std::string syscall;                   // "sendmsg", "setns", "netlink" for a kernel ack, ...
  std::string message;                   // the kernel's extended-ack text, or our own explanation
  std::optional<uint32_t> offset;        // NLMSGERR_ATTR_OFFS: byte offset of the offending attribute
  std::optional<uint16_t> missing_attr;  // NLMSGERR_ATTR_MISS_TYPE
  std::optional<uint16_t> attr_type;     // type of the attribute at offset, read from our request
};

inline Error sys_error(int errnum, std::string syscall, std::string message = {}) {
  return Error{errnum, std::move(syscall), std::move(message), std::nullopt, std::nullopt, std::nullopt};
}

// A value or the reason there is none. Core code has no exceptions.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return !error_.has_value(); }
  T& value() { return *value_; }
  const Error& error() const { return *error_; }
  T take() { return std::move(*value_); }

 private:
  std::optional<T> value_;
  std::optional<Error> error_;
};

// Result<void>: success or an error.
using Status = std::optional<Error>;

}  // namespace cnm
