// Types of scripts/cli-reference.mjs, for the test that keeps docs/cli.md in step with fragctl.
export declare const MARKER: string;
export declare function cliReference(): Promise<string>;
export declare function spliceCliReference(doc: string, generated: string): string;
