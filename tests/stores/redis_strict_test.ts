import { strictTests } from "./_strict.ts";
import { scenarios } from "./_strict_scenarios.ts";

await strictTests("redis", scenarios);
