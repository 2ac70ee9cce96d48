// Live toasts over the map's lower left corner; one about a request opens it.
import { hook } from '../hook';
import type { Controller } from '../mapshell/mapshell';
import { shell as page } from '../shell';
import { createToaster, type Toaster } from '../toast';

export function toastsController(): Controller {
  let toaster: Toaster;
  return {
    mount(shell) {
      toaster = createToaster(page.toasts, (id) => shell.act.openRequest(id));
      hook.toasts = () => toaster.texts();
      shell.provide('toast', (m) => toaster.show(m));
    },
    unmount: () => toaster.clear(),
  };
}
