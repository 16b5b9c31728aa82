/**
 * The live feed pages: plain HTML, CSS and a small script (no build step), so the feed works
 * wherever the server runs. All text from the wire is set with textContent, never as HTML.
 */

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
:root { color-scheme: dark; --bg:#101418; --panel:#182028; --text:#eef2f5; --muted:#8d9aa6; --accent:#4cc2ff; --ok:#4ade80; --warn:#fbbf24; }
* { box-sizing: border-box; }
body { margin:0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--text); }
header { display:flex; flex-wrap:wrap; gap:.5rem 1rem; align-items:center; padding:.6rem 1rem; background:var(--panel); border-bottom:1px solid #26313b; }
header h1 { font-size:1rem; margin:0; font-weight:600; }
header h1 span { color:var(--accent); }
.badge { font-size:.8rem; padding:.2rem .55rem; border-radius:999px; background:#0c1116; color:var(--muted); white-space:nowrap; }
.badge b { color:var(--text); font-weight:600; }
#conn.live b { color:var(--ok); } #conn.down b { color:var(--warn); }
main { display:grid; grid-template-columns: minmax(0,1.2fr) minmax(0,1fr); gap:1rem; padding:1rem; align-items:start; }
@media (max-width: 760px) { main { grid-template-columns: 1fr; padding:.6rem; gap:.6rem; } }
.panel { background:var(--panel); border-radius:12px; padding:.8rem 1rem; }
.panel h2 { margin:0 0 .5rem; font-size:.75rem; letter-spacing:.08em; text-transform:uppercase; color:var(--muted); }
#captions { min-height: 30vh; display:flex; flex-direction:column; }
#transcript { flex:1; display:flex; flex-wrap:wrap; align-content:flex-end; gap:.25rem .6rem; font-size:clamp(1.6rem, 5vw, 2.6rem); line-height:1.25; }
.word { display:inline-flex; flex-direction:column; }
.word small { font-size:.75rem; color:var(--muted); font-weight:400; }
.word.partial { color:var(--muted); font-style:italic; }
.word.final { animation: pop .25s ease-out; }
@keyframes pop { from { transform: scale(1.08); } to { transform: none; } }
#empty { color:var(--muted); font-size:1rem; }
#view canvas { max-width:100%; max-height:62vh; width:auto; height:auto; margin:0 auto; background:#0b0f13; border-radius:8px; display:block; }
@media (max-width: 760px) { #view canvas { max-height:50vh; } }
#thumbs { display:flex; gap:.5rem; margin-top:.6rem; overflow-x:auto; }
#thumbs button { flex:0 0 auto; border:2px solid transparent; border-radius:8px; padding:0; background:#0b0f13; color:var(--muted); cursor:pointer; width:112px; font-size:.7rem; }
#thumbs button.selected { border-color:var(--accent); color:var(--text); }
#thumbs img { width:100%; height:63px; object-fit:cover; border-radius:6px 6px 0 0; display:block; background:#0b0f13; }
#thumbs span { display:block; padding:.15rem .3rem; }
a { color:var(--accent); }
ul.rigs { font-size:1.2rem; line-height:2; }
`;

/** The list of rigs (`/live`). */
export function rigsPage(rigs: readonly string[]): string {
  const items = rigs.length
    ? rigs.map((r) => `<li><a href="/live/${encodeURIComponent(r)}">${escapeHtml(r)}</a></li>`).join('')
    : '<li>No rig has published landmarks or captions yet. Start a camera agent and <code>signflow transcribe --rig R</code>.</li>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>signflow live</title><style>${STYLE}</style></head><body><header><h1>signflow <span>live</span></h1></header>
<main style="display:block"><div class="panel"><h2>Rigs</h2><ul class="rigs">${items}</ul></div></main></body></html>`;
}

/** The live page of one rig (`/live/<rig>`). */
export function livePage(rig: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>signflow live · ${escapeHtml(rig)}</title><style>${STYLE}</style></head><body>
<header>
  <h1>signflow <span>live</span> · ${escapeHtml(rig)}</h1>
  <span class="badge" id="model">model <b>–</b></span>
  <span class="badge" id="latency">latency <b>–</b></span>
  <span class="badge down" id="conn"><b>● connecting</b></span>
</header>
<main>
  <section class="panel" id="captions" aria-live="polite"><h2>Captions</h2><div id="transcript"><span id="empty">Waiting for signs…</span></div></section>
  <section class="panel" id="view"><h2 id="camera-title">Camera</h2><canvas id="canvas" width="640" height="360"></canvas><div id="thumbs"></div></section>
</main>
<script type="module">${SCRIPT.replace('__RIG__', JSON.stringify(rig))}</script>
</body></html>`;
}

const SCRIPT = `
const rig = __RIG__;
const $ = (id) => document.getElementById(id);
const transcript = $('transcript');
const canvas = $('canvas');
const ctx = canvas.getContext('2d');
const HAND = [[0,1],[1,2],[2,3],[3,4],[0,5],[5,6],[6,7],[7,8],[5,9],[9,10],[10,11],[11,12],[9,13],[13,14],[14,15],[15,16],[13,17],[17,18],[18,19],[19,20],[0,17]];
const POSE = [[11,12],[11,13],[13,15],[12,14],[14,16],[11,23],[12,24],[23,24],[9,10]];
const segments = new Map();
const thumbs = new Map();
let selected = new URLSearchParams(location.search).get('camera');
let source;
let lastImage = null;
let lastPacket = null;

function renderCaptions() {
  const list = [...segments.values()].slice(-14);
  transcript.replaceChildren();
  if (list.length === 0) { const e = document.createElement('span'); e.id = 'empty'; e.textContent = 'Waiting for signs…'; transcript.append(e); return; }
  for (const c of list) {
    const w = document.createElement('span');
    w.className = 'word ' + c.kind;
    w.dataset.segment = c.segment;
    w.dataset.kind = c.kind;
    const label = document.createElement('span');
    label.className = 'label';
    label.textContent = c.label;
    const meta = document.createElement('small');
    meta.textContent = Math.round(c.confidence * 100) + '%' + (c.kind === 'final' ? ' · ' + Math.round(c.latencyMs) + ' ms' : ' …');
    w.append(label, meta);
    transcript.append(w);
  }
}
function addCaption(c) {
  const prev = segments.get(c.segment);
  if (prev && prev.kind === 'final') return;
  segments.set(c.segment, c);
  if (segments.size > 60) segments.delete(segments.keys().next().value);
  renderCaptions();
}
function setModel(m) { if (m) $('model').querySelector('b').textContent = m.name + ' v' + m.version; }
function setCameras(cameras) {
  for (const cam of cameras) if (!thumbs.has(cam)) addThumb(cam);
  if (!selected && cameras.length) select(cameras[0]);
}
function addThumb(cam) {
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.camera = cam;
  const img = document.createElement('img'); img.alt = cam;
  const s = document.createElement('span'); s.textContent = cam;
  b.append(img, s);
  b.onclick = () => select(cam);
  $('thumbs').append(b);
  thumbs.set(cam, { button: b, img, image: null });
  markSelected();
}
function markSelected() { for (const [cam, t] of thumbs) t.button.classList.toggle('selected', cam === selected); $('camera-title').textContent = selected ? 'Camera ' + selected : 'Camera'; }
function select(cam) { if (cam === selected && source) return; selected = cam; lastPacket = null; lastImage = thumbs.get(cam)?.image ?? null; markSelected(); connect(); draw(); }
function draw() {
  const w = lastPacket?.width ?? lastImage?.naturalWidth ?? 640;
  const h = lastPacket?.height ?? lastImage?.naturalHeight ?? 360;
  const scale = Math.min(1, 960 / w);
  canvas.width = Math.round(w * scale); canvas.height = Math.round(h * scale);
  ctx.fillStyle = '#0b0f13'; ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (lastImage) ctx.drawImage(lastImage, 0, 0, canvas.width, canvas.height);
  if (!lastPacket) return;
  const sx = canvas.width / lastPacket.width, sy = canvas.height / lastPacket.height;
  ctx.lineWidth = Math.max(2, canvas.width / 320);
  const pose = lastPacket.pose?.landmarks;
  if (pose) {
    ctx.strokeStyle = 'rgba(255,255,255,.7)'; ctx.fillStyle = '#fff';
    for (const [a, b] of POSE) { if (pose[a*4+3] < .3 || pose[b*4+3] < .3) continue; ctx.beginPath(); ctx.moveTo(pose[a*4]*sx, pose[a*4+1]*sy); ctx.lineTo(pose[b*4]*sx, pose[b*4+1]*sy); ctx.stroke(); }
  }
  for (const hand of lastPacket.hands) {
    const p = hand.landmarks;
    ctx.strokeStyle = hand.handedness === 'right' ? '#4cc2ff' : '#f472b6'; ctx.fillStyle = ctx.strokeStyle;
    for (const [a, b] of HAND) { ctx.beginPath(); ctx.moveTo(p[a*3]*sx, p[a*3+1]*sy); ctx.lineTo(p[b*3]*sx, p[b*3+1]*sy); ctx.stroke(); }
    for (let i = 0; i < 21; i++) { ctx.beginPath(); ctx.arc(p[i*3]*sx, p[i*3+1]*sy, ctx.lineWidth * 1.3, 0, 7); ctx.fill(); }
  }
}
function connect() {
  if (source) source.close();
  const q = selected ? '?camera=' + encodeURIComponent(selected) : '';
  source = new EventSource('/api/live/' + encodeURIComponent(rig) + '/events' + q);
  source.onopen = () => { $('conn').className = 'badge live'; $('conn').querySelector('b').textContent = '● live'; };
  source.onerror = () => { $('conn').className = 'badge down'; $('conn').querySelector('b').textContent = '● reconnecting'; };
  source.addEventListener('hello', (e) => { const d = JSON.parse(e.data); for (const c of d.captions) addCaption(c); setModel(d.model); setCameras(d.cameras); renderCaptions(); });
  source.addEventListener('caption', (e) => { const d = JSON.parse(e.data); setModel(d.caption.model); addCaption(d.caption); });
  source.addEventListener('status', (e) => {
    const d = JSON.parse(e.data);
    setModel(d.model); setCameras(d.cameras);
    const l = d.latency;
    $('latency').querySelector('b').textContent = l.samples ? 'p50 ' + Math.round(l.p50) + ' ms · p95 ' + Math.round(l.p95) + ' ms' : '–';
  });
  source.addEventListener('thumb', (e) => {
    const d = JSON.parse(e.data);
    if (!thumbs.has(d.camera)) addThumb(d.camera);
    const t = thumbs.get(d.camera);
    const img = new Image();
    img.onload = () => { t.image = img; if (d.camera === selected && !lastPacket) { lastImage = img; draw(); } };
    img.src = 'data:image/jpeg;base64,' + d.jpeg;
    t.img.src = img.src;
  });
  source.addEventListener('landmarks', (e) => {
    const d = JSON.parse(e.data);
    if (d.camera !== selected) return;
    if (!d.jpeg) { lastPacket = d.packet; draw(); return; }
    const img = new Image();
    img.onload = () => { lastImage = img; lastPacket = d.packet; draw(); };
    img.src = 'data:image/jpeg;base64,' + d.jpeg;
  });
}
connect();
draw();
`;
