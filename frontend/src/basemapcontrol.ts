// 底图: a small map control to choose the background among the basemaps
// the server offers (GRIDGIS_BASEMAP), or none. The choice is kept on this
// device. Choosing one drawn in GCJ-02 shifts the data onto it.
import type { IControl, Map as MapLibreMap } from 'maplibre-gl';
import type { BasemapChoice } from './api';
import { NO_BASEMAP, storeChoice } from './basemap';
import './styles/map-controls.css';

export class BasemapControl implements IControl {
  private container: HTMLElement | null = null;
  private readonly closeOnOutside = (e: Event) => {
    if (this.container && !this.container.contains(e.target as Node)) this.open(false);
  };

  constructor(
    private readonly choices: readonly BasemapChoice[],
    private current: string,
    private readonly onChoose: (choice: BasemapChoice | null) => void,
  ) {}

  onAdd(_map: MapLibreMap): HTMLElement {
    const root = document.createElement('div');
    root.className = 'maplibregl-ctrl maplibregl-ctrl-group map-text-ctrl basemap-ctrl';
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'map-text-button basemap-toggle';
    toggle.textContent = '底图';
    toggle.title = '切换底图';
    toggle.setAttribute('aria-expanded', 'false');
    toggle.setAttribute('aria-controls', 'basemap-menu');
    toggle.addEventListener('click', () => this.open(toggle.getAttribute('aria-expanded') !== 'true'));

    const menu = document.createElement('fieldset');
    menu.id = 'basemap-menu';
    menu.className = 'basemap-menu';
    menu.hidden = true;
    const legend = document.createElement('legend');
    legend.textContent = '底图';
    menu.append(legend);
    const options: [string, string, string][] = [[NO_BASEMAP, '无底图', ''], ...this.choices.map((c): [string, string, string] => [c.id, c.name, c.datum === 'gcj02' ? 'GCJ-02，数据已纠偏' : ''])];
    for (const [id, name, note] of options) {
      const label = document.createElement('label');
      label.className = 'basemap-option';
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = 'basemap';
      input.value = id;
      input.checked = id === this.current;
      input.addEventListener('change', () => this.choose(id));
      const span = document.createElement('span');
      span.textContent = name;
      label.append(input, span);
      if (note) {
        const small = document.createElement('small');
        small.textContent = note;
        label.append(small);
      }
      menu.append(label);
    }
    menu.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        this.open(false);
        toggle.focus();
      }
    });
    root.append(toggle, menu);
    this.container = root;
    document.addEventListener('pointerdown', this.closeOnOutside);
    return root;
  }

  onRemove(): void {
    document.removeEventListener('pointerdown', this.closeOnOutside);
    this.container?.remove();
    this.container = null;
  }

  private open(on: boolean): void {
    const root = this.container;
    if (!root) return;
    root.querySelector('.basemap-toggle')!.setAttribute('aria-expanded', String(on));
    (root.querySelector('.basemap-menu') as HTMLElement).hidden = !on;
    if (on) (root.querySelector('input:checked') as HTMLInputElement | null)?.focus();
  }

  private choose(id: string): void {
    if (id === this.current) return;
    this.current = id;
    storeChoice(id);
    this.onChoose(this.choices.find((c) => c.id === id) ?? null);
  }
}
