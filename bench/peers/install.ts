// SPDX-License-Identifier: GPL-2.0-or-later
// The peer benchmark's own set-up step: the peers it compares against come
// from Debian's packages, installed by apt when missing (as root), or the
// rows are skipped with the reason printed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Debian package → a file it installs. */
const PACKAGES: Record<string, string> = {
  'containernetworking-plugins': '/usr/lib/cni/bridge',
  netavark: '/usr/lib/podman/netavark',
  // Both peers drive iptables (nft-backed on Debian 12); netavark does not depend on it.
  iptables: '/usr/sbin/iptables',
  'docker.io': '/usr/sbin/dockerd',
  // Docker's row imports an image holding only a static busybox.
  'busybox-static': '/bin/busybox',
};

/**
 * Installs the missing peer packages with apt-get; returns a line per
 * package saying what happened. Never throws: a failed install leaves the
 * peer's row to be skipped with its reason.
 */
export async function installPeers(log: (line: string) => void): Promise<void> {
  const missing = Object.entries(PACKAGES)
    .filter(([, file]) => !existsSync(file))
    .map(([pkg]) => pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    log(`peers: not root, not installing ${missing.join(' ')}`);
    return;
  }
  log(`peers: apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    execFileP('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, timeout: 600_000 });
  try {
    await install().catch(async () => {
      await execFileP('apt-get', ['update', '-qq'], { env, timeout: 600_000 });
      await install();
    });
  } catch (error) {
    log(`peers: apt-get failed: ${(error as Error).message.split('\n')[0]}`);
  }
}
