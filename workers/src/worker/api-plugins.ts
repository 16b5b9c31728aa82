import { describeError, registeredApiPlugins, type Logger } from '@signflow/core';

/** Workspace packages whose `./stack-parts` may register API plugins (as `signflow up` loads them). */
const PACKAGES = ['camera-agent', 'landmarks', 'datasets', 'pipelines', 'workers', 'web'] as const;

/**
 * Loads every package's `./stack-parts` module for its side effect, registering the routes it
 * serves on the signflow API (datasets, models, the console), the way `signflow up` does. The
 * parts themselves are not started: `signflow serve` runs only the API. A package without the
 * subpath contributes nothing; one that fails to load is logged and skipped.
 */
export async function loadApiPlugins(logger: Logger): Promise<string[]> {
  for (const pkg of PACKAGES) {
    const specifier = `@signflow/${pkg}/stack-parts`;
    try {
      await import(specifier);
    } catch (err) {
      if ((err as NodeJS.ErrnoException | undefined)?.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') continue;
      logger.warn({ module: specifier, err: describeError(err) }, 'API plugins of this package could not be loaded: its routes are missing');
    }
  }
  return registeredApiPlugins();
}
