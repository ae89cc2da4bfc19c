// Instructions for MCP callers name tools: every fragctl command the daemon suggests has its
// tool form, with the arguments the command carried (quoted words included).
import { describe, expect, it } from 'vitest';
import { commandLine } from '../../shared/command.js';
import { commandForMcp, instructionsForMcp, splitWords } from '../../daemon/app/mcp-hints.js';

describe('MCP hints', () => {
  it('splits what commandLine quoted back into the same words', () => {
    for (const argv of [
      ['fragctl', 'update', "it's done; rm -rf / && echo $HOME"],
      ['fragctl', 'task', 'edit', 'T-1', '--summary', 'a b  c'],
      ['fragctl', 'update', ''],
    ]) {
      expect(splitWords(commandLine(argv))).toEqual(argv);
    }
  });

  it('turns commands into tool calls, dropping the session the server supplies', () => {
    expect(commandForMcp('fragctl task activate --session SESSION-004 T-1')).toBe('task_activate {"code":"T-1"}');
    expect(commandForMcp(commandLine(['fragctl', 'update', "what I'd say"]))).toBe(`update {"message":"what I'd say"}`);
    expect(commandForMcp('fragctl task edit T-1 --estimate 1h30m')).toBe(
      'task_edit {"code":"T-1","estimate_minutes":90}',
    );
    expect(commandForMcp('fragctl task list --blocked')).toBe('task_list {"blocked":true}');
    expect(commandForMcp('fragctl session status')).toBe('session_status');
    // No tool for it: left as it was.
    expect(commandForMcp('fragctl report --by day')).toBe('fragctl report --by day');
  });

  it('rewrites prose that names a command', () => {
    const i = instructionsForMcp({
      next_actions: ['Finish with fragctl done --session SESSION-002 "<summary>".'],
      suggested_commands: [],
      context_reminder: 'no session: start one with fragctl session start',
    });
    expect(i.next_actions).toEqual(['Finish with the done tool "<summary>".']);
    expect(i.context_reminder).toBe('no session: start one with the session_start tool');
  });
});
