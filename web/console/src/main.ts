import { html } from 'htm/preact';
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { get, getToken, setToken } from './api.js';
import { useAsync } from './components/ui.js';
import { href, useRoute } from './router.js';
import { ComparePage } from './pages/compare.js';
import { DatasetsPage } from './pages/datasets.js';
import { CamerasPage, LivePage, ModelsPage } from './pages/fleet.js';
import { PipelinesPage } from './pages/pipelines.js';
import { RunPage } from './pages/run.js';
import { RunsPage } from './pages/runs.js';
import type { ConsoleInfo } from './types.js';
import './styles.css';

const NAV: [string, string][] = [
  ['/pipelines', 'Pipelines'],
  ['/runs', 'Runs'],
  ['/compare', 'Compare'],
  ['/datasets', 'Datasets'],
  ['/models', 'Models'],
  ['/cameras', 'Cameras'],
  ['/live', 'Live feed'],
];

function TokenBox() {
  const [value, setValue] = useState(getToken());
  const [saved, setSaved] = useState(!!getToken());
  return html`<form class="token" onSubmit=${(e: Event) => {
    e.preventDefault();
    setToken(value.trim());
    setSaved(!!value.trim());
    location.reload();
  }}>
    <input type="password" name="token" aria-label="API token" placeholder="API token" value=${value} onInput=${(e: Event) => setValue((e.target as HTMLInputElement).value)} />
    <button type="submit">${saved ? 'Change' : 'Sign in'}</button>
  </form>`;
}

function App() {
  const route = useRoute();
  const info = useAsync(() => get<ConsoleInfo>('/v1/console/info'), []);
  const [section = 'runs', id] = route.path;
  let page;
  if (section === 'pipelines') page = html`<${PipelinesPage} name=${id} version=${route.query.get('version') ?? undefined} />`;
  else if (section === 'runs' && id) page = html`<${RunPage} key=${id} runId=${id} />`;
  else if (section === 'compare') page = html`<${ComparePage} ids=${(route.query.get('runs') ?? '').split(',').filter(Boolean)} />`;
  else if (section === 'datasets') page = html`<${DatasetsPage} />`;
  else if (section === 'models') page = html`<${ModelsPage} />`;
  else if (section === 'cameras') page = html`<${CamerasPage} />`;
  else if (section === 'live') page = html`<${LivePage} info=${info.data} />`;
  else page = html`<${RunsPage} query=${route.query} />`;
  return html`<header>
      <a class="brand" href="#/runs">signflow</a>
      <nav>${NAV.map(([path, label]) => html`<a class=${`/${section}` === path ? 'active' : ''} href=${href(path)}>${label}</a>`)}</nav>
      <${TokenBox} />
    </header>
    <main>${page}</main>`;
}

const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);
