export const {{specName}} = defineOperation({
  eventType: "{{eventType}}",
  operation: "{{operation}}",
  payload: operationPayload("{{eventType}}", "{{operation}}"),
});

