import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { z } from 'zod';
import { createLogger, describeError, subjects, type Logger } from '@signflow/core';
import type { Recognizer } from './recognizer.js';

/**
 * Where the transcriber gets its model: the production model at start, then each newly
 * promoted one. The registry's implementation plugs in here.
 */
export interface ModelSource {
  /** The model to start with (the production model). */
  current(): Promise<Recognizer>;
  /** Calls `onModel` with each newly promoted model, loaded and ready. Returns a stop function. */
  watch(onModel: (model: Recognizer) => void): Promise<() => Promise<void>>;
}

/** A fixed model (a cached export, `--model-dir`): never changes. */
export function fixedModelSource(load: () => Promise<Recognizer>): ModelSource {
  return {
    current: load,
    watch: () => Promise.resolve(() => Promise.resolve()),
  };
}

/**
 * The fields of a registry event on `subjects.modelEvents(name)` the transcriber needs: a
 * promotion to production of some version. Other fields and other event types are ignored.
 */
export const promotionEventSchema = z
  .object({
    type: z.string(),
    version: z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String),
    stage: z.string().optional(),
  })
  .loose();
export type PromotionEvent = z.output<typeof promotionEventSchema>;

/** A new production model: a promotion to production or a rollback (which also sets production). */
export function isProductionPromotion(event: PromotionEvent): boolean {
  return (event.type === 'promoted' || event.type === 'rolled_back') && (event.stage === undefined || event.stage === 'production');
}

export interface PromotionSourceOptions {
  nc: NatsConnection;
  /** Registry name of the model. */
  model: string;
  /** Loads the production model at start. */
  loadCurrent: () => Promise<Recognizer>;
  /** Loads the version a promotion event names. */
  loadVersion: (version: string, event: PromotionEvent) => Promise<Recognizer>;
  logger?: Logger;
}

/**
 * Follows promotions on `subjects.modelEvents(model)`: each promotion to production is loaded
 * (off the caption path) and then handed over; a model that fails to load is logged and the
 * current one stays.
 */
export function promotionModelSource(options: PromotionSourceOptions): ModelSource {
  const logger = options.logger ?? createLogger('transcriber.models');
  return {
    current: options.loadCurrent,
    watch: async (onModel) => {
      const sub: Subscription = options.nc.subscribe(subjects.modelEvents(options.model));
      const done = (async () => {
        for await (const msg of sub) {
          let event: PromotionEvent;
          try {
            event = promotionEventSchema.parse(msg.json());
          } catch (err) {
            logger.warn({ err: describeError(err) }, 'ignoring a malformed model event');
            continue;
          }
          if (!isProductionPromotion(event)) continue;
          try {
            const model = await options.loadVersion(event.version, event);
            onModel(model);
          } catch (err) {
            logger.error({ version: event.version, err: describeError(err) }, 'promoted model failed to load; keeping the current one');
          }
        }
      })();
      await options.nc.flush();
      return async () => {
        sub.unsubscribe();
        await done;
      };
    },
  };
}
