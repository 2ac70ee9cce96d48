// The work queue: the panel's 待办诉求 tab (the open requests, most urgent
// first, the one in the side panel marked) and its count, on the tab and
// on the top bar's 待办 button (red when any is overdue). Live events
// reload the requests, so the count follows them.
import type { Controller } from '../mapshell/mapshell';
import { setTodoCount, shell as page } from '../shell';
import { markSelectedTodo, renderTodo } from '../todo';

export function todoController(): Controller {
  return {
    mount(shell) {
      const { store, act } = shell;
      shell.on('counts', () => {
        const { requests, selectedRequest } = store.get();
        renderTodo(page.todo, requests, Date.now(), (r) => act.openRequest(r.id));
        markSelectedTodo(page.todo, selectedRequest);
        page.todoCount.textContent = requests.length > 0 ? String(requests.length) : '';
        setTodoCount(requests.length, requests.filter((r) => r.properties.sla === 'red').length);
      });
      store.subscribe(['selectedRequest'], (s) => markSelectedTodo(page.todo, s.selectedRequest));
    },
  };
}
