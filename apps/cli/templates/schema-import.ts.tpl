import { {{schemaImport}} } from "./payload-schemas.ts";
