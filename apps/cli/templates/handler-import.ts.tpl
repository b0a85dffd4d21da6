import { {{handlerName}} } from "{{packageName}}";
