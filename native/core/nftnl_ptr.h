// SPDX-License-Identifier: GPL-2.0-or-later
// RAII for libnftnl objects.
#pragma once

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include <memory>

namespace cnm {

template <typename T, auto Free>
struct NftnlDeleter {
  void operator()(T* p) const { Free(p); }
};

using TablePtr = std::unique_ptr<nftnl_table, NftnlDeleter<nftnl_table, nftnl_table_free>>;
using ChainPtr = std::unique_ptr<nftnl_chain, NftnlDeleter<nftnl_chain, nftnl_chain_free>>;
using RulePtr = std::unique_ptr<nftnl_rule, NftnlDeleter<nftnl_rule, nftnl_rule_free>>;
using SetPtr = std::unique_ptr<nftnl_set, NftnlDeleter<nftnl_set, nftnl_set_free>>;
using UdataPtr = std::unique_ptr<nftnl_udata_buf, NftnlDeleter<nftnl_udata_buf, nftnl_udata_buf_free>>;

}  // namespace cnm
