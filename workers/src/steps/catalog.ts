/**
 * Modules that register step implementations when imported. Add yours here (one line) to make
 * `signflow-step <name>` find it; see pipelines/README.md, "Step implementations".
 */
export const STEP_MODULES: readonly string[] = ['./builtin.js', './datasets.js', './deploy.js', '../training/steps.js'];
