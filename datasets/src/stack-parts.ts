// Loaded by `signflow up` / `signflow serve` with every package's ./stack-parts: datasets runs no
// service of its own, it adds its routes to the signflow API (GET /v1/datasets, …).
import './api/plugin.js';
