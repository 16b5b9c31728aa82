import type { SignflowConfig } from '@signflow/core';
import type { StackPart } from '@signflow/stack';
import { liveFeedStackPart } from './live/stack-part.js';
// Side effect: the console (static app + console API) is registered as a plugin of the signflow API.
import './console-server/register.js';

/** Long-lived parts of the web package under `signflow up`. */
export function stackParts(config: SignflowConfig): StackPart[] {
  return [liveFeedStackPart(config)];
}
