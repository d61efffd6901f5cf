// SPDX-License-Identifier: GPL-2.0-or-later
// Kernel constants by the names lib/kernel uses for them (the kernel's own
// words, lower-cased: "permanent" for NUD_PERMANENT, "rp_filter" for
// IPV4_DEVCONF_RP_FILTER).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cnm::names {

std::optional<uint32_t> lookup(const char* table, const std::string& name);
const char* name_of(const char* table, uint32_t value);  // nullptr when unknown

}  // namespace cnm::names
