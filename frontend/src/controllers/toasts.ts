// Live toasts over the map; one about a request or an organization opens
// it. Each toast is also kept in the message centre.
import { hook } from '../hook';
import type { Controller } from '../mapshell/mapshell';
import { shell as page } from '../shell';
import { createToaster, type Toaster } from '../toast';

export function toastsController(): Controller {
  let toaster: Toaster;
  return {
    mount(shell) {
      toaster = createToaster(page.toasts, (t) => ('requestId' in t ? shell.act.openRequest(t.requestId) : shell.act.openOrg(t.orgId)));
      hook.toasts = () => toaster.texts();
      shell.provide('toast', (m) => {
        toaster.show(m);
        shell.act.keepMessage(m);
      });
    },
    unmount: () => toaster.clear(),
  };
}
