// SPDX-License-Identifier: GPL-2.0-or-later
// The fake kernel for unprivileged tests (re-exports only; not part of the package's public entry).

export { FakeKernel, type FakeKernelDump } from './kernel';
export { FAKE_BRIDGE_PORTS } from './links';
export { FakeNetns } from './namespaces';
export type { FakeNftDump } from './nft-dump';
export { FAKE_SYSCTL_DEFAULTS } from './sysctls';
