// The work queue: the panel's 待办诉求 tab (the open requests the user must
// act on, most urgent first, then those they only follow; the one in the
// side panel marked) and its count of the former, on the tab and on the
// top bar's 待办 button (red when any is overdue). Live events
// reload the requests, so the count follows them.
import type { Controller } from '../mapshell/mapshell';
import { setTodoCount, shell as page } from '../shell';
import { splitTodo } from '../requests';
import { markSelectedTodo, renderTodo } from '../todo';

export function todoController(): Controller {
  return {
    mount(shell) {
      const { store, act } = shell;
      shell.on('counts', () => {
        const { user, requests, selectedRequest } = store.get();
        const todo = splitTodo(user, requests);
        renderTodo(page.todo, todo, Date.now(), (r) => act.openRequest(r.id));
        markSelectedTodo(page.todo, selectedRequest);
        // Counted: only what the user must act on (a liaison's own, not one 改派 away).
        const mine = todo.mine.length;
        page.todoCount.textContent = mine > 0 ? String(mine) : '';
        setTodoCount(mine, todo.mine.filter((r) => r.properties.sla === 'red').length);
      });
      store.subscribe(['selectedRequest'], (s) => markSelectedTodo(page.todo, s.selectedRequest));
    },
  };
}
