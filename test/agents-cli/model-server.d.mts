// Types of test/agents-cli/model-server.mjs for the TypeScript tests.
export interface StepUsage {
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
}
export interface Step {
  tool?: { name: string; input: Record<string, unknown> };
  text?: string;
  usage: StepUsage;
}
export interface ModelRequest {
  method: string;
  url: string;
  /** The agent's own conversation (not a helper request such as a title). */
  main: boolean;
  step: number;
  body: string;
}
export interface ModelServer {
  url: string;
  served: Map<string, StepUsage>;
  requests: ModelRequest[];
  total(): { input: number; output: number; cache_read: number; cache_write: number };
  close(): Promise<void>;
}
export function startModelServer(opts: {
  script: Step[];
  conversations?: { match: string; steps: Step[] }[];
  compaction?: Step;
}): Promise<ModelServer>;
