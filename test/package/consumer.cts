// SPDX-License-Identifier: GPL-2.0-or-later
// The same from a CommonJS consumer (the require condition, index.d.cts).
import { kernel, NetlinkError, NetworkController, setAddonPath } from 'cnm';

export async function open(stateDir: string): Promise<number> {
  setAddonPath('/opt/app/cnm.node');
  const ctl = await NetworkController.open({ stateDir });
  try {
    return ctl.networks().length;
  } catch (error) {
    if (error instanceof NetlinkError) console.error(error.code);
    throw error;
  } finally {
    await ctl.close();
  }
}

export const encoded: Buffer[] = kernel.rtnlEncode([{ op: 'link.set', dev: 1, up: true }]);
