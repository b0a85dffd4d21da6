import { defineHandler } from "@skyhook/handler-kit";

/**
 * Handles {{eventType}}/{{operation}}. It records each event by its ids; replace the body with
 * the real work, keeping it idempotent (ctx.idempotencyKey is stable across redeliveries) and
 * throwing PermanentError when a retry cannot help.
 */
export const {{handlerName}} = defineHandler({
  eventType: "{{eventType}}",
  operation: "{{operation}}",
  async handle(event, ctx) {
    ctx.logger.info(
      { entityId: event.keys.entityId, pnrId: event.keys.pnrId, deliveryId: ctx.idempotencyKey },
      "{{operation}} received",
    );
  },
});
