// SPDX-License-Identifier: GPL-2.0-or-later
// A private etcd for a test (lib/cli/private-etcd.ts: on 127.0.0.1 of the
// test run's namespace, or on an address inside a namespace the test made;
// temporary data; stopped, or SIGKILLed and restarted, by the test).
export {
  etcdInstalled,
  type PrivateEtcd as TestEtcd,
  startPrivateEtcd as startEtcd,
} from '../../lib/cli/private-etcd';
