import type { SignflowConfig } from '@signflow/core';
import type { StackPart } from '@signflow/stack';
import { liveFeedStackPart } from './live/stack-part.js';

/** Long-lived parts of the web package under `signflow up`. */
export function stackParts(config: SignflowConfig): StackPart[] {
  return [liveFeedStackPart(config)];
}
