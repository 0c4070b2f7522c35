import { strictTests } from "./_strict.ts";
import { scenarios } from "./_strict_scenarios.ts";

await strictTests("file", scenarios);
