export const {{specName}} = defineOperation({
  eventType: "{{eventType}}",
  operation: "{{operation}}",
  payload: {{schema}},
});

