import { crossProcessTests } from "./_cross_process.ts";

await crossProcessTests("redis");
