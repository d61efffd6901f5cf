// SPDX-License-Identifier: GPL-2.0-or-later
// Turns core errors (plain data) into instances of the JS classes from
// lib/errors.ts: those of the copy of lib/ whose call is running (see
// EnvState::active), so each copy gets errors of its own classes.
#pragma once

#include <napi.h>

#include <string>

#include "../core/error.h"

namespace cnm {

struct ErrorContext {
  std::string op;      // "link.add", "netns.create", ...
  int index = -1;      // position of the op in its batch
  std::string object;  // what it acted on, e.g. the link name
};

// A NetlinkError (errno, code, syscall, op, index, object, extack text/offset/attribute).
Napi::Value make_netlink_error(Napi::Env env, const Error& error, const ErrorContext& context);

// Throws an InvalidOpError (code CNM_INVALID_OP): bad input, found before any kernel call.
[[noreturn]] void throw_invalid_op(Napi::Env env, int index, const std::string& field,
                                   const std::string& why);

}  // namespace cnm
