// SPDX-License-Identifier: GPL-2.0-or-later
// The in-memory key store (lib/cnm/store/kv): the store's contract, on the
// same repositories over keys that the etcd store uses.
import { memoryStore } from '../../lib/cnm/store/kv/kv-store';
import { storeContract } from '../store/contract';

storeContract('memory (keys)', async () => {
  const store = memoryStore();
  return { store, done: async () => store.close() };
});
