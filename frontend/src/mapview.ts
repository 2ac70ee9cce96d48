// The map screen for one signed-in user: the map shell (map, layers, shared
// state) with the docks and panels this user's role has, each registered
// as a controller. Torn down on sign-out, so the next user starts afresh.
import type { Api } from './api';
import { coverageController, statsController } from './controllers/docks';
import { exportController } from './controllers/export';
import { importController } from './controllers/import';
import { gridImportController } from './controllers/gridimport';
import { interactionsController } from './controllers/interactions';
import { legendController } from './controllers/legend';
import { liaisonsController } from './controllers/liaisons';
import { messagesController } from './controllers/messages';
import { LiveController } from './controllers/live';
import { orgController } from './controllers/org';
import { orgEditController } from './controllers/orgedit';
import { rebalanceController } from './controllers/rebalance';
import { requestController } from './controllers/request';
import { searchController } from './controllers/search';
import { testHookController } from './controllers/testhook';
import { toastsController } from './controllers/toasts';
import { todoController } from './controllers/todo';
import { emptyMapState, hook } from './hook';
import { MapShell, type Controller } from './mapshell/mapshell';
import type { User } from './session';
import { resetShell, setPanelTab, showTools } from './shell';

export interface MapScreen {
  /** Cancels loading, closes the live stream, removes the map and clears the panel. */
  destroy(): void;
}

/** Which docks a role has: 统计 for admins, planners and officers, 包联优化 for admins and planners; 覆盖率 for all. */
export function docksFor(role: User['role']): { stats: boolean; rebalance: boolean; coverage: boolean } {
  return {
    stats: role === 'admin' || role === 'planner' || role === 'officer',
    rebalance: role === 'admin' || role === 'planner',
    coverage: true,
  };
}

export function openMap(user: User, api: Api): MapScreen {
  resetShell();
  Object.assign(hook, emptyMapState());

  const shell = new MapShell(api, user);
  const docks = docksFor(user.role);
  const controllers: (Controller | null)[] = [
    testHookController(),
    new LiveController(),
    requestController(),
    toastsController(),
    messagesController(),
    orgController(),
    orgEditController(),
    liaisonsController(),
    docks.rebalance ? rebalanceController() : null,
    docks.stats ? statsController() : null,
    coverageController(),
    interactionsController(),
    legendController(),
    todoController(),
    exportController(),
    importController(),
    gridImportController(), // after importController: it extends its dialog
    searchController(),
  ];
  for (const c of controllers) if (c) shell.register(c);
  showTools(docks);
  shell.data.start();

  return {
    destroy() {
      shell.destroy();
      Object.assign(hook, emptyMapState());
      resetShell();
      setPanelTab('legend');
    },
  };
}
