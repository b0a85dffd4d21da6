export { {{handlerName}} } from "./{{dir}}-handler.ts";
